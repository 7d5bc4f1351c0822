"""Optimization jobs: one per function, each running the engine in its own thread and loop.

Why a thread: the engine parses, computes statistics and scores lessons in Python; on the
server's event loop that would delay hover and code actions for seconds. Each job therefore
runs `optimize()` under `asyncio.run` in a worker thread; progress events hop back with
`call_soon_threadsafe`, and cancellation hops over the same way to the engine's own
CancelToken, whose callbacks kill the build/test/bench process groups.

Profiling the benchmark (profiling.py) and batches (batch.py) are jobs too, keyed by root and
kind instead of a function, run by the same thread runner (`run_in_thread`) and cancelled the
same ways (`lessonl.cancel`, the progress's cancel button, $/cancelRequest).

Asking again for a function that is already running returns the running job (the caller
says so) instead of starting a second one.
"""
from __future__ import annotations

import asyncio
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Awaitable, Callable

from ..cancel import CancelToken

if TYPE_CHECKING:
    from .server import LessonLServer

JobKey = tuple[Path, str, str]  # (root, file relative to root, qualified name)


@dataclass
class Job:
    key: JobKey
    uri: str
    function: Any  # lessonl.records.FunctionRef, as located when the job started
    start_text: str  # the document text the engine worked from
    cancel: CancelToken = field(default_factory=CancelToken)
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    progress_token: Any = None
    request_id: Any = None  # the executeCommand request that started it ($/cancelRequest)
    task: asyncio.Task | None = None
    thread: threading.Thread | None = None
    last_event: Any = None  # lessonl.records.ProgressEvent
    started: float = field(default_factory=time.time)

    @property
    def name(self) -> str:
        return self.key[2]

    def describe(self) -> str:
        ev = self.last_event
        where = f"round {ev.round + 1}/{ev.rounds}" if ev is not None and ev.rounds else "starting"
        return f"{self.name} ({where}, {time.time() - self.started:.0f} s)"

    def to_json(self) -> dict[str, Any]:
        return {"jobId": self.id, "uri": self.uri, "root": str(self.key[0]), "file": self.key[1],
                "function": self.name, "started": self.started,
                "progress": self.last_event.to_json() if self.last_event is not None else None}


class JobManager:
    def __init__(self, ls: LessonLServer) -> None:
        self._ls = ls
        self._running: dict[JobKey, Job] = {}

    def running(self) -> list[Job]:
        return list(self._running.values())

    def get(self, key: JobKey) -> Job | None:
        return self._running.get(key)

    def by_id(self, job_id: str) -> Job | None:
        return next((j for j in self._running.values() if j.id == job_id), None)

    def by_request_id(self, request_id: Any) -> Job | None:
        if request_id is None:
            return None
        return next((j for j in self._running.values() if j.request_id == request_id), None)

    def by_progress_token(self, token: Any) -> Job | None:
        return next((j for j in self._running.values() if j.progress_token == token), None)

    def start(self, job: Job, body: Callable[[Job], Awaitable[Any]]) -> Job:
        """Run `body(job)` as a task; the caller has checked `get(job.key)` first."""
        self._running[job.key] = job

        async def run() -> Any:
            try:
                return await body(job)
            finally:
                self._running.pop(job.key, None)

        job.task = asyncio.ensure_future(run())
        return job

    async def cancel_all(self, timeout: float = 10.0) -> None:
        jobs = self.running()
        for job in jobs:
            job.cancel.cancel()
        tasks = [j.task for j in jobs if j.task is not None]
        if tasks:
            await asyncio.wait(tasks, timeout=timeout)

    def cancel_all_and_wait(self, timeout: float) -> None:
        """From outside the loop (process exit): cancel, then let engine threads clean up."""
        jobs = self.running()
        for job in jobs:
            job.cancel.cancel()
        deadline = time.monotonic() + timeout
        for job in jobs:
            if job.thread is not None:
                job.thread.join(max(0.0, deadline - time.monotonic()))


class _CancelBridge:
    """Carries a cancel from the server's loop to the engine's loop in another thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requested = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._token: CancelToken | None = None

    def attach(self, loop: asyncio.AbstractEventLoop, token: CancelToken) -> None:
        with self._lock:
            self._loop, self._token = loop, token
            if self._requested:
                token.cancel()

    def cancel(self) -> None:
        with self._lock:
            self._requested = True
            if self._loop is not None and self._token is not None:
                try:
                    self._loop.call_soon_threadsafe(self._token.cancel)
                except RuntimeError:  # the engine's loop already finished
                    pass


async def run_engine(job: Job, request: Any, on_progress: Callable[[Any], None]) -> Any:
    """`lessonl.engine.optimize(request)` in a worker thread; returns its OptimizationResult.

    Raises whatever the engine raised (Cancelled, LessonLError, ...), in this loop.
    """
    async def engine_main(token: CancelToken, deliver: Callable[[Any], None]) -> Any:
        from ..engine import optimize

        return await optimize(request, on_progress=deliver, cancel=token)

    return await run_in_thread(job, engine_main, on_progress)


async def run_in_thread(job: Job, main: Callable[[CancelToken, Callable[[Any], None]], Awaitable[Any]],
                        on_progress: Callable[[Any], None] | None = None) -> Any:
    """`await main(cancel_token, deliver_event)` on its own loop in a worker thread (optimize,
    profile, batch): events hop back to this loop's `on_progress`, `job.cancel` hops over to
    the token. Returns main's result or raises its exception, in this loop."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future = loop.create_future()
    bridge = _CancelBridge()
    unregister = job.cancel.on_cancel(bridge.cancel)

    def deliver_event(event: Any) -> None:
        if on_progress is None:
            return
        try:
            loop.call_soon_threadsafe(on_progress, event)
        except RuntimeError:  # server loop gone (exiting): nobody to tell
            pass

    def settle(result: Any, error: BaseException | None) -> None:
        if done.done():
            return
        if error is not None:
            done.set_exception(error)
        else:
            done.set_result(result)

    async def thread_loop_main() -> Any:
        token = CancelToken()
        bridge.attach(asyncio.get_running_loop(), token)
        return await main(token, deliver_event)

    def thread_main() -> None:
        result: Any = None
        error: BaseException | None = None
        try:
            result = asyncio.run(thread_loop_main())
        except BaseException as exc:  # handed to the server loop, which turns it into words
            error = exc
        try:
            loop.call_soon_threadsafe(settle, result, error)
        except RuntimeError:
            pass

    job.thread = threading.Thread(target=thread_main, name=f"lessonl-job-{job.id}", daemon=False)
    job.thread.start()
    try:
        return await asyncio.shield(done)
    except asyncio.CancelledError:  # the server is going away: stop the engine's processes too
        job.cancel.cancel()
        raise
    finally:
        unregister()
