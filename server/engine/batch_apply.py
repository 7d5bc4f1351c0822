"""Writing a batch's wins: `--apply` into the user's files, `--patch DIR` as one patch each.

`--apply` runs only at the end of the batch and writes each verified win through
`apply_result`: only where the function is still what was optimized (another edit of the file
is rebased around), never a rewrite judged without a sandbox unless allowed. A win left out of
the combined copy (a conflict) is not written, and when the wins together were not correct
(the combined judgement failed its build or tests) none is: each was verified alone, and
writing them all would give the user a broken program. Each skip says why.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..atomic import write_atomic
from ..errors import LessonLError
from .apply import apply_result
from .batch_request import BatchResult


@dataclass
class Written:
    key: str
    path: str | None  # the file written; None when skipped
    reason: str = ""  # why it was skipped

    def to_json(self) -> dict[str, str | None]:
        return {"function": self.key, "path": self.path, "skipped": self.reason or None}


def apply_wins(result: BatchResult, root: Path | str, allow_unisolated: bool = False) -> list[Written]:
    """Write every applicable win; one Written per win, applied or skipped with the reason."""
    combined = result.combined
    verdict = combined.verdict
    broken = verdict is not None and not verdict.outcome.is_correct
    written: list[Written] = []
    for item in result.wins:
        assert item.summary is not None
        if broken:
            written.append(Written(item.key, None, f"the wins together are {verdict.outcome.value.replace('_', ' ')}"
                                                   " (apply them one by one with --patch after checking)"))
            continue
        if item.key in combined.conflicts:
            written.append(Written(item.key, None, f"conflict: {combined.conflicts[item.key]}"))
            continue
        try:
            path = apply_result(item.summary.as_result(), root, allow_unisolated=allow_unisolated)
        except LessonLError as exc:
            written.append(Written(item.key, None, str(exc)))
            continue
        written.append(Written(item.key, str(path)))
    return written


def write_patches(result: BatchResult, directory: Path | str) -> list[Path]:
    """One `patch -p1` file per win (fresh or from an earlier run), named after its function."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for index, item in enumerate(result.wins, 1):
        assert item.summary is not None
        name = f"{index:02d}-{_safe(item.file)}--{_safe(item.qualified_name)}.patch"
        path = directory / name
        write_atomic(path, item.summary.diff)
        paths.append(path)
    return paths


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_") or "function"
