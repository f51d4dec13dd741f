"""Exclusion limits as a HEPData submission, written with ``hepdata_lib``.

One table per analysis and curve (``observed``, ``expected``, the bands, ...): the
independent variable is the A' mass in GeV, the dependent variables the lower and upper
excluded coupling, one row per excluded interval (a mass with two intervals has two
rows). ``submission.yaml`` lists the tables; the tests check the folder that the default
run writes with ``hepdata-validator``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from darkdump.results.io import current_umask

__all__ = ["LimitRow", "write_hepdata_submission"]

#: ``(mass_GeV, kind, epsilon_lower, epsilon_upper)``, as in the limits CSV files.
LimitRow = tuple[float, str, float, float]


def write_hepdata_submission(
    folder: str | Path,
    analyses: Mapping[str, tuple[Sequence[LimitRow], str]],
    *,
    cl: float = 0.9,
    location: str = "darkdump reproduction (computed, not a published figure)",
) -> list[Path]:
    """Write ``folder/submission.yaml`` and one YAML table per (analysis, curve).

    Parameters
    ----------
    folder
        Output folder (replaced as a whole, atomically: a finished folder or the old one).
    analyses
        ``name -> (limit rows, description)``.
    cl
        Confidence level, written as a qualifier of the coupling columns.
    location
        The ``location`` field of every table.

    Returns
    -------
    list of Path
        The files written.
    """
    from hepdata_lib import Submission, Table, Variable  # type: ignore[import-untyped]

    given = Path(folder)
    folder = given.resolve()  # the writer changes directory: relative paths would break
    submission = Submission()
    for name, (rows, description) in analyses.items():
        kinds = list(dict.fromkeys(r[1] for r in rows))
        for kind in kinds:
            sel = sorted((r for r in rows if r[1] == kind), key=lambda r: (r[0], r[2]))
            table = Table(f"{name} {kind}")
            table.description = f"{description}; curve: {kind}; one row per excluded interval."
            table.location = location
            table.keywords["observables"] = ["LIMIT"]
            table.keywords["cmenergies"] = [27.4]
            mass = Variable("M(A')", is_independent=True, is_binned=False, units="GeV")
            mass.values = [float(r[0]) for r in sel]
            table.add_variable(mass)
            for index, bound in ((2, "lower"), (3, "upper")):
                var = Variable(
                    f"epsilon_{bound}",
                    is_independent=False,
                    is_binned=False,
                    units="",
                    zero_uncertainties_warning=False,
                )
                var.values = [float(r[index]) for r in sel]
                var.add_qualifier("CL", f"{100 * cl:.10g}%")
                var.add_qualifier("curve", kind)
                table.add_variable(var)
            submission.add_table(table)
    folder.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    cwd = Path.cwd()
    try:
        # hepdata_lib also packs submission.tar.gz into the working directory.
        os.chdir(work)
        # Validation (hepdata-validator) runs in the tests: at run time it leaks file
        # handles and adds seconds for a format hepdata_lib already writes correctly.
        submission.create_files(str(work / "files"), validate=False, remove_old=True)
        os.chdir(cwd)
        made = work / "files"
        for path in made.iterdir():
            path.chmod(0o666 & ~current_umask())
        if folder.exists():
            old = folder.with_name(f".{folder.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            folder.replace(old)
            made.replace(folder)
            shutil.rmtree(old, ignore_errors=True)
        else:
            made.replace(folder)
    finally:
        os.chdir(cwd)
        shutil.rmtree(work, ignore_errors=True)
    return sorted(given / path.name for path in folder.iterdir())
