"""What the sandbox costs per evaluation, on the bundled examples.

For each function of examples/cpp-kernels and examples/python-hotspots, the same unchanged
candidate is evaluated with the sandbox ([sandbox] isolation = true: bubblewrap around every
build, test, check and benchmark command, the baseline's content check before and after
timing, the tests' leftovers undone) and without it (isolation = false), alternating, with a
fixed number of timing rounds so both do the same work. Target: the sandbox adds under 10% to
an evaluation's wall time. Also shown: the cost of starting one command in bubblewrap.

    .venv/bin/python benchmarks/sandbox_overhead.py [--repeats 3]
"""
from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import subprocess
import time

from judge_common import REPO, cleanup, load, workdir

from lessonl.code import language_for, locate
from lessonl.engine.evaluate import evaluate_reply
from lessonl.sandbox import Mounts, probe, wrap

FUNCTIONS = {"cpp-kernels": ("kernels.cpp", ["matmul", "histogram", "prefix_sum"]),
             "python-hotspots": ("hotspots/core.py", ["find_duplicates", "join_words", "moving_average",
                                                       "count_primes"])}
ROUNDS = 8


def overrides(isolated: bool) -> dict:
    return {"timing": {"min_runs": ROUNDS, "max_runs": ROUNDS, "budget": 600, "min_effect": 1.0},
            "sandbox": {"isolation": isolated}}


async def measure(root, file: str, function: str, repeats: int) -> tuple[float, float]:
    spec = f"{root / file}::{function}"
    ref = locate((root / file).read_text(), language_for(file), file, name=function)
    reply = f"```\n{ref.text}\n```"
    walls: dict[bool, list[float]] = {True: [], False: []}
    for isolated in (True, False):  # warm both: baseline builds, reference checks
        await evaluate_reply(spec, reply, cwd=root, overrides=overrides(isolated))
    for i in range(repeats):
        for isolated in ((True, False) if i % 2 == 0 else (False, True)):
            verdict = await evaluate_reply(spec, reply, cwd=root, overrides=overrides(isolated))
            if isolated and any(w.startswith("UNISOLATED") for w in verdict.warnings):
                raise SystemExit("the sandbox is not available here: " + verdict.warnings[0])
            walls[isolated].append(verdict.wall_s)
    return statistics.median(walls[True]), statistics.median(walls[False])


def start_cost(repeats: int = 30) -> tuple[float, float]:
    found = probe()
    if not found.available:
        raise SystemExit(found.reason)
    here = REPO / "benchmarks"
    argv = wrap(found, Mounts(workdir=here), ["/bin/true"], here)
    costs = {}
    for name, command in (("bwrap", argv), ("plain", ["/bin/true"])):
        started = time.perf_counter()
        for _ in range(repeats):
            subprocess.run(command, check=True)
        costs[name] = (time.perf_counter() - started) / repeats
    return costs["bwrap"], costs["plain"]


async def main(repeats: int) -> None:
    base = workdir()
    try:
        sandboxed, plain = start_cost()
        print(f"one command: {sandboxed * 1000:.1f} ms in bubblewrap, {plain * 1000:.1f} ms without; {load()}")
        print(f"\nevaluation wall time, median of {repeats}, {ROUNDS} timing rounds each")
        print(f"{'example':<16} {'function':<16} {'sandboxed':>10} {'unisolated':>11} {'overhead':>9}")
        ratios = []
        for example, (file, functions) in FUNCTIONS.items():
            root = base / example
            shutil.copytree(REPO / "examples" / example, root,
                            ignore=shutil.ignore_patterns("*.o", "bench", "test_kernels", "__pycache__"))
            for function in functions:
                on, off = await measure(root, file, function, repeats)
                ratios.append(on / off)
                print(f"{example:<16} {function:<16} {on:>8.2f} s {off:>9.2f} s {100 * (on / off - 1):>8.1f}%")
        print(f"\noverhead: median {100 * (statistics.median(ratios) - 1):.1f}%, max {100 * (max(ratios) - 1):.1f}% "
              f"(target < 10%); {load()}")
    finally:
        cleanup(base)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(main(args.repeats))
