"""Sub-commands of the ``darkdump`` command line.

Every module in this package defines

``register(subparsers) -> None``
    add its sub-parser (with ``set_defaults(func=run)``), and
``run(args) -> int``
    do the work and return the exit status.

:mod:`darkdump.cli` discovers the modules, so a stage adds a command by adding a
module here, without touching the dispatcher.
"""
