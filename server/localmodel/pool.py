"""Managed servers shared by reference count, across jobs, threads and event loops.

Three agents naming the same GGUF file (with different temperatures or personas) must not
load it three times: the first to ask starts the server, the others wait for that same start,
and the last to let go stops it. In the language server every job runs in its own thread with
its own event loop (lsp/jobs.py), so two jobs may share a server:

- servers are started from one long-lived thread owned by the pool (with its own event loop),
  never from a job's thread: Linux's parent-death signal (process.py) fires when the THREAD
  that started a process exits, which would kill a server another job still uses as soon as
  the first job's thread ended;
- a start in progress is a thread-safe concurrent.futures.Future, which each job awaits on its
  own loop (an asyncio future belongs to the loop that made it and cannot be awaited from
  another), and the pool's bookkeeping is guarded by a lock.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Coroutine

from .process import LlamaServer, ServerSpec


@dataclass
class _Entry:
    server: LlamaServer
    starting: "concurrent.futures.Future[LlamaServer]"
    refs: int = 0


class _Starter:
    """The pool's own thread and event loop, where servers are spawned and health-checked."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, name="lessonl-local-models", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def submit(self, work: Coroutine[Any, Any, LlamaServer]) -> "concurrent.futures.Future[LlamaServer]":
        return asyncio.run_coroutine_threadsafe(work, self.loop)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)
        if not self.thread.is_alive():
            self.loop.close()


class ServerPool:
    """Servers by spec. One pool per process (POOL) is enough; tests make their own."""

    def __init__(self, log_dir: Path | None = None) -> None:
        self.log_dir = log_dir
        self._entries: dict[ServerSpec, _Entry] = {}
        self._lock = threading.Lock()
        self._starter: _Starter | None = None

    def running(self) -> list[LlamaServer]:
        with self._lock:
            return [e.server for e in self._entries.values() if e.server.alive]

    def refs(self, spec: ServerSpec) -> int:
        with self._lock:
            entry = self._entries.get(spec)
            return entry.refs if entry else 0

    @property
    def starter_thread(self) -> threading.Thread | None:
        """The thread servers are started from (alive as long as the pool is in use)."""
        return self._starter.thread if self._starter is not None else None

    async def acquire(self, spec: ServerSpec) -> LlamaServer:
        """A healthy server for `spec`, started if needed; pair every call with release().
        Safe from any thread and event loop."""
        with self._lock:
            entry = self._entries.get(spec)
            if entry is not None and entry.starting.done() and not entry.server.alive:
                self._entries.pop(spec, None)  # it died since: start a fresh one
                entry = None
            if entry is None:
                if self._starter is None:
                    self._starter = _Starter()
                server = LlamaServer(spec, self.log_dir)
                entry = _Entry(server, self._starter.submit(server.start()))
                self._entries[spec] = entry
            entry.refs += 1
        try:
            return await _wait_on_this_loop(entry.starting)
        except BaseException:
            with self._lock:
                entry.refs -= 1
                failed = entry.starting.done()  # the start itself failed: its error is every waiter's
                if self._entries.get(spec) is entry and (failed or entry.refs == 0):
                    self._entries.pop(spec, None)
                    if not failed:
                        entry.starting.cancel()  # nobody waits any more: start() stops its process
            raise

    async def release(self, server: LlamaServer) -> None:
        """Drop one reference; the last one stops the server."""
        with self._lock:
            entry = self._entries.get(server.spec)
            last = entry is None or entry.server is not server or entry.refs <= 1
            if entry is not None and entry.server is server:
                entry.refs -= 1
                if entry.refs <= 0:
                    self._entries.pop(server.spec, None)
        if last:
            await server.stop()

    async def close(self) -> None:
        """Stop everything this pool started (the language server's shutdown), and its thread."""
        with self._lock:
            entries = list(self._entries.values())
            self._entries.clear()
            starter, self._starter = self._starter, None
        for entry in entries:
            if not entry.starting.done():
                entry.starting.cancel()
            await entry.server.stop()
        if starter is not None:
            await asyncio.to_thread(starter.close)


POOL = ServerPool()


async def _wait_on_this_loop(started: "concurrent.futures.Future[LlamaServer]") -> LlamaServer:
    """Await a start from whichever loop asks. Unlike asyncio.wrap_future, a waiter that is
    cancelled does not cancel the start other jobs wait for, and a start that finishes after a
    waiter's loop has ended is no error."""
    loop = asyncio.get_running_loop()
    waiter: asyncio.Future[LlamaServer] = loop.create_future()

    def settle() -> None:
        if waiter.done():
            return
        if started.cancelled():
            waiter.cancel()
        elif started.exception() is not None:
            waiter.set_exception(started.exception())  # type: ignore[arg-type]
        else:
            waiter.set_result(started.result())

    def finished(_: object) -> None:
        try:
            loop.call_soon_threadsafe(settle)
        except RuntimeError:  # that job's loop has ended: nobody waits there any more
            pass

    started.add_done_callback(finished)
    return await waiter
