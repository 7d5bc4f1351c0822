"""Starting a job that works on a whole repository (profile the benchmark, a batch): one per
root, refused with one plain message when the configuration is broken or one already runs."""
from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Awaitable, Callable

from lsprotocol import types

from ..errors import LessonLError
from .commands import state_from_arg
from .jobs import Job

if TYPE_CHECKING:
    from .server import LessonLServer

Runner = Callable[[Job, Any], Awaitable[dict[str, Any]]]


def refuse(ls: LessonLServer, status: str, message: str) -> dict[str, Any]:
    ls.tell(message, types.MessageType.Warning)
    return {"status": status, "message": message}


async def start(ls: LessonLServer, command: str, root_arg: str | None, job_name: str,
                busy: Callable[[str], str], run: Runner) -> dict[str, Any]:
    """Find the root's configuration, start `run(job, state)` as that root's `job_name` job and
    wait for its answer. `busy(root_name)` words the refusal while one is already running. The
    job goes on in its own thread; a server shutting down cancels it, processes included."""
    try:
        state = await ls.off_loop(state_from_arg, ls, command, root_arg)
    except LessonLError as exc:
        return refuse(ls, "unavailable", f"LessonL: {exc}")
    if not state.ok:
        return refuse(ls, "unavailable", f"LessonL: configuration is invalid: {state.error}")
    key = (state.root, "", job_name)
    running = ls.jobs.get(key)
    if running is not None:
        message = busy(state.root.name)
        ls.tell(message)
        return {"status": "already_running", "message": message, "jobId": running.id}
    job = ls.jobs.start(Job(key=key, uri=state.root.as_uri(), function=None, start_text="",
                            request_id=ls.protocol.msg_id), lambda j: run(j, state))
    try:
        return await asyncio.shield(job.task)
    except asyncio.CancelledError:  # the server is shutting down: stop the job's processes too
        job.cancel.cancel()
        raise
