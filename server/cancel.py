"""One cancellation token passed down through the engine.

asyncio task cancellation alone is not enough: subprocesses in their own process group and
HTTP requests must be torn down too, so the parts that own them register callbacks here.
"""
from __future__ import annotations

import asyncio
from typing import Callable

from .errors import Cancelled


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
