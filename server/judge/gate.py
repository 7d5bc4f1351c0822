"""Who may use the machine when: builds share it, a timing phase has it alone.

Builds and tests of different candidates run side by side (up to one per core), but a
benchmark timed while a compiler runs next to it measures the compiler. So a timing phase
waits until this judge's builds are done, holds new ones back meanwhile, and takes a
machine-wide file lock so that timings of other judges (another editor window, a CLI run)
never overlap it either.
"""
from __future__ import annotations

import asyncio
import contextlib
import os
from pathlib import Path
from typing import AsyncIterator

from ..cancel import CancelToken
from .locks import FileLock


class Gate:
    def __init__(self, lock_path: Path, workers: int | None = None) -> None:
        self.lock_path = lock_path
        self.workers = max(1, workers or os.cpu_count() or 1)
        self._condition = asyncio.Condition()
        self._working = 0
        self._timing = False
        self._timing_waiting = 0

    @contextlib.asynccontextmanager
    async def work(self) -> AsyncIterator[None]:
        """A build or test: concurrent with others, never with a timing phase."""
        async with self._condition:
            await self._condition.wait_for(
                lambda: not self._timing and not self._timing_waiting and self._working < self.workers)
            self._working += 1
        try:
            yield
        finally:
            async with self._condition:
                self._working -= 1
                self._condition.notify_all()

    @contextlib.asynccontextmanager
    async def timing(self, cancel: CancelToken | None = None) -> AsyncIterator[None]:
        """The machine to ourselves: no builds of this judge, no timing of any other."""
        async with self._condition:
            self._timing_waiting += 1
            try:
                await self._condition.wait_for(lambda: not self._timing and not self._working)
            finally:
                self._timing_waiting -= 1
            self._timing = True
        machine = FileLock(self.lock_path)
        try:
            await machine.acquire(cancel)
            try:
                yield
            finally:
                machine.release()
        finally:
            async with self._condition:
                self._timing = False
                self._condition.notify_all()
