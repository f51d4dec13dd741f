"""Fuzz the command line: every numeric option, given a bad value, ends in one line, exit 2.

The values are drawn by hypothesis from what users and scripts get wrong: negative, zero,
tiny, huge, NaN, inf and non-numbers. Rejection must happen while the arguments are
parsed, before any work or output. ``pytest -m slow`` draws more cases.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from darkdump.cli import main

#: (command words, option, whether 0 is allowed, largest allowed value or None).
NUMERIC_OPTIONS: list[tuple[list[str], str, bool, float | None]] = [
    (["reproduce", "na62-2021"], "--seed", True, None),
    (["reproduce", "na62-2021"], "--workers", True, None),
    (["yields", "na62-2021", "--out", "x"], "--seed", True, None),
    (["yields", "na62-2021", "--out", "x"], "--events", False, 5e6),
    (["yields", "na62-2021", "--out", "x"], "--n-epsilon", False, None),
    (["yields", "na62-2021", "--out", "x"], "--workers", True, None),
    (["production", "na62-2021", "--mass", "0.3"], "--events", False, 5e6),
    (["production", "na62-2021", "--mass", "0.3"], "--brems-pt-max", False, 100.0),
    (["production", "na62-2021"], "--mass", False, None),
    (["spectra"], "--events", False, 1e8),
    (["spectra"], "--sigma-bb-nb", False, 1e6),
    (["spectra"], "--seed", True, None),
    (["cls-counting", "--background", "0.01"], "--observed", True, 100.0),
    (["cls-counting", "--observed", "0"], "--background", True, 100.0),
    (["cls-counting", "--observed", "0", "--background", "0.01"], "--toys", False, 1e6),
    (["cls-counting", "--observed", "0", "--background", "0.01"], "--seed", True, None),
    (["background", "synthetic", "--out", "x.parquet"], "--tracks", False, 5e6),
    (["background", "synthetic", "--out", "x.parquet", "--tracks", "10"], "--rate-hz", False, 1e9),
    (["background", "synthetic", "--out", "x.parquet", "--tracks", "10"], "--spill-s", False, 1e3),
    (["background", "synthetic", "--out", "x.parquet", "--tracks", "10"], "--seed", True, None),
    (["widths"], "--masses", False, None),
    (["sensitivity", "na62-1e18", "--out", "x"], "--pot", False, 1e25),
    (["sensitivity", "na62-1e18", "--out", "x"], "--events", False, 1e6),
    (["sensitivity", "na62-1e18", "--out", "x"], "--seed", True, None),
    (["sensitivity", "na62-1e18", "--out", "x"], "--workers", True, None),
    (["reproduce", "charm"], "--seed", True, None),
]

ALWAYS_BAD = ["nan", "inf", "-inf", "-1", "1e400", "abc", "", "0x10", "1,5", "--"]


def bad_values(zero_ok: bool, largest: float | None) -> st.SearchStrategy[str]:
    negatives = st.floats(max_value=-1e-9, allow_nan=False, allow_infinity=False).map(repr)
    choices = [st.sampled_from(ALWAYS_BAD), negatives]
    if not zero_ok:
        choices.append(st.sampled_from(["0", "0.0", "-0"]))
    if largest is not None:
        choices.append(
            st.floats(min_value=largest * 1.01 + 1, max_value=1e300, allow_nan=False).map(repr)
        )
    return st.one_of(*choices)


def _check(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    # Rejected by argparse (SystemExit) or by the command before any work (status 2).
    try:
        status = main(argv)
    except SystemExit as exc:
        status = exc.code  # type: ignore[assignment]
    assert status == 2, argv
    err = capsys.readouterr().err
    assert err.count("\n") == 1, (argv, err)
    assert "Traceback" not in err


@pytest.mark.parametrize(("words", "option", "zero_ok", "largest"), NUMERIC_OPTIONS)
@settings(
    max_examples=int(os.environ.get("DARKDUMP_FUZZ_EXAMPLES", "12")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_bad_numbers_are_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str],
    tmp_path_factory: pytest.TempPathFactory,
    words: list[str],
    option: str,
    zero_ok: bool,
    largest: float | None,
    data: st.DataObject,
) -> None:
    value = data.draw(bad_values(zero_ok, largest), label="value")
    if option == "--masses" and value in ("", "--"):
        return  # an empty mass list is read as no option by argparse (its own usage error)
    os.chdir(tmp_path_factory.getbasetemp())  # nothing may be written anyway
    _check(capsys, [*words, f"{option}={value}"])


@pytest.mark.slow
def test_fuzz_many_more_cases(capsys: pytest.CaptureFixture[str]) -> None:
    """The same with many draws (about 2000 in all)."""
    import subprocess
    import sys

    env = {**os.environ, "DARKDUMP_FUZZ_EXAMPLES": "100"}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            __file__,
            "-k",
            "bad_numbers",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:]
