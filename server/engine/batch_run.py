"""One function of a batch: `run_function(FunctionJob) -> FunctionOutcome`.

This is the unit another executor (a Ray task, issue 14) runs on its own machine: it takes a
self-contained, picklable job, runs the one loop (`optimize`), and returns a picklable outcome
whatever happens: a LessonLError becomes status "failed" with the error's fields and exit code,
a cancel becomes "cancelled". Only an interrupt of the process itself escapes.
"""
from __future__ import annotations

import asyncio
import socket
import time
from typing import Any, Callable

from ..cancel import CancelToken
from ..errors import AgentError, BankError, Cancelled, LessonLError
from ..records import Outcome, ProgressEvent
from .batch_request import AgentStats, FunctionJob, FunctionOutcome, FunctionSummary, LessonNote
from .request import OptimizeRequest
from .result import OptimizationResult

Progress = Callable[[ProgressEvent], Any]


def run_function(job: FunctionJob) -> FunctionOutcome:
    """Run one job in its own event loop (a worker process or thread has none running)."""
    return asyncio.run(run_function_async(job))


async def run_function_async(job: FunctionJob, on_progress: Progress | None = None,
                             cancel: CancelToken | None = None, judge: Any = None) -> FunctionOutcome:
    """`judge`: a Judge shared with the other jobs of a local batch (one gate for all their
    builds and timings); None makes the job's own."""
    from .loop import optimize

    cancel = cancel or CancelToken()
    started = time.monotonic()
    node = socket.gethostname()
    request = OptimizeRequest(root=job.root, file_rel=job.file, name=job.qualified_name, line=job.line,
                              overrides=job.overrides, agent_env=job.agent_env, result_key=job.result_key)
    try:
        result = await optimize(request, on_progress=on_progress, cancel=cancel, judge=judge)
    except Cancelled as exc:
        return FunctionOutcome(job.file, job.qualified_name, "cancelled", message=str(exc.message or "cancelled"),
                               exit_code=130, node=node, wall_s=time.monotonic() - started)
    except LessonLError as exc:
        code = 3 if isinstance(exc, (AgentError, BankError)) else (exc.exit_code if exc.exit_code in (2, 3) else 2)
        return FunctionOutcome(job.file, job.qualified_name, "failed", message=exc.message, error=_error(exc),
                               exit_code=code, node=node, wall_s=time.monotonic() - started)
    except Exception as exc:  # noqa: BLE001 - our bug: reported for this function, the batch goes on
        message = f"internal error: {type(exc).__name__}: {exc}"
        return FunctionOutcome(job.file, job.qualified_name, "failed", message=message,
                               error={"message": message}, exit_code=3, node=node,
                               wall_s=time.monotonic() - started)
    summary = summarize(result, job.file)
    return FunctionOutcome(job.file, job.qualified_name, "won" if result.improved else "no_win", result=result,
                           summary=summary, message=result.message, node=node,
                           wall_s=time.monotonic() - started)


def summarize(result: OptimizationResult, file: str) -> FunctionSummary:
    """What the batch keeps of a result (report, state file, combine, apply, patch)."""
    ref = result.target
    lessons = [LessonNote(id=l.id, text=l.text, outcome=l.outcome, speedup=l.speedup, agent=l.agent,
                          round=l.round) for l in result.justifying_lessons]
    new_hash = None
    if result.improved and result.new_text is not None:
        new_hash = _new_function_hash(result)
    return FunctionSummary(
        file=ref.file or file, qualified_name=ref.qualified_name, function_hash=ref.text_hash,
        improved=result.improved, speedup=result.speedup, ci=tuple(result.ci) if result.ci else None,
        outcome=result.best.verdict.outcome.value if result.best else "", message=result.message,
        diff=result.diff, original_text=result.original_text, new_text=result.new_text,
        new_function_hash=new_hash, target=ref.to_json(), lessons=lessons, agents=agent_stats(result),
        attempts=len(result.attempts), rounds=result.rounds, wall_s=result.wall_s,
        warnings=list(result.warnings), unisolated=result.unisolated, result_id=result.result_id)


def agent_stats(result: OptimizationResult) -> list[AgentStats]:
    """Per agent: attempts, attempts judged faster, whether it wrote the chosen win, tokens and the
    judge's time on its attempts."""
    stats: dict[str, AgentStats] = {}
    for attempt in result.attempts:
        candidate = attempt.candidate
        entry = stats.setdefault(candidate.agent, AgentStats(candidate.agent, candidate.model))
        entry.attempts += 1
        entry.wins += attempt.verdict.outcome is Outcome.FASTER
        entry.time_s += attempt.verdict.wall_s
    if result.best is not None and result.best.candidate.agent in stats:
        stats[result.best.candidate.agent].best_wins += 1
    for name, usage in result.agent_tokens.items():
        entry = stats.setdefault(name, AgentStats(name, ""))
        entry.prompt_tokens += usage.prompt_tokens
        entry.completion_tokens += usage.completion_tokens
        entry.requests += usage.requests
    return list(stats.values())


def _new_function_hash(result: OptimizationResult) -> str | None:
    from ..code import locate

    ref = result.target
    try:
        return locate(result.new_text or "", ref.language, ref.file, name=ref.qualified_name).text_hash
    except LessonLError:
        return None


def _error(exc: LessonLError) -> dict[str, Any]:
    return {"message": exc.message, "file": exc.file, "line": exc.line, "key": exc.key, "hint": exc.hint}
