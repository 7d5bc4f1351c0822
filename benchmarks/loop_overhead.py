"""Loop overhead: the whole LessonL loop with an instantly answering fake LLM, against the judge
alone evaluating the very same candidates with the same concurrency (target: at most 1.2x).

What the loop adds on top of the judge: prompts, HTTP round trips to the (instant) endpoint,
extraction and splicing, lesson requests, bank writes, selection and relevance scoring.
Timing is fixed to a set number of runs per candidate so both sides do identical judge work.

    .venv/bin/python benchmarks/loop_overhead.py [--repeats 2] [--rounds 2]
"""
from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from lessonl.config import load_config  # noqa: E402
from lessonl.engine import OptimizeRequest, optimize  # noqa: E402
from lessonl.judge import Judge  # noqa: E402
from tests.support import cpp_replies as R  # noqa: E402
from tests.support.fake_openai import FakeOpenAI  # noqa: E402
from tests.support.loop_script import overrides, script_agent  # noqa: E402

MODELS = ["model-a", "model-b", "model-c"]
TIMING = {"min_runs": 5, "max_runs": 5, "budget": 120}
PER_ROUND = {
    "model-a": [R.HISTOGRAM_FASTER, R.HISTOGRAM_SAME_SPEED],
    "model-b": [R.HISTOGRAM_INCORRECT, R.HISTOGRAM_NOT_COMPILABLE],
    "model-c": [R.HISTOGRAM_SLOWER, R.HISTOGRAM_FASTER],
}


def fresh_repo(base: Path, name: str) -> Path:
    target = base / name
    shutil.copytree(REPO / "examples" / "cpp-kernels", target,
                    ignore=shutil.ignore_patterns("*.o", "bench", "test_kernels", ".lessonl"))
    return target


async def run_loop(repo: Path, rounds: int) -> tuple[float, list[list[str | None]], float]:
    """Wall time of optimize(), the candidates' file texts per round, and the judge's own share."""
    with FakeOpenAI() as fake:
        for model in MODELS:
            script_agent(fake, model, PER_ROUND[model][:rounds], [f"lesson {i}" for i in range(rounds)])
        settings = overrides(fake, MODELS, rounds=rounds, k=4, timing=TIMING)
        started = time.monotonic()
        result = await optimize(OptimizeRequest(repo, "kernels.cpp", name="histogram", overrides=settings))
        wall = time.monotonic() - started
    per_round: list[list[str | None]] = [[] for _ in range(rounds)]
    for attempt in result.attempts:
        per_round[attempt.candidate.round].append(attempt.candidate.new_file_text)
    return wall, per_round, result.judge_s


async def run_judge(repo: Path, per_round: list[list[str | None]]) -> float:
    """The judge alone: baseline check, then each round's candidates concurrently, as the loop does."""
    config = load_config(repo, {"timing": TIMING})
    judge = Judge(config)
    started = time.monotonic()
    await judge.check_baseline("histogram")
    for texts in per_round:
        await asyncio.gather(*(judge.evaluate("kernels.cpp", t, "histogram") for t in texts if t is not None))
    return time.monotonic() - started


async def per_candidate_work(repo: Path, n: int = 40) -> float:
    """Milliseconds of the loop's own work per candidate, without the judge: code request,
    extraction and splicing, lesson request, banking, and selecting k lessons from the bank."""
    from lessonl import prompts
    from lessonl.agents import AgentClient
    from lessonl.code import prompt_context
    from lessonl.engine.candidates import make_candidate
    from lessonl.engine.lessons import clean_lesson, lesson_for
    from lessonl.engine.request import OptimizeRequest as Request
    from lessonl.engine.target import resolve_target
    from lessonl_store import LessonBank, make_relevance

    config = load_config(repo)
    target = resolve_target(repo, Request(repo, "kernels.cpp", name="histogram"))
    bank = LessonBank.open(repo / ".lessonl")
    relevance = make_relevance(config.relevance, bank)
    context = prompt_context(target.text, target.ref, target.language)
    with FakeOpenAI() as fake:
        fake.respond(lambda body: "One pass over the data." if "explain the result" in str(body) else R.HISTOGRAM_FASTER)
        agent = AgentClient({"name": "a", "base_url": fake.base_url, "model": "m"}, env={})
        started = time.monotonic()
        for i in range(n):
            lessons = bank.select(4, target.ref.text, relevance, function=(target.file_rel, target.ref.qualified_name))
            reply = await agent.chat(prompts.code_messages(target.ref, context, lessons, target.language))
            candidate = make_candidate(target, "a", "m", i, reply.text, [l.id for l in lessons])
            from lessonl.records import Outcome, Verdict
            verdict = Verdict(Outcome.FASTER, speedup=2.0, ci=(1.9, 2.1))
            text = await agent.chat(prompts.lesson_messages(target.ref, candidate.code or "", verdict))
            bank.add(lesson_for(target, candidate, verdict, clean_lesson(text.text)))
            bank.adjust_factors([l.id for l in lessons], [2.0])
        elapsed = time.monotonic() - started
        await agent.close()
    bank.close()
    return elapsed / n * 1000


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    ratios, overheads = [], []
    with tempfile.TemporaryDirectory(prefix="lessonl-bench-") as tmp:
        os.environ.setdefault("XDG_CACHE_HOME", str(Path(tmp) / "cache"))
        for repeat in range(args.repeats):
            loop_wall, per_round, judge_share = await run_loop(fresh_repo(Path(tmp), f"loop{repeat}"), args.rounds)
            judge_wall = await run_judge(fresh_repo(Path(tmp), f"judge{repeat}"), per_round)
            candidates = sum(len(r) for r in per_round)
            ratios.append(loop_wall / judge_wall)
            overheads.append(loop_wall - judge_wall)
            print(f"repeat {repeat + 1}: loop {loop_wall:6.2f} s   judge alone {judge_wall:6.2f} s   "
                  f"ratio {loop_wall / judge_wall:5.3f}   ({candidates} candidates, {args.rounds} rounds; "
                  f"judge time seen inside the loop {judge_share:6.2f} s summed)")
        work_ms = await per_candidate_work(fresh_repo(Path(tmp), "work"))
    print(f"loop's own work per candidate (2 LLM round trips to an instant server, extract, splice, "
          f"bank, select): {work_ms:.1f} ms")
    print(f"median ratio loop / judge: {statistics.median(ratios):.3f} (target <= 1.2); "
          f"median overhead {statistics.median(overheads):+.2f} s")


if __name__ == "__main__":
    asyncio.run(main())
