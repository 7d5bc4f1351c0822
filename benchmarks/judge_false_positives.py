"""False positives: A/A evaluations (the candidate is the unchanged file) on the C++ example.

Target: 0 of 20 reported as faster or slower. Uses the example's own config (default timing
rules). Prints every verdict, then the counts and the load of the machine.

    .venv/bin/python benchmarks/judge_false_positives.py [--runs 20] [--function matmul]
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import statistics
import time

from judge_common import cleanup, cpp_example, judge_for, load, workdir


async def main(runs: int, functions: list[str]) -> None:
    base = workdir()
    try:
        root = cpp_example(base)
        judge = judge_for(root)
        text = (root / "kernels.cpp").read_text()
        print(f"A/A on examples/cpp-kernels, {runs} evaluations; {load()}")
        counts: collections.Counter[str] = collections.Counter()
        walls, pairs, widths = [], [], []
        started = time.monotonic()
        for index in range(runs):
            function = functions[index % len(functions)]
            verdict = await judge.evaluate("kernels.cpp", text, function=function)
            counts[verdict.outcome.value] += 1
            walls.append(verdict.wall_s)
            pairs.append(verdict.runs)
            low, high = verdict.ci
            widths.append((high - low) / verdict.speedup)
            print(f"{index + 1:3d} {function:<10} {verdict.outcome.value:<22} {verdict.speedup:.3f}x "
                  f"[{low:.3f}, {high:.3f}] runs={verdict.runs:2d} wall={verdict.wall_s:.1f}s")
        wrong = counts["faster"] + counts["slower"]
        print(f"\nfalse positives: {wrong}/{runs} (faster {counts['faster']}, slower {counts['slower']}); "
              f"target 0")
        print(f"median timing rounds {statistics.median(pairs)}, median relative CI width "
              f"{statistics.median(widths):.3f}, median wall {statistics.median(walls):.1f} s, "
              f"total {time.monotonic() - started:.0f} s; {load()}")
    finally:
        cleanup(base)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--function", action="append", help="kernel(s) to time, in turn "
                        "(default: matmul, histogram, prefix_sum)")
    args = parser.parse_args()
    asyncio.run(main(args.runs, args.function or ["matmul", "histogram", "prefix_sum"]))
