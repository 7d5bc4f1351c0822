"""The true time shares of the repositories the hotspot benchmark and tests profile (not a
benchmark itself). Each truth comes from the profiled run's own output, so load on the machine
moves truth and measurement together:

- examples/cpp-kernels: its bench prints, per case, the iterations and the mean time of one call
  (Google Benchmark JSON); a kernel's time is the sum over its cases of (iterations + 1, the
  warm-up call) x real_time, its share that over the process's wall time. The process's wall
  time is measured around it by the bench command (`with_process_time` rewrites the copy's
  lessonl.toml), in the same clock as the bench's own figures: on a loaded machine perf's
  CPU samples and the wall-clock figures are then fractions of the same interval.
- examples/python-hotspots: pytest-benchmark JSON, (rounds + 1) x mean per function, over the
  run's cProfile total (cProfile times with the wall clock too).
- tests/fixtures/repos/hotspots-cpp and hotspots-py: the three functions do 60, 30 and 10 % of
  the work the bench times ("time: S"), so their shares are those fractions of S over the
  process's total (measured around it for C++, cProfile's total for Python).
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SYNTHETIC = {"sim::Grid::relax": 0.6, "Grid.relax": 0.6, "mix": 0.3, "tail": 0.1}
CASES = {
    "cpp-kernels": REPO / "examples" / "cpp-kernels",
    "python-hotspots": REPO / "examples" / "python-hotspots",
    "hotspots-cpp": REPO / "tests" / "fixtures" / "repos" / "hotspots-cpp",
    "hotspots-py": REPO / "tests" / "fixtures" / "repos" / "hotspots-py",
}


PROCESS = re.compile(r"^process_ns: (\d+)\s*$", re.M)


def with_process_time(root: Path) -> None:
    """Make the copy's bench command print the process's wall time (`process_ns: N`) after it."""
    path = root / "lessonl.toml"
    text = path.read_text()
    command = re.search(r'^command = "(\./bench[^"]*)"', text, re.M)
    if command is None:
        return
    wrapped = f's=$(date +%s%N); {command.group(1)}; e=$(date +%s%N); echo process_ns: $((e - s))'
    path.write_text(text.replace(command.group(0), f"command = '{wrapped}'"))


def total_seconds(hotspots: Any) -> float:
    """The profiled process's time: measured around it, or the cProfile total."""
    found = PROCESS.search(hotspots.bench_stdout)
    if found:
        return int(found.group(1)) * 1e-9
    if hotspots.profiler == "cprofile":
        return hotspots.total_samples / 1e6
    raise ValueError(f"no time truth for this {hotspots.profiler} run (bench command not wrapped)")


def truth(name: str, hotspots: Any) -> dict[str, float]:
    """Function (qualified name) -> its true share of the profiled run."""
    total = total_seconds(hotspots)
    out = PROCESS.sub("", hotspots.bench_stdout)
    if name == "cpp-kernels":
        seconds: dict[str, float] = {}
        for case in json.loads(out)["benchmarks"]:
            kernel = case["name"].split("/")[0]
            seconds[kernel] = seconds.get(kernel, 0.0) + (case["iterations"] + 1) * case["real_time"] * 1e-9
        return {k: v / total for k, v in seconds.items()}
    if name == "python-hotspots":
        seconds = {}
        for case in json.loads(out)["benchmarks"]:
            stats = case["stats"]
            seconds[case["group"]] = seconds.get(case["group"], 0.0) + (stats["rounds"] + 1) * stats["mean"]
        return {k: v / total for k, v in seconds.items()}
    work = float(re.search(r"time: ([0-9.]+)", out).group(1))
    names = ("sim::Grid::relax", "mix", "tail") if name == "hotspots-cpp" else ("Grid.relax", "mix", "tail")
    return {n: SYNTHETIC[n] * work / total for n in names}


def compare(true: dict[str, float], hotspots: Any) -> dict[str, Any]:
    """Per function the true and measured inclusive share, the worst error in points, and
    whether the measured order of the top 3 is the true one (pairs whose true shares lie within
    `TIE` points of each other may come either way: sampling cannot order them)."""
    measured = {f.qualified_name: f.inclusive_share for f in hotspots.functions if f.qualified_name in true}
    rows = [(n, true[n], measured.get(n, 0.0)) for n in sorted(true, key=lambda n: -true[n])]
    top = rows[:3]
    order_ok = all(not (a[1] - b[1] > TIE and a[2] < b[2]) for i, a in enumerate(top) for b in top[i + 1:])
    return {"rows": rows, "worst_points": max(abs(t - m) * 100 for _, t, m in rows),
            "top3_right": order_ok}


TIE = 0.03
