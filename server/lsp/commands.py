"""workspace/executeCommand: optimize, cancel, and the lesson bank commands.

Arguments are positional (LSP `arguments` array); every command answers with a plain JSON
object, documented in docs/lsp-protocol.md. A bad argument is an InvalidParams error that
says what was expected; a LessonL problem (no config, unsupported language, ...) is a
`window/showMessage` plus a `{"status": ..., "message": ...}` answer, never a traceback.
"""
from __future__ import annotations

import asyncio
import logging
from functools import partial
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams
from pygls.uris import to_fs_path

from ..errors import Cancelled, LessonLError
from . import render, results, targets
from .jobs import Job, run_engine
from .progress import JobProgress
# At run time, not only for type checkers: pygls reads a command handler's annotations
# (typing.get_type_hints) when it runs the command. No circle: server.py imports no feature.
from .server import LessonLServer

log = logging.getLogger(__name__)
LESSONS_NOTIFICATION = "lessonl/lessons"
DEFAULT_LIST_LIMIT = 200


def _bad(message: str) -> JsonRpcInvalidParams:
    return JsonRpcInvalidParams(message)


def position_args(command: str, args: tuple[Any, ...]) -> tuple[str, int, int]:
    """(uri, line0, character), also accepted as one {"uri", "line", "character"} object."""
    if len(args) == 1 and isinstance(args[0], dict):
        d = args[0]
        args = (d.get("uri"), d.get("line", d.get("line0")), d.get("character", 0))
    if len(args) != 3 or not isinstance(args[0], str) or not all(
            isinstance(a, int) and not isinstance(a, bool) and a >= 0 for a in args[1:]):
        raise _bad(f"{command} expects (uri: string, line0: integer >= 0, character: integer >= 0), "
                   f"got {list(args)!r}")
    return args[0], args[1], args[2]


def arg_names(command: str) -> tuple[str, str]:
    """How errors name the uri and line arguments (for targets.resolve's checks)."""
    return f"{command}: uri (argument 1)", f"{command}: line0 (argument 2)"


def _unavailable(ls: LessonLServer, status: str, message: str) -> dict[str, Any]:
    ls.tell(message, types.MessageType.Warning)
    return {"status": status, "message": message}


def _disk_text(path: Path) -> str | None:
    """The saved file as the engine will read it: line endings kept (a CRLF buffer must equal
    its CRLF file) and decoded as lessonl.code.source decodes it (UTF-8, BOM, Latin-1)."""
    from ..code.source import read_source

    try:
        return read_source(path)[0]
    except LessonLError:
        return None


async def optimize(ls: LessonLServer, *args: Any) -> dict[str, Any]:
    uri, line0, character = position_args("lessonl.optimize", args)
    target = await ls.off_loop(partial(targets.resolve, names=arg_names("lessonl.optimize")),
                               ls, uri, line0, character)
    if target.problem:
        return _unavailable(ls, "unavailable", f"LessonL: {target.problem}")
    if target.function is None:
        return _unavailable(ls, "no_function", "LessonL: put the cursor inside a function to optimize it.")
    on_disk = await ls.off_loop(_disk_text, target.path)
    if on_disk != target.text:
        return _unavailable(ls, "unsaved", f"LessonL: save {target.path.name} first: builds and "
                            "benchmarks run on the saved file.")
    key = (target.state.root, target.file_rel, target.function.qualified_name)
    running = ls.jobs.get(key)
    if running is not None:
        message = f"LessonL is already optimizing {running.describe()}."
        ls.tell(message)
        return {"status": "already_running", "message": message, "jobId": running.id}
    job = ls.jobs.start(Job(key=key, uri=uri, function=target.function, start_text=target.text,
                            request_id=ls.protocol.msg_id),
                        lambda j: _run(ls, j, (line0, character)))
    try:
        return await asyncio.shield(job.task)
    except asyncio.CancelledError:  # the server is shutting down: stop the job's processes too
        job.cancel.cancel()
        raise


def _request(ls: LessonLServer, job: Job, position: tuple[int, int]) -> Any:
    from ..engine.request import OptimizeRequest

    root, file_rel, _ = job.key
    settings = ls.settings.for_root(root)
    # Keys from the client go only to the LLM clients (agent_env), never into the environment
    # of the user's build, tests and benchmarks.
    return OptimizeRequest(root=root, file_rel=file_rel, position=position,
                           overrides=settings.overrides or None,
                           agent_env=dict(settings.api_keys) or None)


