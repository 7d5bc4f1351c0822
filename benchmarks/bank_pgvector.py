"""Selection with the embeddings backend on the PostgreSQL bank: pgvector in the database against
the Python fallback, same lessons, same vectors.

Two throwaway servers (tests/support/postgres.py): the pgserver wheel's PostgreSQL 16 with
pgvector 0.6 and Debian's PostgreSQL 15 without it. Each bank gets the same N lessons
(benchmarks/bank_shared.py's synthetic ones, bulk-loaded with COPY) and embeds them through the
fake OpenAI-compatible endpoint (tests/support/fake_openai.py: deterministic hashed bag of words,
`--dim` wide), once, before timing. Then p50/p95 of `select(k=4, function=...)` over the same
targets on both banks, in one process each keeping its vectors in memory as a long-running
language server does; every choice is checked to be the same on both.

Run: `python benchmarks/bank_pgvector.py [--lessons 20000] [--dim 384] [--targets 40]`.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import lessonl.storewiring  # noqa: E402,F401  (language families for the store)
from benchmarks.bank_shared import synthetic  # noqa: E402
from lessonl_store import make_relevance, open_bank  # noqa: E402
from lessonl_store.relevance import lesson_document  # noqa: E402
from tests.support.fake_openai import FakeOpenAI  # noqa: E402
from tests.support.postgres import (LocalPostgres, missing_reason, pgserver_binaries,  # noqa: E402
                                    pgvector_missing_reason)

FLOOR = 0.3


def timed(bank, relevance, targets, k: int = 4) -> tuple[list[float], list[list[str]]]:
    times, chosen = [], []
    for code, function in targets:
        start = time.perf_counter()
        picked = bank.select(k, code, relevance, function=function)
        times.append(time.perf_counter() - start)
        chosen.append([l.id for l in picked])
    return times, chosen


def summary(name: str, times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return f"{name:<22} p50 {statistics.median(ordered) * 1000:8.1f} ms   p95 {p95 * 1000:8.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lessons", type=int, default=20_000)
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--targets", type=int, default=40)
    args = parser.parse_args()
    for reason in (missing_reason(), pgvector_missing_reason()):
        if reason:
            print(f"skipped: {reason}")
            return 0
    lessons = list(synthetic(args.lessons))
    rng = random.Random(3)
    targets = []
    for lesson in rng.sample(lessons, args.targets):
        targets.append((lesson.source_code, (lesson.file, lesson.qualified_name)))
    with FakeOpenAI(embedding_dim=args.dim) as fake, LocalPostgres(binaries=pgserver_binaries()) as vector_server, \
            LocalPostgres() as plain_server:
        config = {"backend": "embeddings", "base_url": fake.base_url, "model": "bench-emb", "floor": FLOOR}
        results = {}
        for name, server in (("pgvector (in SQL)", vector_server), ("fallback (Python)", plain_server)):
            with open_bank(server.create_database(), repo=f"bench/{uuid.uuid4().hex[:8]}") as bank:
                bank.bulk_load(lessons)
                relevance = make_relevance(config, bank)
                start = time.perf_counter()
                relevance.embed([lesson_document(l) for l in lessons])
                relevance.embed([code for code, _ in targets])
                print(f"{name}: pgvector={bank.pgvector}, {len(lessons)} lessons embedded in "
                      f"{time.perf_counter() - start:.1f} s", flush=True)
                timed(bank, relevance, targets[:3])  # plans and caches warm
                results[name] = timed(bank, relevance, targets)
        same = sum(a == b for a, b in zip(results["pgvector (in SQL)"][1], results["fallback (Python)"][1]))
        chosen = sum(bool(c) for c in results["pgvector (in SQL)"][1])
        print(f"\n{args.lessons} lessons, {args.dim}-dim vectors, k=4, {args.targets} targets "
              f"({chosen} with lessons chosen):")
        for name, (times, _) in results.items():
            print(summary(name, times))
        print(f"same choice on both: {same}/{args.targets}")
        return 0 if same == args.targets else 1


if __name__ == "__main__":
    sys.exit(main())
