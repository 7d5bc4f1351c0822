"""Batch on Ray: `batch` over six functions of the bundled examples (four of python-hotspots, two
of cpp-kernels) with the scripted model, on a local Ray cluster of two worker nodes against the
same batch in one process; then a worker killed with SIGKILL in the middle of a task.

Printed: both wall times and their ratio (Ray / local), whether every function's verdicts match
(status and each attempt's outcome, round by round), the nodes that timed them, the cluster's
start-up time (not in the Ray figure: a team's cluster is already running), and for the kill:
whether the batch finished, which task was retried and on which nodes, and whether every lesson
banked before the kill is still in the bank.

Both sides use the scripted model (tests/support: the fake OpenAI server, real HTTP) answering
after `--delay` seconds (model latency), real builds, tests and timings, each on fresh copies of
the examples (empty bank, cold scratch copies). The local batch runs `--jobs` functions at once
in one process, as `lessonl batch` does. On one machine the two Ray nodes share its CPUs and its
timing lock, so the ratio shows the executor's overhead and overlap here, not a cluster's scaling.

    .venv/bin/python benchmarks/batch_ray.py [--delay 1.0] [--rounds 2] [--jobs 2] [--no-kill]
"""
from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from lessonl.engine.batch import run_batch  # noqa: E402
from lessonl.engine.batch_ray import read_state  # noqa: E402
from lessonl.engine.batch_request import BatchRequest, BatchResult  # noqa: E402
from lessonl_store import LessonBank  # noqa: E402
from tests.support.fake_openai import FakeOpenAI  # noqa: E402
from tests.support.ray_batch_script import CPP, PYTHON, batch_overrides, script_batch  # noqa: E402
from tests.support.ray_cluster import LocalRayCluster, ray_available  # noqa: E402

EXAMPLES = [("python-hotspots", "hotspots/core.py", PYTHON), ("cpp-kernels", "kernels.cpp", CPP)]
MODEL = "model-a"


def fresh(base: Path, example: str) -> Path:
    target = base / example
    shutil.copytree(REPO / "examples" / example, target, ignore=shutil.ignore_patterns(
        "*.o", "bench", "test_kernels", ".lessonl", "__pycache__", ".pytest_cache"))
    return target


def verdicts(result: BatchResult) -> dict[str, Any]:
    return {item.key: (item.status, [(a.candidate.round, a.verdict.outcome.value)
                                     for a in (item.result.attempts if item.result else [])])
            for item in result.items}


async def one_side(base: Path, fake: FakeOpenAI, rounds: int, jobs: int, address: str | None) -> tuple[float, dict, list]:
    """Both examples' batches, one after the other (a batch is one repository); wall time of both."""
    found: dict[str, Any] = {}
    items = []
    started = time.monotonic()
    for example, file, replies in EXAMPLES:
        repo = fresh(base, example)
        request = BatchRequest(repo, targets=[(file, name) for name in replies], jobs=jobs, combine=False,
                               overrides=batch_overrides(fake, MODEL, rounds=rounds), ray_address=address)
        result = await run_batch(request)
        found.update(verdicts(result))
        items.extend(result.items)
    return time.monotonic() - started, found, items


