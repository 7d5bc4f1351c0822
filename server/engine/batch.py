"""`run_batch`: many functions of one repository optimized in one go, then judged together.

Functions run through `run_function_async` (the one loop, `optimize`, per function) with one
lesson bank (what one function's agents learn is selectable by the next), and up to
`BatchRequest.jobs` functions in flight at once: while one function's candidates are timed,
the next one's LLM requests, builds and tests go ahead. All jobs share one Judge, whose gate
holds every build back while any timing runs, and the judge's machine-wide lock keeps timings
from ever overlapping, so pipelining never touches a measurement.

Resumable: each function that ran to its end is recorded in `.lessonl/batch/state.json`
(batch_state); a later batch skips it while its code is unchanged and reports the earlier
result. Cancellable: the token stops the functions in flight (their banked lessons are kept),
the rest are reported as cancelled, and the report is still written.

At the end the verified wins are spliced together and judged against the original on the
whole benchmark (batch_combine), and the report is written as Markdown, JSON and HTML
(batch_report). See docs/design.md, "Batch".
"""
from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
import uuid
from pathlib import Path
from typing import Any, Callable

from ..cancel import CancelToken
from ..config import load_config
from ..config.placeholders import refuse_placeholders
from ..errors import Cancelled, LessonLError, TargetError
from ..records import ProgressEvent
from .batch_combine import combine
from .batch_report import write_reports
from .batch_request import (AgentStats, BatchItem, BatchRequest, BatchResult, CombinedVerdict, FunctionJob,
                            FunctionOutcome)
from .batch_run import run_function_async
from .batch_state import BatchState
from .batch_targets import Located, Unlocated, hottest, locate_targets

log = logging.getLogger(__name__)
Progress = Callable[[ProgressEvent], Any]


async def run_batch(request: BatchRequest, on_progress: Progress | None = None,
                    cancel: CancelToken | None = None) -> BatchResult:
    """Optimize the batch's functions, judge the wins together, write the report. Raises only
    for the batch as a whole (bad config, no targets, no profile); a function's own failure is
    its item's status. A cancel ends in a result with `cancelled` set (report written)."""
    return await _Batch(request, on_progress, cancel or CancelToken()).run()


def batch_overrides(request: BatchRequest) -> dict[str, Any] | None:
    overrides = dict(request.overrides or {})
    if request.rounds is not None:
        overrides["loop"] = {**dict(overrides.get("loop") or {}), "rounds": request.rounds}
    return overrides or None