async def _run(ls: LessonLServer, job: Job, position: tuple[int, int]) -> dict[str, Any]:
    progress = JobProgress(ls, job)
    await progress.begin()
    ls.log(f"LessonL: optimizing {job.name} in {job.key[1]} (job {job.id})")
    end_message = "failed"
    try:
        request = _request(ls, job, position)
        result = await run_engine(job, request, progress.report)
        out = await results.deliver(ls, job, result)
        end_message = out["message"]
        return out
    except Cancelled:
        end_message = f"LessonL: optimization of {job.name} cancelled."
        ls.tell(end_message)
        out = results.summary(job, "cancelled", end_message)
    except LessonLError as exc:
        end_message = f"LessonL: {exc}"
        ls.tell(end_message, types.MessageType.Error)
        out = results.summary(job, "error", end_message)
    except ImportError as exc:
        end_message = f"LessonL: the optimization engine is not available ({exc})."
        ls.tell(end_message, types.MessageType.Error)
        out = results.summary(job, "error", end_message)
    except asyncio.CancelledError:
        end_message = "cancelled"
        raise
    except Exception as exc:  # our bug: log it fully, tell the person one line
        log.exception("job %s failed", job.id)
        end_message = f"LessonL: internal error while optimizing {job.name}: {type(exc).__name__}: {exc}"
        ls.tell(end_message, types.MessageType.Error)
        out = results.summary(job, "error", end_message)
    finally:
        progress.end(end_message)
    ls.protocol.notify(results.NOTIFICATION, out)
    return out


async def cancel(ls: LessonLServer, *args: Any) -> dict[str, Any]:
    """No argument: every job. A job id, or (uri, line0, character): that function's job."""
    if not args:
        jobs = ls.jobs.running()
    elif len(args) == 1 and isinstance(args[0], str):
        job = ls.jobs.by_id(args[0])
        jobs = [job] if job else []
    else:
        try:
            uri, line0, character = position_args("lessonl.cancel", args)
        except JsonRpcInvalidParams:
            raise _bad("lessonl.cancel expects no argument (every job), (jobId: string) or (uri: string, "
                       f"line0: integer >= 0, character: integer >= 0), got {list(args)!r}") from None
        # Finding the function loads the config and parses the file: off the event loop.
        target = await ls.off_loop(partial(targets.resolve, names=arg_names("lessonl.cancel")),
                                   ls, uri, line0, character)
        jobs = [j for j in ls.jobs.running() if target.function is not None and target.state is not None
                and j.key == (target.state.root, target.file_rel, target.function.qualified_name)]
    for job in jobs:
        ls.log(f"LessonL: cancelling {job.describe()}")
        job.cancel.cancel()
    return {"cancelled": [j.id for j in jobs]}


def show_lessons_payload(ls: LessonLServer, uri: str, line0: int, character: int) -> dict[str, Any]:
    target = targets.resolve(ls, uri, line0, character, names=arg_names("lessonl.showLessons"))
    if target.problem:
        return {"status": "unavailable", "message": f"LessonL: {target.problem}"}
    if target.function is None:
        return {"status": "no_function", "message": "LessonL: put the cursor inside a function."}
    bank = ls.workspaces.bank(target.state)
    if bank is None:
        return {"status": "error", "message": f"LessonL: {target.state.bank_error}"}
    name = target.function.qualified_name
    lessons = sorted(bank.for_function(target.file_rel, name), key=lambda l: l.speedup * l.factor, reverse=True)
    result = bank.latest_result(target.file_rel, name, target.function.text_hash)
    return {"status": "ok", "uri": uri, "root": str(target.state.root), "file": target.file_rel,
            "function": name, "result": render.result_json(result) if result else None,
            "lessons": [render.lesson_json(l) for l in lessons],
            "message": f"LessonL: {len(lessons)} lesson(s) for {name}"}


async def show_lessons(ls: LessonLServer, *args: Any) -> dict[str, Any]:
    uri, line0, character = position_args("lessonl.showLessons", args)
    out = await ls.off_loop(show_lessons_payload, ls, uri, line0, character)
    if out["status"] != "ok":
        return _unavailable(ls, out["status"], out["message"])
    ls.protocol.notify(LESSONS_NOTIFICATION, out)
    if not ls.client_declares("resultView"):
        lines = [out["message"] + (":" if out["lessons"] else ".")]
        lines += [f"- {l['outcome'].replace('_', ' ')}"
                  + (f" {l['speedup']:.2f}×" if l["speedup"] else "") + f": {render.one_line(l['text'], 160)}"
                  for l in out["lessons"][:10]]
        ls.tell("\n".join(lines))
    return out


def state_from_arg(ls: LessonLServer, command: str, arg: Any) -> Any:
    """A root from a file or folder URI, or the only/first workspace folder with a config."""
    if arg is not None and not isinstance(arg, str):
        raise _bad(f"{command}: the first argument must be a file or folder URI, got {arg!r}")
    candidates = [arg] if arg else [f.uri for f in ls.workspace.folders.values()] or (
        [ls.workspace.root_uri] if ls.workspace.root_uri else [])
    for uri in candidates:
        path = Path(to_fs_path(uri) or uri)
        probe = path / "lessonl.toml" if path.is_dir() else path
        state = ls.workspaces.state_for(probe)
        if state is not None:
            return state
    raise LessonLError("no LessonL repository here", hint="run `lessonl init` in the repository root")


