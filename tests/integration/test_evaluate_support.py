"""Helpers for the judge's integration tests (no tests here): tree snapshots, fast timing, process checks."""
from __future__ import annotations

import hashlib
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[2]
CANDIDATES = REPO / "tests" / "fixtures" / "candidates"

# Small budgets keep the suite quick on two shared cores (a clear verdict stops after a few
# rounds); enough room remains for a loaded machine to still reach the clear verdicts.
FAST_TIMING = {"min_runs": 5, "max_runs": 30, "budget": 10}


def snapshot(root: Path) -> dict[str, str]:
    """Every file of the tree with its content hash and mode: the user's files must not change."""
    result = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() or path.is_symlink():
            rel = path.relative_to(root).as_posix()
            result[rel] = hashlib.sha256(path.read_bytes()).hexdigest() + f":{path.lstat().st_mode:o}"
    return result


def processes_running(name: str, under: Path) -> list[psutil.Process]:
    """Processes called `name` whose working folder is inside `under` (left-overs of a judge)."""
    found = []
    for proc in psutil.process_iter(["name", "cwd"]):
        try:
            if proc.info["name"] == name and proc.info["cwd"] and Path(proc.info["cwd"]).is_relative_to(under):
                found.append(proc)
        except (psutil.Error, OSError):
            pass
    return found
