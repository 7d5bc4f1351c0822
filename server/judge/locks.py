"""File locks that also work between processes (an editor's server and a CLI run at once).

flock() locks belong to an open file description, so two opens in one process exclude each
other too. Waiting polls with LOCK_NB instead of blocking a thread: a cancelled job must
stop waiting at once and never take the lock later behind our back.
"""
from __future__ import annotations

import asyncio
import fcntl
import os
from pathlib import Path

from ..cancel import CancelToken

POLL_S = 0.02


class FileLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def try_acquire(self) -> bool:
        if self._fd is not None:
            raise RuntimeError(f"lock {self.path} is already held by this object")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = _open(self.path)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    async def acquire(self, cancel: CancelToken | None = None) -> None:
        while not self.try_acquire():
            if cancel is not None:
                cancel.raise_if_cancelled()
            await asyncio.sleep(POLL_S)

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    async def __aenter__(self) -> "FileLock":
        await self.acquire()
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.release()


def _open(path: Path) -> int:
    """Open for locking; flock works on a read-only descriptor too, which is all another
    user gets for a shared lock file in /tmp."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
    except PermissionError:
        return os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        if os.fstat(fd).st_uid == os.getuid():
            os.fchmod(fd, 0o666)  # let other users' judges take the machine-wide lock too
    except OSError:
        pass
    return fd