class _Batch:
    def __init__(self, request: BatchRequest, on_progress: Progress | None, cancel: CancelToken) -> None:
        self.request = request
        self.on_progress = on_progress
        self.cancel = cancel
        self.started = time.monotonic()
        self.root = Path(request.root).resolve()
        self.overrides = batch_overrides(request)
        self.warnings: list[str] = []
        self.done = 0
        self.total = 0
        # Each function's result is saved under "<run>:<file>::<function>": a task retried after
        # its worker died (Ray) saves the same key, which the bank stores once.
        self.run_id = uuid.uuid4().hex[:12]

    def emit(self, kind: str, function: str = "", **fields: Any) -> None:
        if self.on_progress is None:
            return
        event = ProgressEvent(kind=kind, judged=self.done, total=self.total, function=function, **fields)
        try:
            self.on_progress(event)
        except Exception:  # a broken display must not stop the batch
            log.exception("progress callback failed")

    def forward(self, key: str) -> Progress:
        """A function's own events, with the function named (several share one stream)."""
        def send(event: ProgressEvent) -> None:
            if self.on_progress is not None:
                self.on_progress(dataclasses.replace(event, function=key))
        return send

    async def run(self) -> BatchResult:
        refuse_placeholders(self.root, self.overrides)
        config = await asyncio.to_thread(load_config, self.root, self.overrides)
        names = self.request.targets
        if names is None:
            self.emit("batch_profile", message="finding the hottest functions")
            names, notes = await hottest(self.root, config, max(1, int(self.request.top)), self.cancel,
                                         log=lambda m: self.emit("batch_profile", message=m))
            self.warnings.extend(notes)
        if not names:
            raise TargetError("no functions to optimize", hint="name them as FILE::FUNCTION, or use --top N")
        located = locate_targets(self.root, list(names))
        state = BatchState.load(Path(config.bank_path))
        self.warnings.extend(state.warnings)
        items = {self._key(entry): self._first_item(entry, state) for entry in located}
        pending = [e for e in located if isinstance(e, Located) and items[e.key].status == "pending"]
        self.total = len(items)
        self.done = sum(1 for i in items.values() if i.status != "pending")
        self.emit("batch_started", message=f"batch of {len(items)} functions: {len(pending)} to optimize, "
                                           f"{self.done} skipped or not found")
        for item in items.values():
            if item.status != "pending":
                self.emit("function_skipped" if item.status == "skipped" else "function_failed", item.key,
                          message=item.message, outcome=item.status)

        from ..judge import Judge

        judge = Judge(config)  # one gate for every job's builds and timings
        jobs = max(1, int(self.request.jobs))
        slots = asyncio.Semaphore(jobs)

        async def one(entry: Located) -> None:
            item = items[entry.key]
            async with slots:
                if self.cancel.cancelled:
                    item.status, item.message = "cancelled", "not started: the batch was cancelled"
                    return
                self.emit("function_started", entry.key, message=f"optimizing {entry.key}")
                job = FunctionJob(str(self.root), entry.file, entry.qualified_name, entry.line,
                                  self.overrides, dict(self.request.agent_env or {}) or None,
                                  result_key=f"batch:{self.run_id}:{entry.key}")
                outcome = await run_function_async(job, self.forward(entry.key), self.cancel, judge=judge)
            self._finish_item(item, outcome, state)

        if self.request.ray_address:
            await self._on_ray(config, pending, items, state)
        elif pending:
            from ..localmodel import local_models, with_embedded_default

            # Managed model servers (GGUF agents, the embedded default) stay up for the whole
            # batch: the pool counts references, so each job's own local_models reuses them
            # instead of starting them again for every function. One that cannot start is left
            # to the jobs, each of which then reports it as its own failure.
            async with contextlib.AsyncExitStack() as servers:
                try:
                    await servers.enter_async_context(
                        local_models(await asyncio.to_thread(with_embedded_default, config)))
                except Cancelled:
                    raise
                except LessonLError:
                    pass
                await asyncio.gather(*(one(e) for e in pending))
        combined = CombinedVerdict()
        result = BatchResult(items=list(items.values()), combined=combined, agents=[], wall_s=0.0,
                             warnings=self.warnings, cancelled=self.cancel.cancelled)
        if not result.cancelled and self.request.combine and result.wins:
            self.emit("combine_started", message=f"judging {len(result.wins)} wins together on the whole benchmark")
            try:
                result.combined = await combine(judge, self.root, result.wins, self.cancel)
            except Cancelled:
                result.cancelled = True
                result.combined = CombinedVerdict(message="cancelled before the wins were judged together")
            else:
                verdict = result.combined.verdict
                self.emit("combined", message=result.combined.message,
                          outcome=verdict.outcome.value if verdict else "",
                          speedup=verdict.speedup if verdict else None)
        elif not result.wins:
            result.combined.message = "no verified wins to combine"
        result.agents = merge_agents(result.items)
        result.wall_s = time.monotonic() - self.started
        result.report_paths = await asyncio.to_thread(write_reports, result, self.report_stem(config), self.root)
        self.emit("batch_finished", message=headline(result))
        return result

    async def _on_ray(self, config: Any, pending: list[Located], items: dict[str, BatchItem],
                      state: BatchState) -> None:
        """The pending functions as Ray tasks on the cluster (lessonl.engine.batch_ray): each
        outcome is finished like a local one; each item lists its task's attempts (retries)."""
        from .batch_ray import RayOptions, describe_attempts, run_on_ray

        options = RayOptions(self.request.ray_address or "", git=self.request.ray_git,
                             retries=self.request.ray_retries)
        jobs = [FunctionJob(str(self.root), e.file, e.qualified_name, e.line, self.overrides,
                            dict(self.request.agent_env or {}) or None,
                            result_key=f"batch:{self.run_id}:{e.key}") for e in pending]

        def attempt_started(attempt: Any) -> None:
            again = f" (attempt {attempt.number})" if attempt.number > 1 else ""
            self.emit("function_started", attempt.key, message=f"optimizing {attempt.key} on {attempt.node}{again}")

        def finished(job: FunctionJob, outcome: FunctionOutcome, attempts: list[Any]) -> None:
            item = items[job.key]
            item.attempts = [a.to_json() for a in attempts]
            if len(attempts) > 1:
                outcome.message = f"{outcome.message} [retried: {describe_attempts(attempts)}]"
                self.warnings.append(f"{job.key} was retried: {describe_attempts(attempts)}")
            self._finish_item(item, outcome, state)

        run = await run_on_ray(jobs, options, root=self.root, config=config, on_outcome=finished,
                               on_attempt=attempt_started, cancel=self.cancel,
                               state_path=Path(config.bank_path) / "batch" / "ray-attempts.json")
        self.warnings.extend(run.warnings)

    def report_stem(self, config: Any) -> Path:
        chosen = self.request.report
        if chosen is None:
            return Path(config.bank_path) / "batch" / "report"
        path = Path(chosen)
        path = path if path.is_absolute() else self.root / path
        return path.with_suffix("") if path.suffix in (".md", ".json", ".html") else path

    @staticmethod
    def _key(entry: Located | Unlocated) -> str:
        return entry.key if isinstance(entry, Located) else f"{entry.file}::{entry.qualified_name}"

    def _first_item(self, entry: Located | Unlocated, state: BatchState) -> BatchItem:
        if isinstance(entry, Unlocated):
            return BatchItem(entry.file, entry.qualified_name, "failed", message=str(entry.error), exit_code=2)
        skip = state.skip_for(entry.key, entry.ref.text_hash) if self.request.resume else None
        if skip is None:
            return BatchItem(entry.file, entry.qualified_name, "pending")
        earlier = skip.summary
        verdict = (f"{earlier.speedup:.2f}x faster" if earlier.improved and earlier.speedup
                   else "no verified improvement")
        return BatchItem(entry.file, entry.qualified_name, "skipped", summary=earlier, skipped_reason=skip.reason,
                         message=f"skipped: {skip.reason} ({verdict})")

    def _finish_item(self, item: BatchItem, outcome: FunctionOutcome, state: BatchState) -> None:
        item.status, item.message, item.node = outcome.status, outcome.message, outcome.node
        item.result, item.summary, item.wall_s = outcome.result, outcome.summary, outcome.wall_s
        item.exit_code = outcome.exit_code
        if outcome.summary is not None and outcome.status in ("won", "no_win"):
            try:
                state.record(outcome.summary)
            except OSError as exc:
                self.warnings.append(f"the batch state could not be saved ({exc}); a rerun repeats {item.key}")
        self.done += 1
        self.emit("function_finished", item.key, message=item.message, outcome=item.status,
                  speedup=outcome.summary.speedup if outcome.summary else None)


def merge_agents(items: list[BatchItem]) -> list[AgentStats]:
    """Per agent over the functions optimized in this run (skipped ones cost nothing now)."""
    merged: dict[str, AgentStats] = {}
    for item in items:
        if item.status not in ("won", "no_win") or item.summary is None:
            continue
        for stats in item.summary.agents:
            entry = merged.setdefault(stats.agent, AgentStats(stats.agent, stats.model))
            entry.model = entry.model or stats.model
            for name in ("attempts", "wins", "best_wins", "prompt_tokens", "completion_tokens", "requests", "time_s"):
                setattr(entry, name, getattr(entry, name) + getattr(stats, name))
    return sorted(merged.values(), key=lambda a: (a.agent, a.model))


def headline(result: BatchResult) -> str:
    counts: dict[str, int] = {}
    for item in result.items:
        counts[item.status] = counts.get(item.status, 0) + 1
    parts = ", ".join(f"{n} {status.replace('_', ' ')}" for status, n in counts.items())
    text = f"batch of {len(result.items)} functions: {parts}"
    if result.combined.message:
        text += f"; {result.combined.message}"
    return text