async def kill_scenario(base: Path, fake: FakeOpenAI, cluster: LocalRayCluster) -> None:
    """python-hotspots on Ray, round 2's replies late; find_duplicates' worker is killed once its
    round-1 lesson is banked."""
    repo = fresh(base, "python-hotspots")
    file = "hotspots/core.py"
    victim = f"{file}::find_duplicates"
    request = BatchRequest(repo, targets=[(file, n) for n in PYTHON], combine=False, ray_address=cluster.address,
                           overrides=batch_overrides(fake, MODEL, rounds=2), ray_retries=2)
    state = repo / ".lessonl" / "batch" / "ray-attempts.json"
    started = time.monotonic()
    batch = asyncio.ensure_future(run_batch(request))
    killed, before = 0, set()
    while not killed and not batch.done():
        await asyncio.sleep(0.3)
        attempts = read_state(state).get(victim, [])
        if attempts and any(l.qualified_name == "find_duplicates" for l in LessonBank.open(repo / ".lessonl").lessons()):
            before = {l.id for l in LessonBank.open(repo / ".lessonl").lessons()}
            killed = attempts[0].pid
            os.kill(killed, signal.SIGKILL)
            killed_at = time.monotonic() - started
    result = await batch
    after = {l.id for l in LessonBank.open(repo / ".lessonl").lessons()}
    print("\nKill -9 of a Ray worker mid-task (python-hotspots, 4 functions, 2 rounds):")
    if not killed:
        print("  the task finished before it could be killed (no figure)")
        return
    print(f"  killed pid {killed} (running {victim}) at {killed_at:.1f} s, after {len(before)} lessons were banked")
    print(f"  batch finished: {not result.cancelled}, in {result.wall_s:.1f} s")
    for item in result.items:
        runs = ", ".join(f"#{a['number']} {a['status'] or 'died'}" for a in item.attempts)
        print(f"  {item.key:<32} {item.status:<8} attempts: {runs}")
    retried = [i.key for i in result.items if i.retried]
    print(f"  report names the retried task: {retried} "
          f"({'retried' in Path(result.report_paths['md']).read_text()})")
    print(f"  lessons banked before the kill still in the bank: {len(before & after)}/{len(before)}; "
          f"bank now holds {len(after)}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--delay", type=float, default=1.0, help="seconds before each scripted reply")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--jobs", type=int, default=2, help="functions in flight at once in the local batch")
    parser.add_argument("--no-kill", action="store_true", help="skip the kill -9 scenario")
    args = parser.parse_args()
    missing = ray_available()
    if missing:
        sys.exit(f"batch_ray: {missing}")
    base = Path(tempfile.mkdtemp(prefix="lessonl-batch-ray-"))
    os.environ["XDG_CACHE_HOME"] = str(base / "cache")  # the local side's scratch copies
    try:
        with FakeOpenAI(models=(MODEL,)) as fake:
            script_batch(fake, MODEL, {**PYTHON, **CPP}, delay=args.delay)
            local_s, local, _ = await one_side(base / "local", fake, args.rounds, args.jobs, None)
            with LocalRayCluster(nodes=[1, 1]) as cluster:
                ray_s, on_ray, items = await one_side(base / "ray", fake, args.rounds, args.jobs, cluster.address)
                print(f"Batch of {len(local)} functions ({args.rounds} rounds, 1 agent, scripted model with "
                      f"{args.delay:g} s latency), {os.cpu_count()} CPUs:")
                print(f"  one process (--jobs {args.jobs}):       {local_s:7.1f} s")
                print(f"  Ray, 2 worker nodes x 1 CPU:     {ray_s:7.1f} s   (cluster start-up {cluster.started_s:.1f} s, "
                      "not included)")
                print(f"  wall-time ratio Ray / local:     {ray_s / local_s:7.2f}x")
                same = [k for k in local if local[k] == on_ray.get(k)]
                print(f"  verdicts matching: {len(same)}/{len(local)}")
                for key in local:
                    mark = "same" if local[key] == on_ray.get(key) else f"DIFFERS: local {local[key]} / ray {on_ray.get(key)}"
                    print(f"    {key:<32} {local[key][0]:<7} {[o for _, o in local[key][1]]} {mark}")
                nodes = sorted({i.node for i in items})
                print(f"  nodes that timed verdicts: {len(nodes)}: {'; '.join(nodes)}")
                if not args.no_kill:
                    fake.clear()
                    script_batch(fake, MODEL, PYTHON, slow_later_rounds=6.0, delay=args.delay)
                    await kill_scenario(base / "kill", fake, cluster)
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
