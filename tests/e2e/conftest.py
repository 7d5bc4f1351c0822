"""End-to-end failures keep their screenshots.

The VS Code driver ends every scenario with a screenshot in the test's `tmp_path/screenshots/`
(`<scenario>-final.png`, or `<scenario>-failure.png` when the driver itself failed). Many checks
run in Python after the driver is done (the file on disk, what the fake endpoint received), so a
failing test, wherever it failed, gets its screenshots copied to `.e2e/failures/<test>/` (kept
after pytest cleans its temporary folders; CI can upload that folder) and listed in its report.
"""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

KEEP = Path(__file__).resolve().parents[2] / ".e2e" / "failures"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    tmp = getattr(item, "funcargs", {}).get("tmp_path")
    shots = sorted(Path(tmp).glob("screenshots/*.png")) if tmp else []
    if not shots:
        return
    dest = KEEP / item.name
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    kept = [shutil.copy2(shot, dest / shot.name) for shot in shots]
    report.sections.append(("screenshots", "\n".join(str(k) for k in kept)))
