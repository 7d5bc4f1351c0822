"""Batch: wall time of `batch` over three functions against three sequential `optimize` runs of
the same functions (target: at most 0.8x), and the batch's end-to-end speedup (all wins judged
together on the whole benchmark).

Both sides use the scripted model (the fake OpenAI server of tests/support, a real HTTP server)
answering each request after `--delay` seconds, a stand-in for a model's latency (0 = instant),
with the same replies: per function, round 1 agent-a writes the faster rewrite and agent-b gives
up, round 2 the other way round. Each side starts on its own fresh copy of the example (empty
bank, cold scratch copies), so both pay the same first builds. The three functions are the top 3
of the saved hotspots when lessonl.profile can profile here (profiled once before timing starts
and given to both sides, so neither pays the whole-benchmark profile and both reuse its hot
lines in the prompts), else the three named below.

    .venv/bin/python benchmarks/batch_overhead.py [--example cpp|python] [--delay 1.0] [--rounds 2]
                                                  [--jobs 2,3] [--repeats 2]
"""
from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from lessonl.engine import OptimizeRequest, optimize  # noqa: E402
from lessonl.engine.batch import run_batch  # noqa: E402
from lessonl.engine.batch_request import BatchRequest  # noqa: E402
from tests.support import cpp_replies as C  # noqa: E402
from tests.support import python_replies as P  # noqa: E402
from tests.support.batch_script import names_function  # noqa: E402
from tests.support.fake_openai import FakeOpenAI, Reply  # noqa: E402
from tests.support.loop_script import is_code, is_lesson, overrides  # noqa: E402

MODELS = ["model-a", "model-b"]
TIMING = {"budget": 10, "max_runs": 16}
EXAMPLES = {
    "cpp": ("cpp-kernels", "kernels.cpp", {"histogram": C.HISTOGRAM_FASTER, "prefix_sum": C.PREFIX_SUM_FASTER,
                                           "matmul": C.MATMUL_FASTER}, C.NO_CODE),
    "python": ("python-hotspots", "hotspots/core.py", {"find_duplicates": P.FIND_DUPLICATES_FASTER,
                                                       "join_words": P.JOIN_WORDS_FASTER}, C.NO_CODE),
}


def fresh_repo(base: Path, example: str, name: str) -> Path:
    target = base / name
    shutil.copytree(REPO / "examples" / example, target, ignore=shutil.ignore_patterns(
        "*.o", "bench", "test_kernels", ".lessonl", "__pycache__", ".pytest_cache"))
    return target


def script(fake: FakeOpenAI, functions: dict[str, str], no_code: str, rounds: int, delay: float) -> None:
    """Per function: round r's faster reply from agent r % 2, the other agent gives up."""
    for name, faster in functions.items():
        for index, model in enumerate(MODELS):
            replies = [Reply.text(faster if r % len(MODELS) == index else no_code, delay=delay) for r in range(rounds)]
            fake.on(lambda b, m=model, n=name: b.get("model") == m and is_code(b) and names_function(b, n), *replies)
    fake.respond(lambda body: Reply.text("One pass over the data instead of one per element.", delay=delay),
                 is_lesson)


async def sequential(repo: Path, file: str, functions: dict[str, str], no_code: str, rounds: int,
                     delay: float) -> tuple[float, int]:
    with FakeOpenAI(models=tuple(MODELS)) as fake:
        script(fake, functions, no_code, rounds, delay)
        settings = overrides(fake, MODELS, rounds=rounds, timing=TIMING)
        started = time.monotonic()
        wins = 0
        for name in functions:
            result = await optimize(OptimizeRequest(repo, file, name=name, overrides=settings))
            wins += result.improved
        return time.monotonic() - started, wins


async def batch(repo: Path, file: str, functions: dict[str, str], no_code: str, rounds: int, delay: float,
                jobs: int, top: bool) -> tuple[float, int, object]:
    with FakeOpenAI(models=tuple(MODELS)) as fake:
        script(fake, functions, no_code, rounds, delay)
        settings = overrides(fake, MODELS, rounds=rounds, timing=TIMING)
        targets = None if top else [(file, name) for name in functions]
        marks: dict[str, float] = {}

        def mark(event: object) -> None:
            marks[getattr(event, "kind")] = time.monotonic()

        started = time.monotonic()
        result = await run_batch(BatchRequest(repo, targets=targets, top=len(functions), overrides=settings,
                                              jobs=jobs), on_progress=mark)
        wall = time.monotonic() - started
        result.combine_s = marks.get("combined", 0.0) - marks.get("combine_started", 0.0)  # type: ignore[attr-defined]
        return wall, sum(item.status == "won" for item in result.items), result


