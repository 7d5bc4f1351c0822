"""Managed servers shared by reference count.

Three agents naming the same GGUF file (with different temperatures or personas) must not
load it three times: the first to ask starts the server, the others wait for that same start,
and the last to let go stops it.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from .process import LlamaServer, ServerSpec


@dataclass
class _Entry:
    server: LlamaServer
    starting: "asyncio.Future[LlamaServer]"
    refs: int = 0


class ServerPool:
    """Servers by spec. One pool per process (POOL) is enough; tests make their own."""

    def __init__(self, log_dir: Path | None = None) -> None:
        self.log_dir = log_dir
        self._entries: dict[ServerSpec, _Entry] = {}

    def running(self) -> list[LlamaServer]:
        return [e.server for e in self._entries.values() if e.server.alive]

    def refs(self, spec: ServerSpec) -> int:
        entry = self._entries.get(spec)
        return entry.refs if entry else 0

    async def acquire(self, spec: ServerSpec) -> LlamaServer:
        """A healthy server for `spec`, started if needed; pair every call with release()."""
        entry = self._entries.get(spec)
        if entry is not None and entry.starting.done() and not entry.server.alive:
            self._entries.pop(spec, None)  # it died since: start a fresh one
            entry = None
        if entry is None:
            server = LlamaServer(spec, self.log_dir)
            entry = _Entry(server, asyncio.ensure_future(server.start()))
            entry.starting.add_done_callback(_retrieve)
            self._entries[spec] = entry
        entry.refs += 1
        try:
            return await asyncio.shield(entry.starting)
        except BaseException:
            entry.refs -= 1
            failed = entry.starting.done()  # the start itself failed: its error is every waiter's
            if self._entries.get(spec) is entry and (failed or entry.refs == 0):
                self._entries.pop(spec, None)
                if not failed:
                    entry.starting.cancel()  # nobody waits any more: start() stops its process
            raise

    async def release(self, server: LlamaServer) -> None:
        """Drop one reference; the last one stops the server."""
        entry = self._entries.get(server.spec)
        if entry is None or entry.server is not server:
            await server.stop()
            return
        entry.refs -= 1
        if entry.refs <= 0:
            self._entries.pop(server.spec, None)
            await server.stop()

    async def close(self) -> None:
        """Stop everything this pool started (the language server's shutdown)."""
        entries = list(self._entries.values())
        self._entries.clear()
        for entry in entries:
            if not entry.starting.done():
                entry.starting.cancel()
            await entry.server.stop()


POOL = ServerPool()


def _retrieve(future: "asyncio.Future[LlamaServer]") -> None:
    """Mark a failed start's error as seen: the waiters got it, asyncio need not warn."""
    if not future.cancelled():
        future.exception()
