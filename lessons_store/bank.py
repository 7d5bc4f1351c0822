"""The lesson bank of one repository: lessons, optimization results, and cached embeddings.

Backed by diskcache on disk (default `<repo>/.lessonl/`), so the language server and a CLI run
can use it at the same time; every multi-step write is one transaction, so a killed process
loses nothing that was written. Reads go through an in-memory copy that reloads only the chunks
another process changed. That copy (and what relevance backends derive from it, such as the
lexical index) is shared by every LessonBank object on the same bank in this process, so the
language server's second job on a repository does not load and index the bank again.
"""
from __future__ import annotations

import logging
import time
import uuid
from pathlib import Path
from typing import Any, Iterable, Sequence

from . import common
from .chunks import ChunkStore
from .disk_blobs import DiskBlobs
from .disk_results import DiskResults
from .errors import StoreError
from .exchange import ImportReport
from .languages import family_of
from .memory import AGE, Memory, identity, memory_for
from .records import Lesson, Provenance, StoredResult
from .relevance import Relevance
from .selection import adjusted_factor, select_for_target, select_lessons, speed_ranking
from .storage import BANK_ID_KEY, migrate, open_cache

log = logging.getLogger("lessonl_store")


class LessonBank:
    """The diskcache bank (lessonl_store.protocol.Bank): lessons here, results in DiskResults,
    embeddings and index segments in DiskBlobs."""

    kind = "diskcache"

    def __init__(self, path: Path, cache: Any, warnings: list[str]) -> None:
        self.path = path
        self.location = str(path)
        self.cache = cache
        self.warnings = warnings
        self.chunks = ChunkStore(cache)
        self.results = DiskResults(cache)
        self.blobs = DiskBlobs(cache, path)
        bank_id = cache.get(BANK_ID_KEY)
        if not isinstance(bank_id, str):
            cache.add(BANK_ID_KEY, uuid.uuid4().hex)  # add: a bank opened twice at once gets one id
            bank_id = str(cache.get(BANK_ID_KEY))
        self._memory = memory_for(path, bank_id)

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
            if isinstance(exc, StoreError):
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
    def _refresh(self) -> Memory:
        memory = self._memory
        versions = self.chunks.versions()
        with memory.lock:
            if versions != memory.versions:
                self._reload(memory, versions)
            for message in memory.unreadable.values():
                if message not in self.warnings:
                    self.warnings.append(message)
        return memory

    def _reload(self, memory: Memory, versions: dict[int, int]) -> None:
        """Read the chunks that changed. A lesson whose factor or use count changed is updated
        in place and a new lesson newer than all others is appended, so that orderings and
        groupings survive a round's writes (rebuilding them costs 0.2 s at 100,000 lessons);
        anything else (a deletion, an older lesson imported) rebuilds them."""
        rebuild = False
        appended: list[Lesson] = []
        touched: list[Lesson] = []
        for number in set(memory.versions) - set(versions):
            for lesson_id in memory.chunk_ids.pop(number, set()):
                memory.lessons.pop(lesson_id, None)
                rebuild = True
        for number, version in versions.items():
            if memory.versions.get(number) == version:
                continue
            try:
                raw = self.chunks.read(number)
                memory.unreadable.pop(number, None)
            except Exception as exc:  # an unreadable chunk costs its lessons, never the bank
                message = f"lesson chunk {number} in {self.path} is unreadable and was skipped: {exc}"
                log.warning(message)
                memory.unreadable[number] = message
                raw = {}
            for lesson_id in memory.chunk_ids.get(number, set()) - set(raw):
                memory.lessons.pop(lesson_id, None)
                rebuild = True
            memory.chunk_ids[number] = set(raw)
            for lesson_id, data in raw.items():
                fresh = Lesson.from_json(data)
                known = memory.lessons.get(lesson_id)
                if known is None:
                    memory.lessons[lesson_id] = fresh
                    appended.append(fresh)
                elif known.__dict__ != fresh.__dict__:
                    if identity(known) == identity(fresh):
                        known.__dict__.update(fresh.__dict__)
                        touched.append(known)
                    else:
                        memory.lessons[lesson_id] = fresh
                        rebuild = True
        memory.versions = dict(versions)
        if rebuild or not memory.extend(appended, touched):
            memory.clear_derived()

    def _all_ordered(self) -> list[Lesson]:
        memory = self._refresh()
        with memory.lock:
            if memory.ordered is None:
                memory.ordered = sorted(memory.lessons.values(), key=AGE)
            return memory.ordered

    def _groups(self) -> tuple[dict[tuple[str, str], list[Lesson]], dict[str | None, list[Lesson]]]:
        """Lessons by function and by language family, oldest first (rebuilt after changes)."""
        ordered = self._all_ordered()
        memory = self._memory
        with memory.lock:
            if memory.by_function is None or memory.by_family is None:
                by_function: dict[tuple[str, str], list[Lesson]] = {}
                by_family: dict[str | None, list[Lesson]] = {}
                families: dict[str, str | None] = {}
                for lesson in ordered:
                    by_function.setdefault((lesson.file, lesson.qualified_name), []).append(lesson)
                    if lesson.file not in families:
                        families[lesson.file] = family_of(lesson.file)
                    by_family.setdefault(families[lesson.file], []).append(lesson)
                memory.by_function, memory.by_family = by_function, by_family
            return memory.by_function, memory.by_family

    # -- what relevance backends build on (lexical.bank_index) -----------------------------------
    def shared_state(self, name: str) -> dict[str, Any]:
        """A dict a backend may keep per bank, shared by every LessonBank on it in this process."""
        with self._memory.lock:
            return self._memory.shared.setdefault(name, {})

    def chunk_layout(self) -> list[tuple[int, int, set[str]]]:
        """(chunk number, version, lesson ids) of every chunk, current. The id sets are the
        copy's own (replaced on reload, never changed): read them, do not modify them."""
        memory = self._refresh()
        with memory.lock:
            return [(n, v, memory.chunk_ids.get(n, set())) for n, v in sorted(memory.versions.items())]

    def chunk_lessons(self, number: int) -> list[Lesson]:
        memory = self._refresh()
        with memory.lock:
            found = [memory.lessons[i] for i in memory.chunk_ids.get(number, ()) if i in memory.lessons]
        return sorted(found, key=AGE)

    def read_index(self, number: int) -> Any:
        return self.blobs.read_index(number)

    def write_index(self, number: int, blob: Any) -> None:
        self.blobs.write_index(number, blob)

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
        return self._refresh().lessons.get(lesson_id)

    def lessons(self) -> list[Lesson]:
        """All lessons, oldest first."""
        return list(self._all_ordered())

    def count(self) -> int:
        return len(self._refresh().lessons)

    def for_function(self, file: str, qualified_name: str) -> list[Lesson]:
        """The lessons learned on one function, oldest first."""
        by_function, _ = self._groups()
        return list(by_function.get((file, qualified_name), []))

    def select(self, k: int, code: str, relevance: Relevance, significant: float = 1.1,
               exclude_ids: Iterable[str] = (), function: tuple[str, str] | None = None,
               prefer: Provenance | None = None) -> list[Lesson]:
        """k lessons for a prompt (selection.py). With `function=(file, qualified_name)`, the
        function being optimized: its own lessons are selected exactly as the paper says, and
        lessons of other functions of the repository join them when their language is compatible
        and their relevance reaches the backend's floor. Without it every lesson of the bank is
        one pool (the paper's rules over the whole bank)."""
        excluded = set(exclude_ids)
        if function is not None:
            by_function, by_family = self._groups()
            family = family_of(function[0])
            own = [l for l in by_function.get(function, []) if l.id not in excluded]
            others = by_family.get(family, []) if family else []
            ranked = self._speed_ranking(family, others, significant) if family else []
            skip = excluded | {l.id for l in by_function.get(function, [])}
            return select_for_target(own, others, k, code, relevance, significant, exclude=skip,
                                     others_speed_ranked=ranked, lookup=self._memory.lessons, family=family,
                                     prefer=prefer)
        pool = self._all_ordered()
        if excluded:
            return select_lessons([l for l in pool if l.id not in excluded], k, code, relevance, significant,
                                  prefer=prefer)
        return select_lessons(pool, k, code, relevance, significant, self._speed_ranking("*", pool, significant),
                              prefer=prefer)

    def _speed_ranking(self, group: str | None, pool: list[Lesson], significant: float) -> list[Lesson]:
        memory = self._memory
        with memory.lock:
            key = (group, significant)
            if key not in memory.speed:
                memory.speed[key] = speed_ranking(pool, significant)
            return memory.speed[key]

    def adjust_factors(self, lesson_ids: Sequence[str], new_speedups: Sequence[float]) -> None:
        """Effectiveness adjustment after a round (the rule is in selection.adjusted_factor),
        computed from each lesson as stored, inside the write: no adjustment is lost to another
        process adjusting the same lesson at the same time."""
        speedups = list(new_speedups)
        if not speedups:
            return

        def change(stored: dict[str, Any]) -> dict[str, Any]:
            lesson = Lesson.from_json(stored)
            return {"factor": adjusted_factor(lesson, speedups), "judged": int(stored.get("judged", 0)) + 1}

        self.chunks.update_with(dict.fromkeys(lesson_ids), change)
        self._refresh()

    def mark_used(self, lesson_ids: Sequence[str]) -> None:
        """One more use of each lesson, counted inside the write (no lost increment)."""
        self.chunks.update_with(dict.fromkeys(lesson_ids), lambda stored: {"uses": int(stored.get("uses", 0)) + 1})
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
        return self.delete(common.prune_ids(self._all_ordered(), older_than_days, outcome, keep_top, function))

    # -- results (disk_results.py) --------------------------------------------------------------
    def save_result(self, result: StoredResult) -> bool:
        """Store a finished optimization; False when its idempotency key is stored already."""
        return self.results.save(result)

    def get_result(self, result_id: str) -> StoredResult | None:
        return self.results.get(result_id)

    def results_for(self, file: str, qualified_name: str) -> list[StoredResult]:
        return self.results.for_function(file, qualified_name)

    def latest_result(self, file: str, qualified_name: str, function_hash: str | None = None) -> StoredResult | None:
        """The newest result for this function; with `function_hash`, also a result whose proposed
        code now IS the function (the user accepted it), whatever the function is called now."""
        results = self.results_for(file, qualified_name)
        if function_hash:
            results = common.merge_results(results, self.results.by_new_hash(function_hash))
        return common.pick_latest(results)

    def all_results(self) -> list[StoredResult]:
        return self.results.all()

    # -- embeddings (for relevance backends; disk_blobs.py) ------------------------------------
    def get_embedding(self, key: str) -> list[float] | None:
        return self.blobs.get_embedding(key)

    def put_embedding(self, key: str, vector: list[float]) -> None:
        self.blobs.put_embedding(key, vector)

    # -- exchange and overview (common.py) -----------------------------------------------------
    def export_jsonl(self, path: str | Path) -> int:
        """Lessons and results as JSON Lines (one record per line), for sharing through git."""
        return common.export_jsonl(self, path)

    def import_jsonl(self, path: str | Path) -> ImportReport:
        """Merge an export: known ids and lessons with the same text for the same function are
        skipped, so importing twice changes nothing."""
        return common.import_into(self, common.read_export(path))

    def stats(self) -> dict[str, Any]:
        return common.stats_of(self.lessons(), len(self.all_results()), str(self.path))


def _move_aside(path: Path) -> Path:
    aside = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
    path.rename(aside)
    return path