def hottest(repo: Path, count: int) -> list[tuple[str, str]] | None:
    """The top functions by the profile, saved in `repo` (None when profiling is not available)."""
    try:
        from lessonl.config import load_config
        from lessonl.engine.batch_targets import hottest as find
    except ImportError:
        return None
    try:
        names, _ = asyncio.run(find(repo, load_config(repo), count))
    except Exception as exc:  # noqa: BLE001 - no profiler here: named functions instead
        print(f"hotspots not available ({type(exc).__name__}: {exc}); using named functions")
        return None
    return names


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--example", choices=sorted(EXAMPLES), default="cpp")
    parser.add_argument("--delay", type=float, default=1.0, help="seconds the scripted model takes per reply")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--jobs", default="3", help="functions in flight; several, comma-separated, each timed "
                        "against the same sequential run (e.g. 1,2)")
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    example, file, replies, no_code = EXAMPLES[args.example]
    jobs_list = [int(j) for j in str(args.jobs).split(",") if j.strip()]
    ratios: dict[int, list[float]] = {j: [] for j in jobs_list}
    batch_walls: dict[int, list[float]] = {j: [] for j in jobs_list}
    seq_walls, combined = [], []
    with tempfile.TemporaryDirectory(prefix="lessonl-batch-bench-") as tmp:
        base = Path(tmp)
        probe = fresh_repo(base, example, "probe")
        top = hottest(probe, 3)
        functions = dict(replies)
        if top is not None:
            ranked = {name: replies[name] for f, name in top if f == file and name in replies}
            if len(ranked) == len(top):
                functions = ranked
                print(f"top {len(top)} by the profile: {', '.join(n for _, n in top)}")
            else:
                print(f"the profile's top {len(top)} ({top}) are not all scripted; using named functions")
                top = None
        for repeat in range(args.repeats):
            # odd repeats run the arms in the reverse order: a machine whose load drifts during
            # the run (others' builds) favours neither side
            arms: list[int | None] = [None, *jobs_list]
            for jobs in (arms if repeat % 2 == 0 else arms[::-1]):
                if jobs is None:
                    seq_repo = fresh_repo(base, example, f"seq-{repeat}")
                    if top is not None:  # both sides start from the same saved profile
                        shutil.copytree(probe / ".lessonl", seq_repo / ".lessonl")
                    seq_wall, seq_wins = asyncio.run(sequential(seq_repo, file, functions, no_code, args.rounds,
                                                                args.delay))
                    seq_walls.append(seq_wall)
                    print(f"repeat {repeat + 1}: sequential optimize x{len(functions)} {seq_wall:.1f} s "
                          f"({seq_wins} wins)")
                    continue
                batch_repo = fresh_repo(base, example, f"batch-{repeat}-j{jobs}")
                if top is not None:
                    shutil.copytree(probe / ".lessonl", batch_repo / ".lessonl")  # the saved (fresh) hotspots
                wall, wins, result = asyncio.run(batch(batch_repo, file, functions, no_code, args.rounds, args.delay,
                                                       jobs, top is not None))
                verdict = result.combined.verdict
                print(f"  batch --jobs {jobs}: {wall:.1f} s ({wins} wins), of which {result.combine_s:.1f} s judging "
                      f"the wins together; together: {result.combined.message}")
                batch_walls[jobs].append(wall)
                if verdict is not None and verdict.speedup:
                    combined.append((verdict.speedup, verdict.ci, verdict.outcome.value))
    for jobs in jobs_list:
        ratios[jobs] = [b / q for b, q in zip(batch_walls[jobs], seq_walls)]
    print()
    print(f"example {args.example}, {len(functions)} functions ({', '.join(functions)}), {len(MODELS)} agents, "
          f"{args.rounds} rounds, model delay {args.delay:g} s")
    print(f"sequential optimize: median {statistics.median(seq_walls):.1f} s")
    for jobs in jobs_list:
        print(f"batch --jobs {jobs}:      median {statistics.median(batch_walls[jobs]):.1f} s, batch / sequential "
              f"median {statistics.median(ratios[jobs]):.2f} (target <= 0.80)")
    for speedup, ci, outcome in combined:
        low, high = ci or (speedup, speedup)
        print(f"end-to-end (all wins together, whole benchmark): {speedup:.2f}x, 95% interval {low:.2f}x to "
              f"{high:.2f}x ({outcome})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
