"""Checks every command that runs the user's code makes first, so that a mistyped path or an
unfinished config gets its own clear message instead of a confusing one from deeper down."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from ..errors import TargetError


def repository_at(path: str | Path, overrides: Mapping[str, Any] | None = None) -> Path:
    """The root of the repository holding `path`; raises if the path does not exist, the
    repository has no config, or the config still holds `lessonl init` placeholders."""
    from ..config import find_root
    from ..config.placeholders import refuse_placeholders

    start = Path(path).expanduser()
    if not start.exists():
        raise TargetError("no such file or folder", file=str(path),
                          hint="check the path; it is relative to the current folder")
    start = start.resolve()
    root = find_root(start if start.is_dir() else start.parent)
    refuse_placeholders(root, overrides)
    return root
