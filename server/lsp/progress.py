"""Work-done progress for a job: begin, one report per engine event, end.

Token: the client's own `workDoneToken` from the executeCommand request if it sent one,
else one the server creates with `window/workDoneProgress/create` when the client supports
it. Reports say the round, how many candidates were judged and the best VERIFIED speedup
so far. The same events also go out as `lessonl/progress` for richer clients.
`window/workDoneProgress/cancel` on a job's token cancels that job.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lsprotocol import types

from .server import client_work_done_token

if TYPE_CHECKING:
    from .jobs import Job
    from .server import LessonLServer

NOTIFICATION = "lessonl/progress"


def describe(event: Any) -> str:
    """'round 2/4 · 5/12 candidates judged · best verified 1.84×' (no speedup without proof)."""
    parts = []
    if event.rounds:
        parts.append(f"round {event.round + 1}/{event.rounds}")
    if event.total:
        parts.append(f"{event.judged}/{event.total} candidates judged")
    parts.append(f"best verified {event.best_speedup:.2f}×" if event.best_speedup
                 else "no verified speedup yet")
    if event.message:
        parts.append(event.message)
    return " · ".join(parts)


class JobProgress:
    def __init__(self, ls: LessonLServer, job: "Job", title: str | None = None,
                 first_message: str = "checking the baseline: build, tests, benchmark") -> None:
        self._ls = ls
        self._job = job
        self._token: Any = None
        self._percentage = 0
        self._title = title or f"LessonL: optimizing {job.name}"
        self._first = first_message

    async def begin(self) -> None:
        token = client_work_done_token.get()
        window = self._ls.client_capabilities.window
        if token is None and window is not None and window.work_done_progress:
            token = f"lessonl/{self._job.id}"
            try:
                await self._ls.work_done_progress.create_async(token)
            except Exception as exc:
                self._ls.log(f"LessonL: client refused a progress token: {exc}")
                token = None
        self._token = self._job.progress_token = token
        if token is not None:
            self._ls.work_done_progress.begin(token, types.WorkDoneProgressBegin(
                title=self._title, cancellable=True, message=self._first, percentage=0))

    def report(self, event: Any) -> None:
        self._job.last_event = event
        self._ls.protocol.notify(NOTIFICATION, {"jobId": self._job.id, "uri": self._job.uri,
                                                "function": self._job.name, "event": event.to_json()})
        if self._token is None:
            return
        if event.total:
            self._percentage = max(self._percentage, min(100, int(100 * event.judged / event.total)))
        self._ls.work_done_progress.report(self._token, types.WorkDoneProgressReport(
            message=describe(event), percentage=self._percentage, cancellable=True))

    def say(self, message: str, percentage: int | None = None) -> None:
        """A report that is not an engine event (profiling, batch): the text, the percentage
        only forward."""
        if self._token is None:
            return
        if percentage is not None:
            self._percentage = max(self._percentage, min(100, percentage))
        self._ls.work_done_progress.report(self._token, types.WorkDoneProgressReport(
            message=message, percentage=self._percentage, cancellable=True))

    def end(self, message: str) -> None:
        if self._token is not None:
            self._ls.work_done_progress.end(self._token, types.WorkDoneProgressEnd(message=message))
            self._ls.work_done_progress.tokens.pop(self._token, None)


def register(server: LessonLServer) -> None:
    @server.feature(types.WINDOW_WORK_DONE_PROGRESS_CANCEL)
    def cancel(ls: LessonLServer, params: types.WorkDoneProgressCancelParams) -> None:
        job = ls.jobs.by_progress_token(params.token)
        if job is not None:
            ls.log(f"LessonL: cancelling {job.describe()}")
            job.cancel.cancel()
