"""The in-memory copy of a diskcache bank, shared by every LessonBank on it in one process.

Loading 100,000 lessons and indexing them costs seconds; the language server's second job on a
repository must not pay it again, so the copy (and what relevance backends derive from it, such
as the lexical index) lives here, one per bank, keyed by the bank's path and random id.
"""
from __future__ import annotations

import bisect
import operator
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from .languages import family_of
from .records import Lesson
from .selection import _speed_key, speed_eligible

MEMORIES_KEPT = 8  # banks whose in-memory copy a process keeps (one per repository it serves)
AGE = operator.attrgetter("created", "id")  # oldest first; the id breaks ties
identity = operator.attrgetter("id", "created", "file", "qualified_name")  # what orders and groups a lesson


class Memory:
    """The in-memory copy of one bank, shared by the LessonBank objects on it in this process.
    Everything derived from the lessons (orderings, speed rankings, groupings) is rebuilt lazily
    after a change; `shared` holds what relevance backends keep per bank."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.versions: dict[int, int] = {}
        self.chunk_ids: dict[int, set[str]] = {}
        self.lessons: dict[str, Lesson] = {}
        self.unreadable: dict[int, str] = {}  # chunk number -> the warning about it
        self.shared: dict[str, dict[str, Any]] = {}
        self.clear_derived()

    def clear_derived(self) -> None:
        self.ordered: list[Lesson] | None = None  # all lessons oldest first
        self.speed: dict[tuple[str | None, float], list[Lesson]] = {}  # speed rankings by (group, threshold)
        self.by_function: dict[tuple[str, str], list[Lesson]] | None = None
        self.by_family: dict[str | None, list[Lesson]] | None = None

    def extend(self, appended: list[Lesson], touched: list[Lesson]) -> bool:
        """Bring the derived structures up to date with lessons added after all others and
        lessons changed in place; False when that is not possible (rebuild instead)."""
        appended.sort(key=AGE)
        if appended and self.ordered and AGE(appended[0]) <= AGE(self.ordered[-1]):
            return False
        if self.ordered is not None:
            self.ordered.extend(appended)
        for lesson in appended:
            if self.by_function is not None:
                self.by_function.setdefault((lesson.file, lesson.qualified_name), []).append(lesson)
            if self.by_family is not None:
                self.by_family.setdefault(family_of(lesson.file), []).append(lesson)
        changed = [*touched, *appended]
        for (group, significant), ranking in self.speed.items():
            for lesson in changed:
                if group != "*" and family_of(lesson.file) != group:
                    continue
                at = next((i for i, ranked in enumerate(ranking) if ranked is lesson), None)
                if at is not None:
                    del ranking[at]
                if speed_eligible(lesson, significant):
                    bisect.insort(ranking, lesson, key=_speed_key)
        return True


_MEMORIES: "OrderedDict[tuple[str, str], Memory]" = OrderedDict()
_MEMORIES_LOCK = threading.Lock()


def memory_for(path: Path, bank_id: str) -> Memory:
    key = (str(path.resolve()), bank_id)
    with _MEMORIES_LOCK:
        memory = _MEMORIES.get(key)
        if memory is None:
            memory = _MEMORIES[key] = Memory()
        _MEMORIES.move_to_end(key)
        while len(_MEMORIES) > MEMORIES_KEPT:
            _MEMORIES.popitem(last=False)
        return memory
