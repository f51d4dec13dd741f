from __future__ import annotations

import subprocess
import sys

import pytest

from darkdump import __version__
from darkdump.cli import main


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_unknown_command_is_one_line_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["no-such-command"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "no-such-command" in err


def test_python_m_darkdump_runs() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "darkdump", "--help"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0
    assert "usage: darkdump" in proc.stdout


def test_bare_darkdump_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "usage: darkdump" in capsys.readouterr().err
