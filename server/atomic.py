"""Writing a file so that readers see the old content or the new, never half of either.

Every file LessonL keeps (manifests, the baseline's record, caches, the user's file on Accept)
may be read by another LessonL process at any moment, or left behind when this one is killed:
each is written to a uniquely named temporary file beside it and renamed over it.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


def _read_umask() -> int:
    """The process's umask, read once at import: reading it means setting it, and doing that
    while other threads create files would give their files the wrong permissions."""
    umask = os.umask(0o022)
    os.umask(umask)
    return umask


_UMASK = _read_umask()


def write_atomic(path: Path | str, data: bytes | str, mode: int | None = None) -> None:
    """Replace `path` by `data` (text is UTF-8); `mode` sets the permission bits (default:
    those of the file it replaces, else the umask's)."""
    path = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    if mode is None:
        try:
            mode = path.stat().st_mode & 0o7777
        except OSError:
            mode = None
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
        os.chmod(temporary, mode if mode is not None else 0o666 & ~_UMASK)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
