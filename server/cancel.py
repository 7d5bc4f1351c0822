"""One cancellation token passed down through the engine.

asyncio task cancellation alone is not enough: subprocesses in their own process group and
HTTP requests must be torn down too, so the parts that own them register callbacks here.
"""
from __future__ import annotations

import asyncio
import inspect
from typing import Awaitable, Callable, TypeVar

from .errors import Cancelled

T = TypeVar("T")


class CancelToken:
    def __init__(self) -> None:
        self._cancelled = False
        self._callbacks: list[Callable[[], None]] = []
        self._event: asyncio.Event | None = None

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def cancel(self) -> None:
        if self._cancelled:
            return
        self._cancelled = True
        if self._event is not None:
            self._event.set()
        for callback in list(self._callbacks):
            try:
                callback()
            except Exception:  # a failing cleanup must not stop the others
                pass

    def on_cancel(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Run `callback` on cancel (at once if already cancelled); returns an unregister function."""
        if self._cancelled:
            callback()
            return lambda: None
        self._callbacks.append(callback)

        def unregister() -> None:
            if callback in self._callbacks:
                self._callbacks.remove(callback)

        return unregister

    def raise_if_cancelled(self) -> None:
        if self._cancelled:
            raise Cancelled("cancelled by the user")

    async def wait(self) -> None:
        """Wait until cancelled (for racing against other awaitables)."""
        if self._event is None:
            self._event = asyncio.Event()
            if self._cancelled:
                self._event.set()
        await self._event.wait()


async def until_cancelled(work: Awaitable[T], cancel: CancelToken | None) -> T:
    """Run `work`, abandoning it with Cancelled when `cancel` fires, wherever it waits (a gate,
    a lock, a process, a worker thread whose answer nobody needs any more): asyncio
    cancellation reaches all of them, and procs.run kills its process group."""
    if cancel is None:
        return await work
    if cancel.cancelled:
        if inspect.iscoroutine(work):
            work.close()  # never started: no "was never awaited" warning
        raise Cancelled("cancelled by the user")
    task = asyncio.ensure_future(work)
    unregister = cancel.on_cancel(task.cancel)
    try:
        return await task
    except asyncio.CancelledError:
        current = asyncio.current_task()
        if cancel.cancelled and not (current and current.cancelling()):
            raise Cancelled("cancelled by the user") from None
        raise
    finally:
        unregister()
