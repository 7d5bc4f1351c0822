"""What a batch remembers between runs: `.lessonl/batch/state.json` in the bank folder.

Each function that ran to its end (a win or no win) is recorded with the hash of the function's
text it was optimized on and its summary. A later batch skips a function whose text still has
that hash (reporting the earlier result), and one whose text is now the recorded win (it was
applied). Failed and cancelled functions are not recorded, so they run again. Written
atomically after every function, so a batch killed half-way resumes where it stopped.
"""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..atomic import write_atomic
from .batch_request import FunctionSummary

VERSION = 1
DONE_EARLIER = "done earlier on unchanged code"
APPLIED_EARLIER = "applied earlier"


def state_path(bank_dir: Path) -> Path:
    return Path(bank_dir) / "batch" / "state.json"


@dataclass
class Skip:
    reason: str  # DONE_EARLIER | APPLIED_EARLIER
    summary: FunctionSummary


class BatchState:
    """The state file's contents; `record` writes through at once."""

    def __init__(self, path: Path, functions: dict[str, dict[str, Any]] | None = None,
                 warnings: list[str] | None = None) -> None:
        self.path = path
        self.functions = functions or {}
        self.warnings = warnings or []
        self._lock = threading.Lock()

    @classmethod
    def load(cls, bank_dir: Path) -> "BatchState":
        """The saved state; an unreadable or foreign file is set aside (a warning), not an error:
        losing it only costs re-running functions."""
        path = state_path(bank_dir)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("version") != VERSION or not isinstance(data.get("functions"), dict):
                raise ValueError(f"version {data.get('version')!r}")
            return cls(path, data["functions"])
        except FileNotFoundError:
            return cls(path)
        except (OSError, ValueError, AttributeError) as exc:
            return cls(path, warnings=[f"the batch state {path} could not be read ({exc}); every function "
                                       "runs again"])

    def skip_for(self, key: str, current_hash: str) -> Skip | None:
        """Why `key` need not run again with its text at `current_hash`, or None."""
        entry = self.functions.get(key)
        if not entry:
            return None
        try:
            summary = FunctionSummary.from_json(entry["summary"])
        except (KeyError, TypeError, ValueError):
            return None
        if summary.function_hash == current_hash:
            return Skip(DONE_EARLIER, summary)
        if summary.improved and summary.new_function_hash == current_hash:
            return Skip(APPLIED_EARLIER, summary)
        return None

    def record(self, summary: FunctionSummary) -> None:
        with self._lock:
            self.functions[summary.key] = {"summary": summary.to_json()}
            self._save()

    def forget(self, key: str) -> None:
        with self._lock:
            if self.functions.pop(key, None) is not None:
                self._save()

    def _save(self) -> None:
        payload = json.dumps({"version": VERSION, "functions": self.functions}, indent=1, sort_keys=True)
        write_atomic(self.path, payload)
