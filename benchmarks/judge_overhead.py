"""Overhead: wall time of one evaluation against the summed wall time of the build, test and
bench processes it ran (target: at most 1.2x). The rest is the judge's own work: syncing the
scratch copy, parsing, bootstrapping, scheduling.

    .venv/bin/python benchmarks/judge_overhead.py [--repeats 5]
"""
from __future__ import annotations

import argparse
import asyncio
import statistics

from judge_common import REPO, cleanup, cpp_example, judge_for, load, workdir

CANDIDATES = REPO / "tests" / "fixtures" / "candidates" / "cpp"


async def main(repeats: int) -> None:
    base = workdir()
    try:
        root = cpp_example(base)
        judge = judge_for(root)
        texts = {"faster": (CANDIDATES / "faster.cpp").read_text(), "identical": (root / "kernels.cpp").read_text(),
                 "incorrect": (CANDIDATES / "incorrect.cpp").read_text()}
        print(f"overhead on examples/cpp-kernels (matmul); {load()}")
        ratios = []
        for index in range(repeats):
            for name, text in texts.items():
                verdict = await judge.evaluate("kernels.cpp", text, function="matmul")
                ratio = verdict.wall_s / verdict.process_s
                ratios.append(ratio)
                first = " (first: includes the baseline build)" if index == 0 and name == "faster" else ""
                print(f"  {name:<10} {verdict.outcome.value:<22} wall {verdict.wall_s:6.2f} s  processes "
                      f"{verdict.process_s:6.2f} s  ratio {ratio:.3f}{first}")
        print(f"\nwall / process time: median {statistics.median(ratios):.3f}, max {max(ratios):.3f} "
              f"(target <= 1.2); {load()}")
    finally:
        cleanup(base)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(main(args.repeats))
