"""A thin `LanguageServer` that owns the shared objects: the workspaces (config + lesson bank
per root), the client settings, the running jobs and the proposals awaiting review.

The features live in their own modules (code_actions, commands, hover, ...); each exposes
`register(server)` and imports this module's `LessonLServer` for annotations only. app.py
builds the server and registers them, so this module imports no feature.
"""
from __future__ import annotations

import asyncio
import contextvars
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, TypeVar

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams, JsonRpcMethodNotFound
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol, lsp_method

from .. import __version__
from . import SERVER_NAME, validation
from .jobs import JobManager
from .proposals import Proposals
from .settings import Settings
from .workspaces import Workspaces

T = TypeVar("T")
log = logging.getLogger(__name__)

# The work-done token a client attached to the `workspace/executeCommand` request being run.
# pygls hands commands only their arguments, so the protocol below stashes the token here;
# the command's task copies the context when it is created, so each command sees its own.
client_work_done_token: contextvars.ContextVar[types.ProgressToken | None] = contextvars.ContextVar(
    "client_work_done_token", default=None)


class LessonLProtocol(LanguageServerProtocol):
    """Standard protocol, plus: malformed params are answered (InvalidParams, see validation.py),
    and the client's workDoneToken of executeCommand is remembered."""

    def __init__(self, server: Any, converter: Any) -> None:
        validation.strict_primitives(converter)
        super().__init__(server, converter)

    def structure_message(self, data: dict[str, Any]) -> Any:
        """pygls raises out of `json.loads` here and the request is never answered: return
        the problem instead, for `handle_message` to answer."""
        try:
            message = super().structure_message(data)
        except JsonRpcException as exc:
            return validation.malformed(data, exc.__cause__)
        return (validation.loose(data) if "jsonrpc" in data else None) or message

    def handle_message(self, message: Any) -> None:
        if isinstance(message, validation.Malformed):
            if not self._shutdown:
                validation.answer(self, message)
            return
        super().handle_message(message)

    @lsp_method(types.WORKSPACE_EXECUTE_COMMAND)
    def lsp_workspace__execute_command(self, params: types.ExecuteCommandParams):
        client_work_done_token.set(params.work_done_token)
        return (yield from super().lsp_workspace__execute_command(params))

    def _handle_cancel_notification(self, msg_id: Any) -> None:
        """$/cancelRequest for a running `lessonl.optimize` cancels its job.

        pygls runs commands behind its own executeCommand handler, so cancelling the request
        only drops the response; the job (and its processes) must be told separately.
        """
        job = self._server.jobs.by_request_id(msg_id)
        if job is not None:
            self._server.log(f"LessonL: request cancelled; stopping {job.describe()}")
            job.cancel.cancel()
        super()._handle_cancel_notification(msg_id)


