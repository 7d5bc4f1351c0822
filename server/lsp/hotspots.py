"""The saved profile of a repository's benchmark (`.lessonl/hotspots.json`), as the editor sees it:
which function takes what share of the benchmark's time.

Code lenses and hover ask `share(...)` for every function of a file, so the file is read once
and kept until it changes on disk (its size and mtime are the key). A figure whose function
text changed since the measurement is stale: `lessonl.profile.share_for` drops it, and the
editor then says nothing rather than a share that no longer holds. Blocking: call through
`ls.off_loop`.
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .workspaces import RootState

FILE_NAME = "hotspots.json"  # what lessonl.profile.save_hotspots writes into the bank folder

_lock = threading.Lock()
_loaded: dict[Path, tuple[tuple[int, int], Any]] = {}  # bank folder -> (stat key, Hotspots | None)


def bank_dir(state: RootState) -> Path | None:
    if state.config is None:
        return None
    return state.root / state.config.bank.path


def saved(state: RootState) -> Any | None:
    """The root's saved Hotspots, or None when none was saved (or it cannot be read)."""
    folder = bank_dir(state)
    if folder is None:
        return None
    try:
        st = (folder / FILE_NAME).stat()
    except OSError:
        return None
    key = (st.st_mtime_ns, st.st_size)
    with _lock:
        cached = _loaded.get(folder)
        if cached is not None and cached[0] == key:
            return cached[1]
    try:
        from ..profile.store import load_hotspots

        hotspots = load_hotspots(folder)
    except Exception:  # half-written, an older format, the profile package missing: no figures
        hotspots = None
    with _lock:
        _loaded[folder] = (key, hotspots)
    return hotspots


def forget(state: RootState) -> None:
    """A new profile was saved: read it again on the next question."""
    folder = bank_dir(state)
    with _lock:
        if folder is not None:
            _loaded.pop(folder, None)


def share(state: RootState, file_rel: str, ref: Any) -> Any | None:
    """The function's FunctionShare from the saved profile; None if absent, cold or stale."""
    hotspots = saved(state)
    if hotspots is None:
        return None
    from ..profile.store import share_for

    return share_for(hotspots, file_rel, ref.qualified_name, ref.text_hash)


def percent(value: float) -> str:
    """'41%' (or '0.4%' below one percent, so a share is never shown as 0%)."""
    return f"{value * 100:.0f}%" if value >= 0.01 else f"{value * 100:.1f}%"
