"""The ``darkdump`` command line: a thin dispatcher over :mod:`darkdump.commands`.

Errors in user input exit with status 2 and a single line on standard error
(``darkdump <command>: error: <message>``); no traceback is shown for them.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
from collections.abc import Sequence
from typing import NoReturn

from darkdump import __version__
from darkdump.errors import DarkdumpInputError

__all__ = ["ArgumentParser", "build_parser", "main"]


class ArgumentParser(argparse.ArgumentParser):
    """An :class:`argparse.ArgumentParser` whose errors are one line, exit status 2."""

    def error(self, message: str) -> NoReturn:
        """Print ``<prog>: error: <message>`` on one line and exit with status 2."""
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> ArgumentParser:
    """Build the top-level parser with every sub-command found in :mod:`darkdump.commands`."""
    parser = ArgumentParser(
        prog="darkdump",
        description=(
            "Feebly interacting particles (dark photons, ALPs) from proton beam dumps: "
            "models, production, NA62-like simulation, selection and CLs limits. "
            "Masses on the command line are in GeV, lengths in metres."
        ),
    )
    parser.add_argument("--version", action="version", version=f"darkdump {__version__}")
    subparsers = parser.add_subparsers(
        title="commands", dest="command", metavar="COMMAND", parser_class=ArgumentParser
    )
    import darkdump.commands as commands

    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"darkdump.commands.{info.name}")
        module.register(subparsers)
    return parser


def _tolerant_streams() -> None:
    """Make unencodable table symbols print as '?' instead of failing.

    A stream that cannot encode them (PYTHONIOENCODING=ascii, a C locale) would end
    the run in a UnicodeEncodeError.
    """
    for stream in (sys.stdout, sys.stderr):
        encoding = getattr(stream, "encoding", None) or "ascii"
        try:
            "\u00b1\u00d7\u03b5".encode(encoding)
        except (UnicodeEncodeError, LookupError):
            reconfigure = getattr(stream, "reconfigure", None)
            if reconfigure is not None:
                reconfigure(errors="replace")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    _tolerant_streams()
    parser = build_parser()
    words = list(sys.argv[1:] if argv is None else argv)
    # argparse drops a value of "--" ("--seed=--" becomes an empty list that skips the
    # option's type check): no darkdump option takes "--", so refuse it up front.
    for word in words:
        if word == "--" or word.endswith("=--"):
            parser.error(f"{word!r}: '--' is not a value of any darkdump option")
    args = parser.parse_args(words)
    if getattr(args, "func", None) is None:
        # No sub-command is a usage error: the help on stderr, exit status 2.
        parser.print_help(sys.stderr)
        return 2
    try:
        status: int = args.func(args)
    except DarkdumpInputError as exc:
        prog = f"darkdump {args.command}"
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        # Only a command that caches its finished tasks (it sets args.resumable) resumes.
        after = (
            "finished work is kept in OUT/.cache and resumes on the next call"
            if getattr(args, "resumable", False)
            else "files written so far are complete; a rerun starts again"
        )
        print(f"darkdump {args.command}: interrupted; {after}", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. `| head -1`): end quietly, as Unix tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except OSError as exc:
        # A full disk, a read-only or missing folder, an unreachable scheduler: one line.
        where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
        reason = exc.strerror or str(exc) or type(exc).__name__
        print(f"darkdump {args.command}: error: {reason}{where}", file=sys.stderr)
        return 1
    return status