class LessonLServer(LanguageServer):
    """Shared state of one server process; features reach it through their `ls` argument."""

    def __init__(self) -> None:
        super().__init__(SERVER_NAME, __version__, protocol_cls=LessonLProtocol,
                         text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        # Bank reads and parsing run here so that hover/code actions never wait on the disk
        # inside the event loop; a few workers are enough, the engine has its own threads.
        self.executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="lessonl-io")
        self.settings = Settings()
        self.workspaces = Workspaces(self)
        self.jobs = JobManager(self)
        self.proposals = Proposals()  # results waiting in a client's own review (mergeResult)
        self.batch_wins = Proposals(size=256)  # verified wins of finished batches (acceptBatchWin)
        # Set once the client's settings were read after `initialized`: features wait for it
        # (briefly) so that the first code action already sees the settings' config overrides.
        self.settings_ready = asyncio.Event()

    async def ready(self, timeout: float = 2.0) -> None:
        if not self.settings_ready.is_set():
            try:
                await asyncio.wait_for(self.settings_ready.wait(), timeout)
            except asyncio.TimeoutError:
                pass  # a client that never answers must not stall every request

    async def off_loop(self, fn: Callable[..., T], *args: Any) -> T:
        """Run blocking work (bank, parsing, config files) without stalling other requests."""
        await self.ready()
        return await asyncio.get_running_loop().run_in_executor(self.executor, fn, *args)

    # -- talking to the person: logs and messages, never tracebacks ---------------------
    def log(self, message: str, level: types.MessageType = types.MessageType.Log) -> None:
        try:
            self.window_log_message(types.LogMessageParams(type=level, message=message))
        except Exception:  # no client connected (e.g. during shutdown)
            pass

    def tell(self, message: str, level: types.MessageType = types.MessageType.Info) -> None:
        self.log(message, level)
        try:
            self.window_show_message(types.ShowMessageParams(type=level, message=message))
        except Exception:
            pass

    async def refresh_code_lenses(self) -> None:
        """`workspace/codeLens/refresh` where the client supports it: every open file asks for its
        lenses again (a new profile, a changed threshold)."""
        caps = self.client_capabilities.workspace
        if not (caps and caps.code_lens and caps.code_lens.refresh_support):
            return
        try:
            await self.workspace_code_lens_refresh_async(None)
        except Exception as exc:
            self.log(f"LessonL: the client did not refresh its code lenses: {exc}")

    def client_declares(self, feature: str) -> bool:
        """Whether the client said `experimental.lessonl.<feature>: true` in initialize
        (`resultView`: it renders lessonl/* itself; `reviewUI`: it reviews results itself)."""
        experimental = self.client_capabilities.experimental
        lessonl = experimental.get("lessonl") if isinstance(experimental, dict) else None
        return isinstance(lessonl, dict) and bool(lessonl.get(feature))

    def forward_logging(self) -> None:
        """Send the engine's own log records (any thread) to the client's output log."""
        handler = _ClientLogHandler(self, asyncio.get_running_loop())
        handler.setLevel(logging.INFO)
        root = logging.getLogger("lessonl")
        root.addHandler(handler)
        root.setLevel(min(root.getEffectiveLevel(), logging.INFO))

    def report_server_error(self, error: Exception, source: Any) -> None:
        """pygls would show 'Error in server: <repr>'; we log it and show one plain line.
        The client's own mistakes (bad params, an unknown method, a body that is not JSON) were
        answered: no popup."""
        if isinstance(error, (JsonRpcInvalidParams, JsonRpcMethodNotFound)) \
                or validation.parse_error(self.protocol, error):
            log.warning("the client sent a bad request: %s", error)
            return
        log.error("internal error: %r", error, exc_info=error)
        if source.__name__ == "FeatureRequestError":
            return  # the request's error response already tells the client
        self.tell(f"LessonL: internal error ({type(error).__name__}: {error}). "
                  "See the LessonL output log.", types.MessageType.Error)

    def shutdown(self) -> None:
        """Also stop running jobs: their builds and benchmarks must not outlive the server."""
        try:
            self.jobs.cancel_all_and_wait(timeout=10.0)
        finally:
            from ..procs import kill_all_groups
            from ..localmodel import stop_all_now  # managed llama.cpp servers go with us

            if killed := kill_all_groups():  # an engine thread too busy to clean up in time
                log.warning("killed %d process group(s) left by jobs at exit", killed)
            stop_all_now()
            self.executor.shutdown(wait=False, cancel_futures=True)
            super().shutdown()


class _ClientLogHandler(logging.Handler):
    _LEVELS = {logging.ERROR: types.MessageType.Error, logging.WARNING: types.MessageType.Warning,
               logging.INFO: types.MessageType.Info}

    def __init__(self, ls: LessonLServer, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self._ls = ls
        self._loop = loop

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith("lessonl.lsp"):
            return  # the server's own messages already go to the client through ls.log
        level = self._LEVELS.get(record.levelno, types.MessageType.Log)
        message = f"{record.name}: {record.getMessage()}"
        try:
            self._loop.call_soon_threadsafe(self._ls.log, message, level)
        except RuntimeError:  # loop closed: exiting
            pass

