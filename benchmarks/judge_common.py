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


# The power benchmarks' kernel: prefix_sum with a work knob in a volatile global, so baseline
# (m = 0) and candidates (m = 11, 21, ...) run the very same machine code and instructions per
# element, and only a number in the data section differs: the true speedup is m / (m - 1).
KNOB = '''
// How often a prefix sum continues from the previous one instead of being recomputed (0: never).
volatile std::size_t continue_every = {every};

std::vector<std::int64_t> prefix_sum(const std::vector<std::int64_t>& in) {{
    const std::size_t every = continue_every;
    std::size_t countdown = every;  // 0 wraps around and never reaches 0 again within a run
    std::vector<std::int64_t> out(in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {{
        std::size_t from = 0;
        std::int64_t total = 0;
        if (--countdown == 0) {{
            countdown = every;
            from = i;
            total = out[i - 1];
        }}
        for (std::size_t j = from; j <= i; ++j) {{
            total += in[j];
        }}
        out[i] = total;
    }}
    return out;
}}
'''

# A periodic background load: one core busy for 15 s out of every 30 s.
BUSY = ("import time\nwhile True:\n    t = time.monotonic()\n    while time.monotonic() - t < 15:\n"
        "        pass\n    time.sleep(15)\n")


def with_knob(source: str, every: int) -> str:
    """The C++ example's kernels.cpp with prefix_sum replaced by the knob version."""
    start = source.index("// Computes each prefix sum from scratch.")
    return source[:start] + KNOB.format(every=every).lstrip("\n")


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
