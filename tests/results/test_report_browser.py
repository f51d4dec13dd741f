"""The report in a real browser: headless Chromium loads it from a copied folder.

Skipped where Chromium is not installed (``apt-get install chromium``; ``.ci/run``
installs it when it can).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from darkdump.analyses.na62_2021.reproduce import ReproduceConfig, run_reproduction

pytestmark = pytest.mark.slow


def test_report_renders_in_chromium_from_a_copied_folder(tmp_path: Path) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("Chromium is not installed")
    out = tmp_path / "run"
    run_reproduction(ReproduceConfig.create(quick=True), out, workers=1, quiet=True, log=print)
    copied = tmp_path / "mailed" / "report.html"
    copied.parent.mkdir()
    shutil.copy(out / "report.html", copied)  # the figures/ folder does not travel with it
    shot = tmp_path / "shot.png"
    proc = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=1200,4000",
            f"--screenshot={shot}",
            copied.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert shot.stat().st_size > 100_000  # a page of text and embedded figures, not blank
    console_errors = [
        line for line in proc.stderr.splitlines() if "CONSOLE" in line and "report.html" in line
    ]
    assert not console_errors, console_errors
