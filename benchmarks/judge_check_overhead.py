"""What the behaviour check costs on the bundled examples.

For each function of examples/cpp-kernels and examples/python-hotspots: the plain test and
benchmark run of the unchanged code (from `lessonl check`), against the behaviour check's own
test and benchmark run of an unchanged candidate (the original and the rewrite side by side on
every call). Target: the check's tests + benchmark take at most 1.5x the plain ones. Also shown:
the check's build, which runs beside the candidate's own build and tests.

    .venv/bin/python benchmarks/judge_check_overhead.py [--repeats 3]
"""
from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics

from judge_common import REPO, cleanup, load, workdir

from lessonl.engine.evaluate import evaluate_reply
from lessonl.judge import check_repository

FUNCTIONS = {"cpp-kernels": ("kernels.cpp", ["matmul", "histogram", "prefix_sum"]),
             "python-hotspots": ("hotspots/core.py", ["find_duplicates", "join_words", "moving_average",
                                                       "count_primes"])}
FAST = {"timing": {"budget": 2, "max_runs": 10}}


async def measure(root, file: str, function: str, repeats: int) -> tuple[float, float, float]:
    spec = f"{root / file}::{function}"
    plain, check, builds = [], [], []
    for _ in range(repeats):
        _, report = await check_repository(root, function=spec)
        plain.append(report.test.wall_s + report.bench.wall_s)
    source = (root / file).read_text()
    from lessonl.code import language_for, locate
    ref = locate(source, language_for(file), file, name=function)
    for _ in range(repeats):
        verdict = await evaluate_reply(spec, f"```\n{ref.text}\n```", cwd=root, overrides=FAST)
        behaviour = verdict.behaviour
        check.append(behaviour.wall_s - behaviour.build_s)
        builds.append(behaviour.build_s)
    return statistics.median(plain), statistics.median(check), statistics.median(builds)


async def main(repeats: int) -> None:
    base = workdir()
    try:
        print(f"behaviour check overhead, median of {repeats}; {load()}")
        print(f"{'example':<16} {'function':<16} {'plain test+bench':>17} {'check test+bench':>17} {'ratio':>6} "
              f"{'check build':>11}")
        ratios = []
        for example, (file, functions) in FUNCTIONS.items():
            root = base / example
            shutil.copytree(REPO / "examples" / example, root,
                            ignore=shutil.ignore_patterns("*.o", "bench", "test_kernels", "__pycache__"))
            for function in functions:
                plain, check, build = await measure(root, file, function, repeats)
                ratios.append(check / plain)
                print(f"{example:<16} {function:<16} {plain:>15.2f} s {check:>15.2f} s {check / plain:>6.2f} "
                      f"{build:>9.2f} s")
        print(f"\nratio check / plain: median {statistics.median(ratios):.2f}, max {max(ratios):.2f} "
              f"(target <= 1.5); {load()}")
    finally:
        cleanup(base)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(main(args.repeats))
