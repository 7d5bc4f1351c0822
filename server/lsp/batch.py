"""`lessonl.batch` and `lessonl.acceptBatchWin`: optimize the hottest functions of a repository
(or the ones named) one after another with `lessonl.engine.batch.run_batch`, then let the
person take the verified wins one by one.

The batch is a job (one per root) like an optimization: its own thread and loop, work-done
progress that names the function being worked on, cancel by the progress's button,
`lessonl.cancel` or $/cancelRequest. At the end `lessonl/batchResult` carries the batch's JSON,
the paths of its Markdown / HTML / JSON report and its wins; every win is kept as a Proposal
under "<batchId>:<file>::<function>". Accepting one goes the way of every other result: the
rewrite is merged onto the current document with `results.merged_text` (the function
re-located; refused when the function itself changed) and sent as one `workspace/applyEdit`.
Nothing is applied before the person accepts a win.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams

from ..errors import Cancelled, LessonLError, StaleTargetError
from . import render, results, root_jobs, targets
from .jobs import Job, run_in_thread
from .progress import NOTIFICATION as PROGRESS_NOTIFICATION
from .progress import JobProgress, describe
from .proposals import Proposal
# At run time, not only for type checkers: pygls reads a command handler's annotations.
from .server import LessonLServer

log = logging.getLogger(__name__)
COMMAND = "lessonl.batch"
ACCEPT_COMMAND = "lessonl.acceptBatchWin"
NOTIFICATION = "lessonl/batchResult"
JOB_NAME = "batch"
MAX_TOP = 100


def batch_args(args: tuple[Any, ...]) -> tuple[str | None, int, list[tuple[str, str]] | None, int | None]:
    """(rootUri?, top N | ["FILE::FUNC", ...] | null, rounds? | null) -> (root, top, targets, rounds)."""
    def bad() -> JsonRpcInvalidParams:
        return JsonRpcInvalidParams(
            f"{COMMAND} expects (rootUri?: string | null, top?: integer 1-{MAX_TOP} | [\"FILE::FUNCTION\", ...] "
            f"| null, rounds?: integer >= 1 | null), got {list(args)!r}")

    if len(args) > 3:
        raise bad()
    root, which, rounds = (list(args) + [None, None, None])[:3]
    if root is not None and not isinstance(root, str):
        raise bad()
    top, specs = 3, None
    if _count(which):
        top = which
        if top > MAX_TOP:
            raise bad()
    elif isinstance(which, list) and which and all(isinstance(s, str) and "::" in s for s in which):
        specs = [tuple(s.split("::", 1)) for s in which]
        if any(not f or not n for f, n in specs):
            raise bad()
    elif which is not None:
        raise bad()
    if rounds is not None and not _count(rounds):
        raise bad()
    return root, top, specs, rounds  # type: ignore[return-value]


def _count(value: Any) -> bool:
    return type(value) is int and value >= 1


async def batch(ls: LessonLServer, *args: Any) -> dict[str, Any]:
    root_arg, top, specs, rounds = batch_args(args)
    return await root_jobs.start(ls, COMMAND, root_arg, JOB_NAME,
                                 lambda name: f"LessonL is already running a batch in {name}.",
                                 lambda job, state: _run(ls, job, state, top, specs, rounds))


class _BatchProgress:
    """Per-function progress of a batch: 'count_primes (2 of 3) · round 1/2 · ...'; the
    percentage counts finished functions. Each event also goes out as `lessonl/progress`."""

    def __init__(self, ls: LessonLServer, job: Job, total: int) -> None:
        self._ls, self._job, self._total = ls, job, total
        self._order: list[str] = []
        self._finished: set[str] = set()
        self.inner = JobProgress(ls, job, title="LessonL: batch optimization",
                                 first_message="choosing the functions (the saved profile's hottest)")

    def on_event(self, event: Any) -> None:
        function = getattr(event, "function", "") or ""
        if function and function not in self._order:
            self._order.append(function)
        if getattr(event, "kind", "") == "finished" and function:
            self._finished.add(function)
        self._job.last_event = event
        self._ls.protocol.notify(PROGRESS_NOTIFICATION, {  # function: the name; event.function: FILE::NAME
            "jobId": self._job.id, "uri": self._job.uri, "function": function.rpartition("::")[2],
            "event": event.to_json()})
        total = max(self._total, len(self._order))
        where = (f"{function.rpartition('::')[2] or function} ({self._order.index(function) + 1} of {total}) · "
                 if function else "")
        self.inner.say(where + describe(event), int(100 * len(self._finished) / total))


async def _run(ls: LessonLServer, job: Job, state: Any, top: int, specs: list[tuple[str, str]] | None,
               rounds: int | None) -> dict[str, Any]:
    batch_id = job.id
    tracker = _BatchProgress(ls, job, len(specs) if specs else top)
    await tracker.inner.begin()
    settings = ls.settings.for_root(state.root)
    end = "failed"
    out: dict[str, Any]
    try:
        async def main(token: Any, deliver: Any) -> Any:
            from ..engine.batch import BatchRequest, run_batch

            request = BatchRequest(root=state.root, targets=specs, top=top, rounds=rounds,
                                   overrides=settings.overrides or None,
                                   agent_env=dict(settings.api_keys) or None)
            return await run_batch(request, on_progress=deliver, cancel=token)

        result = await run_in_thread(job, main, tracker.on_event)
        out = _deliver(ls, batch_id, state, result)
        end = out["message"]
        ls.tell(end)
    except Cancelled:
        end = "LessonL: batch cancelled."
        ls.tell(end)
        out = _empty(batch_id, state, "cancelled", end)
    except LessonLError as exc:  # no saved profile for --top, a bad spec, no benchmark, ...
        end = f"LessonL: batch failed: {exc}"
        ls.tell(end, types.MessageType.Error)
        out = _empty(batch_id, state, "error", end)
    except ImportError as exc:
        end = f"LessonL: batch optimization is not available in this installation ({exc})."
        ls.tell(end, types.MessageType.Error)
        out = _empty(batch_id, state, "error", end)
    except asyncio.CancelledError:
        end = "cancelled"
        raise
    except Exception as exc:  # our bug: log it fully, tell the person one line
        log.exception("batch %s failed", batch_id)
        end = f"LessonL: internal error in the batch: {type(exc).__name__}: {exc}"
        ls.tell(end, types.MessageType.Error)
        out = _empty(batch_id, state, "error", end)
    finally:
        tracker.inner.end(end)
    ls.protocol.notify(NOTIFICATION, out)
    return out


def _empty(batch_id: str, state: Any, status: str, message: str) -> dict[str, Any]:
    return {"batchId": batch_id, "status": status, "message": message, "root": str(state.root),
            "result": None, "report": {}, "wins": []}


def _deliver(ls: LessonLServer, batch_id: str, state: Any, result: Any) -> dict[str, Any]:
    """Keep every win for acceptBatchWin; the payload of `lessonl/batchResult`."""
    wins = []
    allow_unisolated = bool(state.config.sandbox.allow_unisolated)
    for item in result.wins:
        summary = item.summary
        uri = (state.root / summary.file).as_uri()
        # A win judged without a sandbox could be forged: offered only with the opt-in.
        acceptable = allow_unisolated or not summary.unisolated
        if acceptable:
            ls.batch_wins.add(Proposal(job_id=f"{batch_id}:{summary.key}", result_id=None, uri=uri,
                                       file=summary.file, function=summary.ref(),
                                       start_text=summary.original_text, new_text=summary.new_text))
        wins.append({"key": summary.key, "file": summary.file, "function": summary.qualified_name,
                     "uri": uri, "speedup": summary.speedup, "ci": list(summary.ci) if summary.ci else None,
                     "unisolated": summary.unisolated, "acceptable": acceptable})
    counts = {s: sum(1 for i in result.items if i.status == s) for s in ("won", "no_win", "failed", "skipped")}
    status = "cancelled" if result.cancelled else "ok"
    message = (f"LessonL: batch {'cancelled' if result.cancelled else 'done'}: {len(result.items)} function(s), "
               f"{len(wins)} verified win(s)")
    extra = [f"{n} {s.replace('_', ' ')}" for s, n in counts.items() if n and s != "won"]
    if extra:
        message += f" ({', '.join(extra)})"
    combined = getattr(result.combined, "verdict", None)
    if combined is not None and getattr(combined, "speedup", None):
        message += f"; together {render.speedup(combined.speedup, getattr(combined, 'ci', None))} on the whole benchmark"
    return {"batchId": batch_id, "status": status, "message": message + ".", "root": str(state.root),
            "result": _lean(result.to_json()), "report": dict(result.report_paths), "wins": wins}


# Whole files: the server keeps them for acceptBatchWin; the editor needs only the diff.
_HEAVY = ("original_text", "new_text", "target")


def _lean(data: dict[str, Any]) -> dict[str, Any]:
    """The batch's JSON without each function's whole-file texts (a batch over large files
    would otherwise send megabytes to the editor)."""
    for item in data.get("items", []):
        summary = item.get("summary")
        if isinstance(summary, dict):
            for key in _HEAVY:
                summary.pop(key, None)
    return data


def _accept_args(args: tuple[Any, ...]) -> tuple[str, str]:
    if len(args) != 2 or not all(isinstance(a, str) and a for a in args) or "::" not in args[1]:
        raise JsonRpcInvalidParams(f"{ACCEPT_COMMAND} expects (batchId: string, function: \"FILE::FUNCTION\"), "
                                   f"got {list(args)!r}")
    return args[0], args[1]


async def accept_win(ls: LessonLServer, *args: Any) -> dict[str, Any]:
    """Apply one win of a finished batch to the document as it reads now (one edit, one undo)."""
    batch_id, key = _accept_args(args)
    proposal = ls.batch_wins.get(f"{batch_id}:{key}")
    if proposal is None:
        return root_jobs.refuse(ls, "unknown", f"LessonL: batch {batch_id} has no win to accept for {key} here (the "
                       "language server restarted, it was not a verified win, or it was judged without a "
                       "sandbox and [sandbox] allow_unisolated is off); run the batch again.")
    name = proposal.name
    _, current, version = await ls.off_loop(targets.document, ls, proposal.uri)
    try:
        merged = await ls.off_loop(results.merged_text, proposal.start_text, proposal.new_text, current,
                                   proposal.function, proposal.file)
    except StaleTargetError as exc:
        return root_jobs.refuse(ls, "stale", f"LessonL: {name} in {proposal.file} changed since the batch "
                       f"({exc.message}); nothing was applied. Run the batch or an optimization again.")
    label = f"LessonL: batch win for {name}"
    caps = ls.client_capabilities.workspace
    if not (caps and caps.apply_edit):
        return root_jobs.refuse(ls, "not_applied", f"{label}: this editor cannot apply edits from the server.")
    edit = await ls.off_loop(results.workspace_edit, ls, proposal.uri, version, current, merged, label,
                             "Verified by your build, tests and benchmarks in a LessonL batch.", False)
    response = await ls.workspace_apply_edit_async(types.ApplyWorkspaceEditParams(edit=edit, label=label))
    applied = bool(response and response.applied)
    if not applied:
        reason = getattr(response, "failure_reason", None) if response else None
        return root_jobs.refuse(ls, "not_applied", f"{label}: the edit was not applied" + (f" ({reason})" if reason else ""))
    ls.log(f"{label}: applied")
    return {"status": "ok", "applied": True, "uri": proposal.uri, "file": proposal.file, "function": name,
            "message": f"{label}: applied to {proposal.file}"}


def register(server: LessonLServer) -> None:
    server.command(COMMAND)(batch)
    server.command(ACCEPT_COMMAND)(accept_win)
