"""The shared lesson bank: many writers at once, and selection at a team's scale.

1. Writers: 4 processes, each writing 1,000 lessons (one `add` per lesson, as a loop does) while
   adjusting the factors and use counts of 20 lessons they all share (one `mark_used` and one
   `adjust_factors` per 10 lessons written). Lost updates = expected increments of `uses` and
   `judged` minus those found afterwards (must be 0); also lessons missing (must be 0).
2. Selection: p50/p95 of `select(k=4, function=...)` with the lexical backend, on a bank of
   1,000,000 lessons in PostgreSQL (bulk-loaded with COPY), and the diskcache bank at 100,000
   (what it is built for) side by side; targets are functions with lessons of their own plus
   every other function's as candidates (as the loop selects). Two passes over the targets: the
   first with caches cold (right after loading), the second as a bank in steady use.

Both run on a throwaway PostgreSQL (tests/support/postgres.py: Debian's server binaries, data in
a temporary folder). Run: `python benchmarks/bank_shared.py [--lessons 1000000] [--disk-lessons 100000]`.
"""
from __future__ import annotations

import argparse
import multiprocessing
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import lessonl.storewiring  # noqa: E402,F401  (language families for the store)
from benchmarks.store_selection import ACTIONS, OUTCOMES, QUERY, _identifier, bank_functions  # noqa: E402
from lessonl_store import Lesson, open_bank, make_relevance  # noqa: E402
from tests.support.postgres import LocalPostgres, missing_reason  # noqa: E402

WRITERS, PER_WRITER, SHARED = 4, 1000, 20


def synthetic(count: int, seed: int = 7):
    """Lessons like a busy repository's (benchmarks/store_selection.py's bank): 3,000 functions,
    mostly C++ with some Python, each function's lessons about one topic."""
    rng = random.Random(seed)
    functions = bank_functions(rng)
    for i in range(count):
        text, name, code, file = functions[i % len(functions)] if i < len(functions) else rng.choice(functions)
        text = f"{rng.choice(ACTIONS)} {_identifier(rng)}: {text} in {name}"
        outcome = rng.choice(OUTCOMES)
        speedup = rng.uniform(1.0, 4.0) if outcome == "faster" else rng.uniform(0.3, 1.0) if outcome != "incorrect" else 0.0
        yield Lesson(text=f"{text} (variant {i})", outcome=outcome, speedup=speedup, round=i % 4, agent=f"agent-{i % 3}",
                     model="m", file=file, qualified_name=name, function_hash=f"h-{name}", source_code=code,
                     factor=rng.choice([0.9, 1.0, 1.1]), created=1_700_000_000.0 + i, id=f"{seed:02d}{i:014d}")