def list_lessons_payload(ls: LessonLServer, root_arg: Any, limit: int) -> dict[str, Any]:
    state = state_from_arg(ls, "lessonl.listLessons", root_arg)
    bank = _bank_or_raise(ls, state)
    lessons = sorted(bank.lessons(), key=lambda l: l.speedup * l.factor, reverse=True)
    return {"status": "ok", "root": str(state.root), "total": len(lessons),
            "lessons": [render.lesson_json(l) for l in lessons[:limit]]}


def _bank_or_raise(ls: LessonLServer, state: Any) -> Any:
    if not state.ok:
        raise LessonLError(f"configuration is invalid: {state.error}")
    bank = ls.workspaces.bank(state)
    if bank is None:
        raise LessonLError(state.bank_error or "the lesson bank cannot be opened")
    return bank


def root_and_path(command: str, args: tuple[Any, ...]) -> tuple[str | None, str]:
    """(rootUri | null, path) or (path): checked before any work, so that a wrong call is
    InvalidParams even where there is no LessonL repository."""
    root_arg, raw = (None, args[0]) if len(args) == 1 else args if len(args) == 2 else (None, None)
    if not (root_arg is None or isinstance(root_arg, str)) or not isinstance(raw, str) or not raw:
        raise _bad(f"{command} expects (rootUri: string | null, path: string) or (path: string), "
                   f"got {list(args)!r}")
    return root_arg, raw


def _io_path(state: Any, raw: str) -> Path:
    path = Path(to_fs_path(raw) or raw) if raw.startswith("file:") else Path(raw)
    return path if path.is_absolute() else state.root / path


def export_payload(ls: LessonLServer, root_arg: Any, raw_path: Any) -> dict[str, Any]:
    state = state_from_arg(ls, "lessonl.exportLessons", root_arg)
    path = _io_path(state, raw_path)
    bank = _bank_or_raise(ls, state)
    written = bank.export_jsonl(path)
    count = written if isinstance(written, int) else len(bank.lessons())
    return {"status": "ok", "root": str(state.root), "path": str(path), "count": count,
            "message": f"LessonL: exported {count} lesson(s) to {path}"}


def import_payload(ls: LessonLServer, root_arg: Any, raw_path: Any) -> dict[str, Any]:
    state = state_from_arg(ls, "lessonl.importLessons", root_arg)
    path = _io_path(state, raw_path)
    if not path.is_file():
        raise LessonLError(f"{path}: no such file", hint="give the path of a JSON Lines export")
    report = _bank_or_raise(ls, state).import_jsonl(path)
    data = report.to_json() if hasattr(report, "to_json") else dict(getattr(report, "__dict__", {}))
    return {"status": "ok", "root": str(state.root), "path": str(path), "report": data,
            "message": f"LessonL: imported lessons from {path}: {data}"}


async def _bank_command(ls: LessonLServer, fn: Any, *args: Any) -> dict[str, Any]:
    try:
        out = await ls.off_loop(fn, ls, *args)
    except LessonLError as exc:
        return _unavailable(ls, "error", f"LessonL: {exc}")
    if "message" in out:
        ls.log(out["message"])
    return out


def register(server: LessonLServer) -> None:
    server.command("lessonl.optimize")(optimize)
    server.command("lessonl.showLessons")(show_lessons)
    server.command("lessonl.cancel")(cancel)

    @server.command("lessonl.listLessons")
    async def list_lessons(ls: LessonLServer, *args: Any) -> dict[str, Any]:
        if len(args) > 2 or (len(args) == 2 and not (type(args[1]) is int and args[1] > 0)):
            raise _bad(f"lessonl.listLessons expects (rootUri?: string | null, limit?: integer > 0), "
                       f"got {list(args)!r}")
        limit = args[1] if len(args) == 2 else DEFAULT_LIST_LIMIT
        return await _bank_command(ls, list_lessons_payload, args[0] if args else None, limit)

    @server.command("lessonl.exportLessons")
    async def export_lessons(ls: LessonLServer, *args: Any) -> dict[str, Any]:
        return await _bank_command(ls, export_payload, *root_and_path("lessonl.exportLessons", args))

    @server.command("lessonl.importLessons")
    async def import_lessons(ls: LessonLServer, *args: Any) -> dict[str, Any]:
        return await _bank_command(ls, import_payload, *root_and_path("lessonl.importLessons", args))

    @server.command("lessonl.listJobs")
    def list_jobs(ls: LessonLServer, *args: Any) -> dict[str, Any]:
        if args:
            raise _bad(f"lessonl.listJobs takes no arguments, got {list(args)!r}")
        return {"jobs": [j.to_json() for j in ls.jobs.running()]}
