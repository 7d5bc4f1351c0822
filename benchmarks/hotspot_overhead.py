"""Profiling overhead: the wall time of `profile_benchmark` (sync, debug build, profiled run,
reading the profile, mapping, hot lines) over the wall time of one plain run of the same
benchmark command in the same built copy.

    .venv/bin/python benchmarks/hotspot_overhead.py [--runs N]

For each repository (the bundled examples and the synthetic ones) it profiles once to warm the
copy's build, then N times, and times N plain runs of the bench command in that copy (through
lessonl.procs.run, no sandbox, like a user typing it). Prints the median of each and the ratio.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from hotspot_truth import CASES  # noqa: E402
from lessonl.config import load_config  # noqa: E402
from lessonl.procs import run  # noqa: E402
from lessonl.profile import profile_benchmark  # noqa: E402
from lessonl.profile.workspace import Workspace, bench_command  # noqa: E402


async def measure(root: Path, runs: int, profiler: str) -> tuple[float, float, str]:
    config = load_config(root)
    await profile_benchmark(root, config, profiler=profiler)  # warm: the copy is built
    profiled = []
    used = ""
    for _ in range(runs):
        start = time.perf_counter()
        hotspots = await profile_benchmark(root, config, profiler=profiler)
        profiled.append(time.perf_counter() - start)
        used = hotspots.profiler
    space = Workspace(root, config)
    command = bench_command(config, space.python.path, None)
    env = space.base_env(shims=False)
    plain = []
    for _ in range(runs):
        result = await run(command, space.directory, env=env, timeout=600)
        assert result.ok, result.output
        plain.append(result.wall_s)
    return statistics.median(profiled), statistics.median(plain), used


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", nargs="*", default=list(CASES))
    parser.add_argument("--profiler", default="auto")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="lessonl-hotspot-overhead-"))
    os.environ["XDG_CACHE_HOME"] = str(work / "cache")
    print(f"load average at start: {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores)")
    print(f"{'repository':<16} {'profiler':<10} {'hotspots s':>10} {'plain run s':>11} {'ratio':>7}")
    try:
        for name in args.only:
            root = work / name
            shutil.copytree(CASES[name], root, ignore=shutil.ignore_patterns(
                ".lessonl", "*.o", "bench", "test_kernels", "test_work", "__pycache__"))
            profiled, plain, used = asyncio.run(measure(root, args.runs, args.profiler))
            print(f"{name:<16} {used:<10} {profiled:>10.2f} {plain:>11.2f} {profiled / plain:>6.1f}x")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