def targets(count: int, seed: int = 3) -> list[tuple[tuple[str, str], str]]:
    """(function, its code) to select for: half functions of the bank, half new ones (matmul)."""
    rng = random.Random(seed)
    pool = [((l.file, l.qualified_name), l.source_code) for l in synthetic(3000)]
    picked = [rng.choice(pool) for _ in range(count // 2)]
    return picked + [(("src/kernels.cpp", "matmul"), QUERY)] * (count - len(picked))


# -- 1. writers ---------------------------------------------------------------------------------
def _writer(target: str, repo: str, number: int, shared: list[str], out) -> None:
    import lessonl.storewiring  # noqa: F401

    adjustments = 0
    t0 = time.perf_counter()
    with open_bank(target, repo=repo) as bank:
        for i in range(PER_WRITER):
            bank.add(Lesson(text=f"writer {number} lesson {i}: hoist the invariant load out of the loop",
                            outcome="faster", speedup=1.5, round=0, agent=f"w{number}", model="m",
                            file=f"src/w{number}.cpp", qualified_name=f"fn{i % 50}", function_hash="h"))
            if i % 10 == 9:
                bank.mark_used(shared)
                bank.adjust_factors(shared, [1.2, 2.0])
                adjustments += 1
    out.put((number, adjustments, time.perf_counter() - t0))


def writers(target: str) -> dict:
    repo = f"bench/{uuid.uuid4().hex}"
    with open_bank(target, repo=repo) as bank:
        shared = [bank.add(Lesson(text=f"shared {i}", outcome="faster", speedup=1.6, round=0, agent="a", model="m",
                                  file="src/shared.cpp", qualified_name="shared", function_hash="h")).id
                  for i in range(SHARED)]
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    procs = [context.Process(target=_writer, args=(target, repo, n, shared, out)) for n in range(WRITERS)]
    t0 = time.perf_counter()
    for p in procs:
        p.start()
    done = [out.get(timeout=1800) for _ in procs]
    for p in procs:
        p.join()
    wall = time.perf_counter() - t0
    expected = sum(d[1] for d in done)
    with open_bank(target, repo=repo) as bank:
        got = [bank.get(i) for i in shared]
        lessons = bank.count()
    lost_uses = sum(expected - l.uses for l in got)
    lost_judged = sum(expected - l.judged for l in got)
    return {"wall": wall, "lessons": lessons, "missing": WRITERS * PER_WRITER + SHARED - lessons,
            "lost": lost_uses + lost_judged, "updates": 2 * expected * SHARED,
            "rate": WRITERS * PER_WRITER / wall}


# -- 2. selection -------------------------------------------------------------------------------
def select_times(bank, picks, k: int = 4) -> tuple[list[float], list[float]]:
    """Two passes over the targets: the first right after loading (the server's and the bank's
    caches cold for each target), the second as a bank in steady use."""
    relevance = make_relevance({"backend": "lexical"}, bank)
    passes: list[list[float]] = []
    for _ in range(2):
        times = []
        for function, code in picks:
            t0 = time.perf_counter()
            bank.select(k, code, relevance, function=function)
            times.append(time.perf_counter() - t0)
        passes.append(times)
    return passes[0], passes[1]


def p95(xs: list[float]) -> float:
    return sorted(xs)[max(0, int(len(xs) * 0.95) - 1)]


def line(name: str, passes: tuple[list[float], list[float]]) -> str:
    ms = lambda x: f"{x * 1000:6.1f} ms"
    first, second = passes
    return (f"{name:<36} first pass p50 {ms(statistics.median(first))} p95 {ms(p95(first))} | second pass "
            f"p50 {ms(statistics.median(second))} p95 {ms(p95(second))}   ({len(first)} selections each)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lessons", type=int, default=1_000_000, help="lessons in the PostgreSQL bank")
    parser.add_argument("--disk-lessons", type=int, default=100_000, help="lessons in the diskcache bank")
    parser.add_argument("--selections", type=int, default=100)
    parser.add_argument("--skip-writers", action="store_true")
    args = parser.parse_args()
    reason = missing_reason()
    if reason:
        sys.exit(f"bank_shared: {reason}")
    settings = {"shared_buffers": "1GB", "maintenance_work_mem": "1GB", "work_mem": "32MB", "max_wal_size": "8GB",
                "checkpoint_timeout": "30min", "jit": "off"}
    with LocalPostgres(settings) as server, tempfile.TemporaryDirectory() as tmp:
        url = server.create_database("bench")
        print(f"PostgreSQL {server.bin.parent.name} on 127.0.0.1:{server.port}; "
              f"{multiprocessing.cpu_count()} CPU cores on this machine")
        if not args.skip_writers:
            print(f"\n1. {WRITERS} processes x {PER_WRITER:,} lessons, adjusting {SHARED} shared lessons' factors "
                  f"and uses every 10 lessons")
            for name, target in (("PostgreSQL", url), ("diskcache", str(Path(tmp) / "writers"))):
                r = writers(target)
                print(f"   {name:<11} {r['wall']:6.1f} s  {r['rate']:7.0f} lessons/s  lessons missing {r['missing']}  "
                      f"lost updates {r['lost']} of {r['updates']:,}")
        picks = targets(args.selections)
        print(f"\n2. selection, k = 4, lexical relevance, {len(picks)} targets (half the bank's functions, half a new "
              f"function)")
        repo = "bench/scale"
        with open_bank(url, repo=repo) as bank:
            t0 = time.perf_counter()
            bank.drop_search_indexes()
            bank.bulk_load(synthetic(args.lessons))
            loaded = time.perf_counter() - t0
            bank.create_search_indexes()
            print(f"   PostgreSQL: {args.lessons:,} lessons loaded with COPY in {loaded:.0f} s, indexes built in "
                  f"{time.perf_counter() - t0 - loaded:.0f} s")
            print("   " + line(f"PostgreSQL, {args.lessons:,} lessons", select_times(bank, picks)))
        disk = Path(tmp) / "scale"
        with open_bank(disk) as bank:
            t0 = time.perf_counter()
            batch = []
            for lesson in synthetic(args.disk_lessons):
                batch.append(lesson)
                if len(batch) == 5000:
                    bank.add_many(batch)
                    batch = []
            bank.add_many(batch)
            print(f"   diskcache: {args.disk_lessons:,} lessons added in {time.perf_counter() - t0:.0f} s")
            print("   " + line(f"diskcache, {args.disk_lessons:,} lessons", select_times(bank, picks)))
        with open_bank(url, repo="bench/small") as bank:  # a second repository in the same database
            bank.bulk_load(synthetic(args.disk_lessons))
            bank.create_search_indexes()  # present already: this updates the planner's statistics
            print("   " + line(f"PostgreSQL, {args.disk_lessons:,} lessons", select_times(bank, picks)))


if __name__ == "__main__":
    main()
