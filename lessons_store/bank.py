"""The lesson bank of one repository: lessons, optimization results, and cached embeddings.

Backed by diskcache on disk (default `<repo>/.lessonl/`), so the language server and a CLI run
can use it at the same time; every multi-step write is one transaction, so a killed process
loses nothing that was written. Reads go through an in-memory copy that reloads only the chunks
another process changed.
"""
from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

from .chunks import ChunkStore
from .exchange import ImportReport, export_lines, import_lines
from .records import Lesson, StoredResult
from .relevance import Relevance
from .selection import adjusted_factor, select_lessons, speed_ranking
from .storage import migrate, open_cache

log = logging.getLogger("lessonl_store")


def _fn_key(file: str, qualified_name: str) -> str:
    return f"results:{file}::{qualified_name}"


class LessonBank:
    def __init__(self, path: Path, cache: Any, warnings: list[str]) -> None:
        self.path = path
        self.cache = cache
        self.warnings = warnings
        self.chunks = ChunkStore(cache)
        self._versions: dict[int, int] = {}
        self._chunk_ids: dict[int, set[str]] = {}
        self._lessons: dict[str, Lesson] = {}
        self._ordered: list[Lesson] | None = None  # all lessons oldest first, rebuilt after changes
        self._speed: dict[float, list[Lesson]] = {}  # speed rankings by threshold, rebuilt after changes

    # -- opening -------------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | Path) -> "LessonBank":
        """Open (or create) the bank. Cheap: lessons are loaded on first use."""
        path = Path(path)
        warnings: list[str] = []
        cache = open_cache(path, warnings)
        try:
            migrate(cache, warnings)
        except Exception as exc:
            from lessonl.errors import BankError

            if isinstance(exc, BankError):
                raise
            cache.close()
            warnings.append(f"the lesson bank at {path} could not be migrated ({exc}); starting a fresh one")
            cache = open_cache(_move_aside(path), warnings)
            migrate(cache, warnings)
        return cls(path, cache, warnings)

    def close(self) -> None:
        self.cache.close()

    def __enter__(self) -> "LessonBank":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the in-memory copy --------------------------------------------------------------------
    def _refresh(self) -> None:
        versions = self.chunks.versions()
        if versions == self._versions:
            return
        for number, version in versions.items():
            if self._versions.get(number) == version:
                continue
            try:
                raw = self.chunks.read(number)
            except Exception as exc:  # an unreadable chunk costs its lessons, never the bank
                message = f"lesson chunk {number} in {self.path} is unreadable and was skipped: {exc}"
                log.warning(message)
                self.warnings.append(message)
                raw = {}
            for lesson_id in self._chunk_ids.get(number, set()) - set(raw):
                self._lessons.pop(lesson_id, None)
            self._chunk_ids[number] = set(raw)
            for lesson_id, data in raw.items():
                self._lessons[lesson_id] = Lesson.from_json(data)
        self._versions = versions
        self._ordered = None
        self._speed = {}

    def _all_ordered(self) -> list[Lesson]:
        self._refresh()
        if self._ordered is None:
            self._ordered = sorted(self._lessons.values(), key=lambda l: (l.created, l.id))
        return self._ordered

    # -- lessons -------------------------------------------------------------------------------
    def add(self, lesson: Lesson) -> Lesson:
        self.add_many([lesson])
        return lesson

    def add_many(self, lessons: Sequence[Lesson]) -> None:
        if not lessons:
            return
        self.chunks.append_many(l.to_json() for l in lessons)
        self._refresh()

    def get(self, lesson_id: str) -> Lesson | None:
        self._refresh()
        return self._lessons.get(lesson_id)

    def lessons(self) -> list[Lesson]:
        """All lessons, oldest first."""
        return list(self._all_ordered())

    def count(self) -> int:
        self._refresh()
        return len(self._lessons)

    def for_function(self, file: str, qualified_name: str) -> list[Lesson]:
        self._refresh()
        found = [l for l in self._lessons.values() if l.file == file and l.qualified_name == qualified_name]
        return sorted(found, key=lambda l: (l.created, l.id))

    def select(self, k: int, code: str, relevance: Relevance, significant: float = 1.1,
               exclude_ids: Iterable[str] = (), function: tuple[str, str] | None = None) -> list[Lesson]:
        """k lessons for a prompt (see selection.py). Lessons of every function of the repository
        are candidates; `function=(file, name)` restricts them to one function."""
        pool = self._all_ordered()
        excluded = set(exclude_ids)
        if excluded or function is not None:
            pool = [l for l in pool if l.id not in excluded
                    and (function is None or (l.file, l.qualified_name) == function)]
            return select_lessons(pool, k, code, relevance, significant)
        if significant not in self._speed:
            self._speed[significant] = speed_ranking(pool, significant)
        return select_lessons(pool, k, code, relevance, significant, self._speed[significant])

    def adjust_factors(self, lesson_ids: Sequence[str], new_speedups: Sequence[float]) -> None:
        """Effectiveness adjustment after a round (the rule is in selection.adjusted_factor)."""
        self._refresh()
        changes = {i: {"factor": adjusted_factor(self._lessons[i], new_speedups)}
                   for i in dict.fromkeys(lesson_ids) if i in self._lessons}
        if changes:
            self.chunks.update_many(changes)
            self._refresh()

    def mark_used(self, lesson_ids: Sequence[str]) -> None:
        self._refresh()
        changes = {i: {"uses": self._lessons[i].uses + 1} for i in dict.fromkeys(lesson_ids) if i in self._lessons}
        if changes:
            self.chunks.update_many(changes)
            self._refresh()

    def delete(self, lesson_ids: Iterable[str]) -> int:
        ids = [i for i in lesson_ids if self.get(i) is not None]
        if ids:
            self.chunks.delete_many(ids)
            self._refresh()
        return len(ids)

    def prune(self, older_than_days: float | None = None, outcome: str | None = None,
              keep_top: int | None = None, function: tuple[str, str] | None = None) -> int:
        """Delete lessons matching every given filter; `keep_top` keeps the N best by speedup x
        factor among the matching ones. Returns how many were deleted."""
        self._refresh()
        now = time.time()
        matching = [l for l in self._lessons.values()
                    if (older_than_days is None or now - l.created > older_than_days * 86400)
                    and (outcome is None or l.outcome == outcome)
                    and (function is None or (l.file, l.qualified_name) == function)]
        if keep_top is not None:
            matching.sort(key=lambda l: (-l.score, l.created, l.id))
            matching = matching[keep_top:]
        return self.delete(l.id for l in matching)

    # -- results -------------------------------------------------------------------------------
    def save_result(self, result: StoredResult) -> None:
        with self.cache.transact():
            self.cache.set(f"result:{result.id}", result.to_json(), tag="result")
            self.cache.set("results:all", [*(self.cache.get("results:all") or []), result.id], tag="result")
            key = _fn_key(result.file, result.qualified_name)
            self.cache.set(key, [*(self.cache.get(key) or []), result.id], tag="result")
            if result.new_function_hash:
                hkey = f"results-hash:{result.new_function_hash}"
                self.cache.set(hkey, [*(self.cache.get(hkey) or []), result.id], tag="result")

    def get_result(self, result_id: str) -> StoredResult | None:
        data = self.cache.get(f"result:{result_id}")
        return StoredResult.from_json(data) if data else None

    def results_for(self, file: str, qualified_name: str) -> list[StoredResult]:
        ids = self.cache.get(_fn_key(file, qualified_name)) or []
        results = [r for r in (self.get_result(i) for i in ids) if r is not None]
        return sorted(results, key=lambda r: r.created)

    def latest_result(self, file: str, qualified_name: str, function_hash: str | None = None) -> StoredResult | None:
        """The newest result for this function; with `function_hash`, also a result whose proposed
        code now IS the function (the user accepted it), whatever the function is called now."""
        results = self.results_for(file, qualified_name)
        if function_hash:
            for result_id in self.cache.get(f"results-hash:{function_hash}") or []:
                found = self.get_result(result_id)
                if found is not None and all(r.id != found.id for r in results):
                    results.append(found)
        if not results:
            return None
        verified = [r for r in results if r.improved]
        return max(verified or results, key=lambda r: r.created)

    def all_results(self) -> list[StoredResult]:
        found = (self.get_result(i) for i in self.cache.get("results:all") or [])
        return sorted((r for r in found if r is not None), key=lambda r: r.created)

    # -- embeddings (for relevance backends) ---------------------------------------------------
    def get_embedding(self, key: str) -> list[float] | None:
        return self.cache.get(f"emb:{key}")

    def put_embedding(self, key: str, vector: list[float]) -> None:
        self.cache.set(f"emb:{key}", list(vector), tag="embedding")

    # -- exchange ------------------------------------------------------------------------------
    def export_jsonl(self, path: str | Path) -> int:
        """Lessons and results as JSON Lines (one record per line), for sharing through git."""
        lines = export_lines(self.lessons(), self.all_results())
        try:
            Path(path).write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        except OSError as exc:
            from lessonl.errors import BankError

            raise BankError(f"cannot write {path}: {exc}", hint="check that the folder exists and is writable") from exc
        return len(lines)

    def import_jsonl(self, path: str | Path) -> ImportReport:
        """Merge an export: known ids and lessons with the same text for the same function are
        skipped, so importing twice changes nothing."""
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            from lessonl.errors import BankError

            raise BankError(f"cannot read {path}: {exc}", hint="pass a file written by `lessonl lessons export`") from exc
        self._refresh()
        known_ids = set(self._lessons)
        known_texts = {(l.text, l.file, l.qualified_name) for l in self._lessons.values()}
        known_results = {r.id for r in self.all_results()}
        report, lessons, results = import_lines(text.splitlines(), known_ids, known_texts, known_results)
        self.add_many(lessons)
        for result in results:
            self.save_result(result)
        return report

    # -- overview ------------------------------------------------------------------------------
    def stats(self) -> dict[str, Any]:
        lessons = self.lessons()
        by_outcome: dict[str, int] = {}
        functions: dict[str, int] = {}
        for lesson in lessons:
            by_outcome[lesson.outcome] = by_outcome.get(lesson.outcome, 0) + 1
            name = f"{lesson.file}::{lesson.qualified_name}"
            functions[name] = functions.get(name, 0) + 1
        best = sorted(lessons, key=lambda l: -l.score)[:5]
        return {
            "lessons": len(lessons),
            "by_outcome": by_outcome,
            "functions": functions,
            "results": len(self.all_results()),
            "best": [{"id": l.id, "speedup": l.speedup, "factor": l.factor, "function": f"{l.file}::{l.qualified_name}",
                      "text": l.text} for l in best],
            "path": str(self.path),
        }


def _move_aside(path: Path) -> Path:
    aside = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
    path.rename(aside)
    return path
