"""Power: how often a candidate with a known speedup is reported faster.

The example's kernels are sensitive to code placement (moving a loop by a few bytes can
change its speed by 2x on some CPUs), so a "10% faster" rewrite of them is not a known
effect. Instead the baseline here is the C++ example with prefix_sum taking a knob,
`continue_every`, held in a volatile global: every m-th prefix sum continues from the
previous one instead of being recomputed, which removes 1/m of the work. Baseline (m = 0,
never) and candidates (m = 11, 15, ...) run the very same machine code, and the very same
instructions per element (a countdown: no division, which would cost the candidates alone
a few percent); only that number in the data section differs, so the true speedup is
m / (m - 1) (1.10 for m = 11).

Target: the ~10% candidate is reported faster in at least 19 of 20 evaluations within the
default timing budget; the sweep shows the smallest effect detected reliably.

    .venv/bin/python benchmarks/judge_power.py [--runs 20] [--sweep-runs 10]
"""
from __future__ import annotations

import argparse
import asyncio
import statistics

from judge_common import cleanup, cpp_example, judge_for, load, workdir

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


def with_knob(source: str, every: int) -> str:
    start = source.index("// Computes each prefix sum from scratch.")
    return source[:start] + KNOB.format(every=every).lstrip("\n")


async def detect(judge, original: str, every: int, runs: int, label: str) -> tuple[int, list[float]]:
    candidate = with_knob(original, every)
    faster, speedups = 0, []
    for index in range(runs):
        verdict = await judge.evaluate("kernels.cpp", candidate, function="prefix_sum")
        faster += verdict.outcome.value == "faster"
        speedups.append(verdict.speedup or 0.0)
        low, high = verdict.ci or (0, 0)
        print(f"  {label} {index + 1:3d} {verdict.outcome.value:<22} {verdict.speedup:.3f}x [{low:.3f}, {high:.3f}] "
              f"runs={verdict.runs:2d} wall={verdict.wall_s:.1f}s")
    return faster, speedups


async def main(runs: int, sweep_runs: int, sweep: list[int]) -> None:
    base = workdir()
    try:
        root = cpp_example(base)
        original = (root / "kernels.cpp").read_text()
        (root / "kernels.cpp").write_text(with_knob(original, 0))
        judge = judge_for(root)
        timing = judge.config.timing
        print(f"power on examples/cpp-kernels (prefix_sum with a work knob); default timing: min_runs "
              f"{timing.min_runs}, max_runs {timing.max_runs}, budget {timing.budget} s, target_ci_width "
              f"{timing.target_ci_width}, min_effect {timing.min_effect}; {load()}")
        faster, speedups = await detect(judge, original, 11, runs, "m=11")
        print(f"\n~10% candidate (m=11, true 1.100x): reported faster {faster}/{runs} (target >= 19/20), "
              f"median measured {statistics.median(speedups):.3f}x")
        rows = []
        for every in sweep:
            hits, measured = await detect(judge, original, every, sweep_runs, f"m={every}")
            rows.append((every, hits, measured))
        print("\nsweep (default budget):")
        reliable = None
        for every, hits, measured in [(11, faster, speedups), *rows]:
            true = every / (every - 1)
            rate = hits / len(measured)
            print(f"  true {true:.3f}x (m={every:2d}): faster {hits}/{len(measured)}, median measured "
                  f"{statistics.median(measured):.3f}x")
            if rate >= 0.9 and (reliable is None or true < reliable):
                reliable = true
        print(f"smallest effect detected in >= 90% of evaluations: "
              f"{'%.1f%%' % ((reliable - 1) * 100) if reliable else 'none'}; {load()}")
    finally:
        cleanup(base)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--sweep-runs", type=int, default=10)
    parser.add_argument("--sweep", type=int, nargs="*", default=[15, 21, 26, 34],
                        help="knob values m (true speedup m/(m-1)) to sweep")
    args = parser.parse_args()
    asyncio.run(main(args.runs, args.sweep_runs, args.sweep))
