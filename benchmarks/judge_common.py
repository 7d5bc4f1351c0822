"""Shared helpers of the judge benchmarks: a fresh copy of the C++ example and a private cache.

Not a benchmark itself; `python benchmarks/judge_*.py` import it.
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from lessonl.config import load_config  # noqa: E402
from lessonl.judge import Judge  # noqa: E402


def workdir() -> Path:
    """A temporary folder holding the repository copy and XDG_CACHE_HOME (scratch copies)."""
    base = Path(tempfile.mkdtemp(prefix="lessonl-judge-bench-"))
    os.environ["XDG_CACHE_HOME"] = str(base / "cache")
    return base


def cpp_example(base: Path, name: str = "cpp-kernels") -> Path:
    target = base / name
    shutil.copytree(REPO / "examples" / "cpp-kernels", target,
                    ignore=shutil.ignore_patterns("*.o", "bench", "test_kernels", ".lessonl"))
    return target


def judge_for(root: Path, overrides: dict[str, Any] | None = None) -> Judge:
    return Judge(load_config(root, overrides))


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


def cleanup(base: Path) -> None:
    shutil.rmtree(base, ignore_errors=True)
