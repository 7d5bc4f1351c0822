"""Times the hotspots and prints pytest-benchmark compatible JSON (no plugin needed).

    python3 bench.py            all benchmarks
    python3 bench.py NAME       only the function NAME (e.g. find_duplicates)
"""
from __future__ import annotations

import json
import random
import statistics
import sys
import time

from hotspots import count_primes, find_duplicates, join_words, moving_average

MIN_TIME = 0.06  # seconds of repeated calls per case: a whole run takes about 0.1 s

_rng = random.Random(1234)
_items = [_rng.randrange(400) for _ in range(600)]
_words = [f" word{i} " for i in range(6000)]
_values = [_rng.uniform(-1, 1) for _ in range(2000)]

CASES = {
    "find_duplicates": [("find_duplicates/600", lambda: find_duplicates(_items))],
    "join_words": [("join_words/6000", lambda: join_words(_words, ","))],
    "moving_average": [("moving_average/2000x40", lambda: moving_average(_values, 40))],
    "count_primes": [("count_primes/2500", lambda: count_primes(2500))],
}


def time_case(run) -> dict:
    run()  # warm-up
    samples = []
    start = time.perf_counter()
    while True:
        t0 = time.perf_counter()
        run()
        samples.append(time.perf_counter() - t0)
        if time.perf_counter() - start >= MIN_TIME and len(samples) >= 3:
            break
    return {"median": statistics.median(samples), "mean": statistics.fmean(samples),
            "min": min(samples), "max": max(samples), "rounds": len(samples)}


def main(argv: list[str]) -> int:
    only = argv[1] if len(argv) > 1 and argv[1] else None
    if only and only not in CASES:
        print(f"no benchmark for function '{only}'; known: {', '.join(CASES)}", file=sys.stderr)
        return 1
    benchmarks = []
    for function, cases in CASES.items():
        if only and function != only:
            continue
        for name, run in cases:
            benchmarks.append({"name": name, "group": function, "stats": time_case(run)})
    json.dump({"benchmarks": benchmarks}, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
