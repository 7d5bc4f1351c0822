"""One managed llama.cpp server process: start, health-check, watch, stop.

The server runs `python -m llama_cpp.server` from LessonL's own Python (so `lessonl[local]`
is all a user installs), on a loopback port, in its own process group, with its output in a
log file under the cache folder that every error names. It must never outlive LessonL: it is
stopped with its job, by an atexit hook, and, on Linux, by the kernel when the thread that
started it dies (PR_SET_PDEATHSIG), which also covers a LessonL killed with SIGKILL. That
signal follows the starting THREAD, not the process, so servers are started from the pool's
own long-lived thread (pool.py), never from a job's thread that ends with the job.
"""
from __future__ import annotations

import asyncio
import atexit
import importlib.util
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Callable

from ..procs.logtail import tail
from .http import HttpFailure, request
from .errors import (INSTALL_HINT, LocalServerDiedError, LocalServerMissingError,
                     LocalServerStartError, ModelFileError, PortInUseError)
from .ports import free_port, port_taken
from ..procs import signal_group

HOST = "127.0.0.1"
GGUF_MAGIC = b"GGUF"
# Enough for the loop's prompts (a function of up to ~6,000 characters plus k lessons) and a
# rewrite; llama.cpp caps it at the model's own training context anyway.
DEFAULT_N_CTX = 8192
STARTUP_TIMEOUT_S = 120.0  # loading a 7B GGUF from a cold disk can take a minute
STOP_GRACE_S = 5.0
POLL_S = 0.2
KEEP_LOGS = 20  # server logs kept in the cache folder
# The modules `python -m llama_cpp.server` imports: the server extra of llama-cpp-python.
SERVER_MODULES = ("llama_cpp", "uvicorn", "fastapi", "sse_starlette", "starlette_context", "pydantic_settings")


