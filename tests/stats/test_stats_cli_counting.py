"""``darkdump cls-counting`` command line."""

from __future__ import annotations

import pytest

from darkdump.cli import main


def test_cls_counting_prints_limit(capsys: pytest.CaptureFixture[str]) -> None:
    # 0 observed, no systematics: 2.30 events (CLs = exp(-s)); tolerance 4 seed spreads
    status = main(["cls-counting", "--observed", "0", "--background", "0.01", "--seed", "3"])
    assert status == 0
    out = capsys.readouterr().out
    value = float(out.split("signal events:")[1].split()[0])
    assert value == pytest.approx(2.303, abs=0.03)


def test_cls_counting_bayes(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(
        [
            "cls-counting",
            "--observed",
            "1",
            "--background",
            "0",
            "--method",
            "bayes",
            "--pot-shape",
            "1.0",
        ]
    )
    assert status == 0
    value = float(capsys.readouterr().out.split("signal events:")[1].split()[0])
    assert value == pytest.approx(3.890, abs=1e-3)  # (1 + U) exp(-U) = 0.1


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--observed", "-1", "--background", "0"], "--observed"),
        (["--observed", "1", "--background", "0", "--pot-shape", "0.5"], "--pot-shape"),
        (["--observed", "1", "--background", "0", "--cl", "1.5"], "--cl"),
    ],
)
def test_bad_values_exit_2_one_line(
    capsys: pytest.CaptureFixture[str], args: list[str], needle: str
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["cls-counting", *args])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert needle in err
