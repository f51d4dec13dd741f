"""darkdump: feebly interacting particles from proton beam dumps.

The chain (one package per stage, data flowing one way): ``models`` -> ``production`` ->
``decay`` -> ``detector`` -> ``selection`` -> ``yields`` -> ``background`` ->
``stats`` -> ``results``. Each stage is a sub-package that imports only the
stages before it. Inside the code all dimensional quantities are in the
``hepunits`` system (MeV, mm, ns); files and the command line use GeV and m.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
