"""Writing a file so that readers see the old content or the new, never half of either.

Every file LessonL keeps (manifests, the baseline's record, caches, the user's file on Accept)
may be read by another LessonL process at any moment, or left behind when this one is killed:
each is written to a uniquely named temporary file beside it and renamed over it.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


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
        if mode is not None:
            os.chmod(temporary, mode)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
