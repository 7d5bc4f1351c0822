"""The true time shares of the repositories the hotspot benchmark and tests profile (not a
benchmark itself). perf counts CPU time (cpu-clock samples) and cProfile wall-clock time, so each
truth is taken in the profiler's own clock, from the profiled run's own output: load on the
machine then moves truth and measurement together.

- examples/cpp-kernels: its bench prints, per case, the iterations and the mean wall-clock and
  CPU time of one call (Google Benchmark JSON, "real_time" and "cpu_time"). A kernel's time is
  the sum over its cases of (iterations + 1, the warm-up call) x cpu_time, its share that over
  the CPU time of the whole profiled command, which `with_process_time` measures around the
  bench (bash's `times`: the shell's and its children's user + system time). The profiled bench
  also gets a budget per kernel (`BUDGETS`, the bench's --min_time: 60, 30 and 15 ms of CPU time
  per case), so that the true shares are distinct, about 55, 27 and 15 % whatever the load: the
  ranking is then a real test, not three ties. (Without --min_time, as the judge runs it, every
  case runs for 30 ms of wall clock, and the three kernels' shares would be equal.)
- examples/python-hotspots: pytest-benchmark JSON, (rounds + 1) x mean per function, over the
  run's cProfile total (cProfile times with the wall clock too).
- tests/fixtures/repos/hotspots-cpp and hotspots-py: the three functions do 60, 30 and 10 % of
  the work (by iteration counts), so their shares are those fractions of the work's share of the
  process. hotspots-py: the bench's timed work S ("time: S", wall clock) over cProfile's total.
  hotspots-cpp (perf, CPU time): the bench does nothing but the work beyond starting up (about a
  millisecond of CPU time, against a quarter of a second of work), so the work's CPU time
  is taken as the bench process's (bash's `times` for its children), over that of the whole
  command (the wrapping shell's too).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
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
# Seconds of CPU time per case of each kernel in the profiled runs of examples/cpp-kernels (its
# bench's --min_time); the judge's runs keep the bench's own 30 ms of wall clock for every case.
BUDGETS = {"matmul": 0.06, "histogram": 0.03, "prefix_sum": 0.015}

# bash's `times`: the shell's user and system time, then its children's (e.g. "0m0.183s 0m0.012s")
TIMES = re.compile(r"^(\d+)m(\d+[.,]\d+)s (\d+)m(\d+[.,]\d+)s\s*$", re.M)


def with_process_time(root: Path, budgets: dict[str, float] | None = None) -> None:
    """Make the copy's bench command print, after the bench's output, the CPU time of the bench
    and of the shell around it (bash's `times`: microsecond figures shown to the millisecond,
    where /usr/bin/time and dash's `times` show hundredths; run on exit, so the bench's exit
    status is kept). `budgets`: the bench's --min_time per kernel (examples/cpp-kernels' bench)."""
    path = root / "lessonl.toml"
    text = path.read_text()
    command = re.search(r'^command = "(\./bench)([^"]*)"', text, re.M)
    if command is None:
        return
    bench = command.group(1)
    if budgets:
        bench += " --min_time=" + ",".join(f"{k}:{v}" for k, v in budgets.items())
    wrapped = f'bash -c "trap times EXIT; {bench}{command.group(2)}"'
    path.write_text(text.replace(command.group(0), f"command = '{wrapped}'"))


def _seconds(text: str) -> float:
    return float(text.replace(",", "."))


@dataclass(frozen=True)
class ProcessTimes:
    """What the wrapper of `with_process_time` measured around the bench, in seconds."""
    cpu: float  # user + system time of the wrapping shell and the bench
    bench_cpu: float  # user + system time of the bench (the shell's children)


def process_times(stdout: str) -> ProcessTimes | None:
    """The times a wrapped bench command printed; None if it was not wrapped."""
    cpu = TIMES.findall(stdout)
    if len(cpu) != 2:
        return None
    shell, children = (sum(int(m) * 60 + _seconds(s) for m, s in (line[:2], line[2:])) for line in cpu)
    return ProcessTimes(cpu=shell + children, bench_cpu=children)


def bench_output(stdout: str) -> str:
    """The bench's own output, without what the wrapper added."""
    return TIMES.sub("", stdout)


def total_seconds(hotspots: Any) -> float:
    """The profiled process's time in the profiler's clock: CPU time measured around it (perf),
    or the cProfile total (wall clock)."""
    if hotspots.profiler == "cprofile":
        return hotspots.total_samples / 1e6
    measured = process_times(hotspots.bench_stdout)
    if measured is None:
        raise ValueError(f"no time truth for this {hotspots.profiler} run (bench command not wrapped)")
    return measured.cpu


def truth(name: str, hotspots: Any) -> dict[str, float]:
    """Function (qualified name) -> its true share of the profiled run."""
    total = total_seconds(hotspots)
    out = bench_output(hotspots.bench_stdout)
    if name == "cpp-kernels":
        seconds: dict[str, float] = {}
        for case in json.loads(out)["benchmarks"]:
            kernel = case["name"].split("/")[0]
            seconds[kernel] = seconds.get(kernel, 0.0) + (case["iterations"] + 1) * case["cpu_time"] * 1e-9
        return {k: v / total for k, v in seconds.items()}
    if name == "python-hotspots":
        seconds = {}
        for case in json.loads(out)["benchmarks"]:
            stats = case["stats"]
            seconds[case["group"]] = seconds.get(case["group"], 0.0) + (stats["rounds"] + 1) * stats["mean"]
        return {k: v / total for k, v in seconds.items()}
    work = float(re.search(r"time: ([0-9.]+)", out).group(1))
    if name == "hotspots-cpp":  # the work's CPU time: the bench process's (see above)
        work = process_times(hotspots.bench_stdout).bench_cpu
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