def default_threads() -> int:
    """About half the CPUs (physical cores on machines with hyper-threading), at most 8, and
    one on machines with two or fewer. llama.cpp's threads spin at a barrier per token, so when
    they outnumber the free cores (builds and timings of the judge run meanwhile) generation
    collapses: on a busy 2-core machine 2 threads gave 3.6 tokens/s and 1 thread 26."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cpus = os.cpu_count() or 1
    return 1 if cpus <= 2 else min(8, cpus // 2)


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "lessonl" / "local-models"


@dataclass(frozen=True)
class ServerSpec:
    """What to serve and how. Agents whose specs are equal share one server."""

    model_path: Path
    alias: str = ""  # the model name the server lists and answers to; default: the file's stem
    n_ctx: int = DEFAULT_N_CTX
    n_threads: int = field(default_factory=default_threads)
    port: int = 0  # 0: a free port is picked
    startup_timeout: float = STARTUP_TIMEOUT_S
    # argv that replaces `python -m llama_cpp.server` (tests use a tiny stand-in server).
    launcher: tuple[str, ...] = ()

    @property
    def model_name(self) -> str:
        return self.alias or self.model_path.stem

    def argv(self, port: int) -> list[str]:
        launcher = list(self.launcher) or [sys.executable, "-m", "llama_cpp.server"]
        return [*launcher, "--model", str(self.model_path), "--model_alias", self.model_name,
                "--host", HOST, "--port", str(port), "--n_ctx", str(self.n_ctx),
                "--n_threads", str(self.n_threads)]


def check_model_file(path: Path, key: str = "agents.model_path") -> Path:
    """The resolved GGUF file, or a ModelFileError saying what is wrong with it."""
    path = Path(os.path.expanduser(str(path)))
    if not path.exists():
        raise ModelFileError(f"model file not found: {path}", key=key,
                             hint="set model_path to an existing .gguf file, or use base_url for a running server")
    if not path.is_file():
        raise ModelFileError(f"model_path is not a file: {path}", key=key, hint="point it at the .gguf file itself")
    try:
        with path.open("rb") as handle:
            magic = handle.read(4)
    except OSError as exc:
        raise ModelFileError(f"cannot read model file {path}: {exc.strerror}", key=key,
                             hint="check the file's permissions") from exc
    if magic != GGUF_MAGIC:
        raise ModelFileError(f"{path} is not a GGUF model file", key=key,
                             hint="llama.cpp needs a .gguf file (convert the model, or download a GGUF build)")
    return path.resolve()


def check_server_installed() -> None:
    missing = [m for m in SERVER_MODULES if importlib.util.find_spec(m) is None]
    if missing:
        raise LocalServerMissingError(
            f"a managed local model needs llama-cpp-python with its server extra; missing: {', '.join(missing)}",
            key="agents.model_path", hint=INSTALL_HINT)


class LlamaServer:
    """One server process. `await start()` returns once it answers GET /v1/models."""

    def __init__(self, spec: ServerSpec, log_dir: Path | None = None) -> None:
        self.spec = spec
        self.log_dir = log_dir or cache_dir()
        self.port = 0
        self.log_path: Path | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self.started_at = 0.0

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}/v1"

    @property
    def model_name(self) -> str:
        return self.spec.model_name

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def describe(self) -> str:
        return f"local model server for {self.spec.model_path.name} at {self.base_url}"

    # ---- starting --------------------------------------------------------------------------
    async def start(self) -> "LlamaServer":
        """Spawn and health-check. Call from the pool's thread (see the module doc)."""
        check_model_file(self.spec.model_path)
        if self.spec.port:
            self._choose_port()  # a taken fixed port is the user's to fix, whatever is installed
        if not self.spec.launcher:
            check_server_installed()
        for attempt in (1, 2):
            self.port = self._choose_port()
            self._spawn()
            try:
                await self._wait_healthy()
                return self
            except PortInUseError:
                await self.stop()
                if self.spec.port or attempt == 2:
                    raise
                # Another program took the free port between our check and the server's bind.
            except BaseException:
                await self.stop()
                raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _choose_port(self) -> int:
        if not self.spec.port:
            return free_port(HOST)
        if port_taken(HOST, self.spec.port):
            raise PortInUseError(f"port {self.spec.port} on {HOST} is already in use by another program",
                                 key="agents", hint="stop the program using it, choose another port, or "
                                 "remove `port` so that LessonL picks a free one", port=self.spec.port)
        return self.spec.port

    def _spawn(self) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        _prune_logs(self.log_dir)
        self.log_path = self.log_dir / f"{self.spec.model_path.stem}-{self.port}.log"
        argv = self.spec.argv(self.port)
        self._log = self.log_path.open("wb")
        self._log.write(("$ " + " ".join(argv) + "\n").encode())
        self._log.flush()
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self._log,
                                        stderr=subprocess.STDOUT, env=env, start_new_session=True,
                                        preexec_fn=_parent_death_signal(), close_fds=True)
        self.started_at = time.monotonic()
        _LIVE.add(self)

    async def _wait_healthy(self) -> None:
        deadline = time.monotonic() + self.spec.startup_timeout
        while True:
            assert self.process is not None
            if self.process.poll() is not None:
                raise self._start_failure(f"exited with status {self.process.returncode} while starting")
            try:
                reply = await asyncio.to_thread(request, "GET", f"{self.base_url}/models", timeout=2.0)
                if reply.status == 200:
                    return
            except HttpFailure:
                pass
            if time.monotonic() > deadline:
                raise self._start_failure(f"did not answer within {self.spec.startup_timeout:g} s")
            await asyncio.sleep(POLL_S)

    def _start_failure(self, what: str) -> Exception:
        log = self.log_text()
        if "address already in use" in log.lower():
            return PortInUseError(f"port {self.port} on {HOST} was taken while the local model server started",
                                  key="agents", hint="try again; leave the port unset so a free one is picked",
                                  port=self.port)
        last = tail(log, 8).strip()
        return LocalServerStartError(
            f"the {self.describe()} {what}; log: {self.log_path}" + (f"; last lines:\n{last}" if last else ""),
            log_path=str(self.log_path or ""), hint=self._start_hint(log))

    def _start_hint(self, log: str) -> str:
        lowered = log.lower()
        if "failed to load model" in lowered or "unknown model architecture" in lowered:
            return "this llama.cpp build cannot load that GGUF file; update llama-cpp-python or use another file"
        if "no module named" in lowered:
            return INSTALL_HINT
        return f"read the log {self.log_path}"

    # ---- watching --------------------------------------------------------------------------
    def check(self) -> None:
        """Raise LocalServerDiedError if the process is gone (used before and after a job)."""
        if self.process is None or self.process.poll() is None:
            return
        last = tail(self.log_text(), 8).strip()
        raise LocalServerDiedError(
            f"the {self.describe()} stopped (exit status {self.process.returncode}); log: {self.log_path}"
            + (f"; last lines:\n{last}" if last else ""),
            log_path=str(self.log_path or ""),
            hint="lessons banked so far are kept; read the log (out of memory? a crash?) and run again")

    def log_text(self) -> str:
        if self._log is not None:
            try:
                self._log.flush()
            except (OSError, ValueError):
                pass
        try:
            return self.log_path.read_text(errors="replace") if self.log_path else ""
        except OSError:
            return ""

    # ---- stopping --------------------------------------------------------------------------
    async def stop(self, grace: float = STOP_GRACE_S) -> None:
        """SIGTERM the whole group, wait up to `grace`, then SIGKILL; idempotent."""
        process = self.process
        if process is not None and process.poll() is None:
            signal_group(process.pid, signal.SIGTERM)
            deadline = time.monotonic() + grace
            while process.poll() is None and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
        self._finish()

    def stop_now(self, grace: float = 2.0) -> None:
        """The blocking form of stop(), for atexit and signal handlers."""
        process = self.process
        if process is not None and process.poll() is None:
            signal_group(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                pass
        self._finish()

    def _finish(self) -> None:
        process = self.process
        if process is not None:
            signal_group(process.pid, signal.SIGKILL)  # anything left in the group
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL cannot be ignored
                pass
        if self._log is not None:
            try:
                self._log.close()
            except OSError:
                pass
            self._log = None
        _LIVE.discard(self)


def _prune_logs(folder: Path, keep: int = KEEP_LOGS) -> None:
    """Logs are named by port, so a new one is written per start: keep only the newest few."""
    try:
        logs = sorted(folder.glob("*.log"), key=lambda p: p.stat().st_mtime, reverse=True)
    except OSError:
        return
    for old in logs[keep:]:
        try:
            old.unlink()
        except OSError:
            pass



def _parent_death_signal() -> Callable[[], None] | None:
    """A preexec function asking Linux to SIGTERM the child when the thread that started it
    dies. prctl is looked up here, in the parent: after fork only the call itself runs (no
    dlopen, whose locks another thread may have held at the fork)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # pragma: no cover - no libc symbol: atexit still stops it
        return None
    pr_set_pdeathsig, sigterm = 1, int(signal.SIGTERM)

    def preexec() -> None:
        prctl(pr_set_pdeathsig, sigterm, 0, 0, 0)

    return preexec


# Every server still running in this process, for the atexit hook.
_LIVE: set[LlamaServer] = set()
_LIVE_LOCK = threading.Lock()


def stop_all_now() -> None:
    """Stop every managed server (atexit, and the language server's shutdown)."""
    with _LIVE_LOCK:
        servers = list(_LIVE)
    for server in servers:
        server.stop_now()


atexit.register(stop_all_now)
