"""Where LessonL keeps what is not the user's: scratch copies, records, process lists."""
from __future__ import annotations

import os
from pathlib import Path


def cache_home() -> Path:
    """$XDG_CACHE_HOME/lessonl (default ~/.cache/lessonl)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "lessonl"
