"""The lesson bank of one repository: lessons, optimization results, and cached embeddings.

Backed by diskcache on disk (default `<repo>/.lessonl/`), so the language server and a CLI run
can use it at the same time; every multi-step write is one transaction, so a killed process
loses nothing that was written. Reads go through an in-memory copy that reloads only the chunks
another process changed. That copy (and what relevance backends derive from it, such as the
lexical index) is shared by every LessonBank object on the same bank in this process, so the
language server's second job on a repository does not load and index the bank again.
"""
from __future__ import annotations

import bisect
import logging
import operator
import threading
import time
import uuid
from collections import OrderedDict
from pathlib import Path
from typing import Any, Iterable, Sequence

from .chunks import ChunkStore, index_key
from .exchange import ImportReport, export_lines, import_lines
from .languages import family_of
from .records import Lesson, StoredResult
from .relevance import Relevance
from .selection import _speed_key, adjusted_factor, select_for_target, select_lessons, speed_eligible, speed_ranking
from .storage import BANK_ID_KEY, migrate, open_cache

log = logging.getLogger("lessonl_store")
MEMORIES_KEPT = 8  # banks whose in-memory copy a process keeps (one per repository it serves)
_AGE = operator.attrgetter("created", "id")  # oldest first; the id breaks ties
_identity = operator.attrgetter("id", "created", "file", "qualified_name")  # what orders and groups a lesson


def _fn_key(file: str, qualified_name: str) -> str:
    return f"results:{file}::{qualified_name}"


class _Memory:
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
        appended.sort(key=_AGE)
        if appended and self.ordered and _AGE(appended[0]) <= _AGE(self.ordered[-1]):
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


_MEMORIES: "OrderedDict[tuple[str, str], _Memory]" = OrderedDict()
_MEMORIES_LOCK = threading.Lock()


def _memory_for(path: Path, bank_id: str) -> _Memory:
    key = (str(path.resolve()), bank_id)
    with _MEMORIES_LOCK:
        memory = _MEMORIES.get(key)
        if memory is None:
            memory = _MEMORIES[key] = _Memory()
        _MEMORIES.move_to_end(key)
        while len(_MEMORIES) > MEMORIES_KEPT:
            _MEMORIES.popitem(last=False)
        return memory


class LessonBank:
    def __init__(self, path: Path, cache: Any, warnings: list[str]) -> None:
        self.path = path
        self.cache = cache
        self.warnings = warnings
        self.chunks = ChunkStore(cache)
        bank_id = cache.get(BANK_ID_KEY)
        if not isinstance(bank_id, str):
            cache.add(BANK_ID_KEY, uuid.uuid4().hex)  # add: a bank opened twice at once gets one id
            bank_id = str(cache.get(BANK_ID_KEY))
        self._memory = _memory_for(path, bank_id)

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
    def _refresh(self) -> _Memory:
        memory = self._memory
        versions = self.chunks.versions()
        with memory.lock:
            if versions != memory.versions:
                self._reload(memory, versions)
            for message in memory.unreadable.values():
                if message not in self.warnings:
                    self.warnings.append(message)
        return memory

    def _reload(self, memory: _Memory, versions: dict[int, int]) -> None:
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
                    if _identity(known) == _identity(fresh):
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
                memory.ordered = sorted(memory.lessons.values(), key=_AGE)
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
        return sorted(found, key=_AGE)

    def read_index(self, number: int) -> Any:
        try:
            return self.cache.get(index_key(number))
        except Exception:  # an unreadable index entry is rebuilt, never an error
            return None

    def write_index(self, number: int, blob: Any) -> None:
        try:
            self.cache.set(index_key(number), blob, tag="index")
        except Exception as exc:  # a read-only or full disk: the index stays in memory only
            log.warning("could not store the lexical index of chunk %s in %s: %s", number, self.path, exc)

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
               exclude_ids: Iterable[str] = (), function: tuple[str, str] | None = None) -> list[Lesson]:
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
                                     others_speed_ranked=ranked, lookup=self._memory.lessons, family=family)
        pool = self._all_ordered()
        if excluded:
            return select_lessons([l for l in pool if l.id not in excluded], k, code, relevance, significant)
        return select_lessons(pool, k, code, relevance, significant, self._speed_ranking("*", pool, significant))

    def _speed_ranking(self, group: str | None, pool: list[Lesson], significant: float) -> list[Lesson]:
        memory = self._memory
        with memory.lock:
            key = (group, significant)
            if key not in memory.speed:
                memory.speed[key] = speed_ranking(pool, significant)
            return memory.speed[key]

    def adjust_factors(self, lesson_ids: Sequence[str], new_speedups: Sequence[float]) -> None:
        """Effectiveness adjustment after a round (the rule is in selection.adjusted_factor)."""
        lessons = self._refresh().lessons
        changes = {i: {"factor": adjusted_factor(lessons[i], new_speedups)}
                   for i in dict.fromkeys(lesson_ids) if i in lessons}
        if changes:
            self.chunks.update_many(changes)
            self._refresh()

    def mark_used(self, lesson_ids: Sequence[str]) -> None:
        lessons = self._refresh().lessons
        changes = {i: {"uses": lessons[i].uses + 1} for i in dict.fromkeys(lesson_ids) if i in lessons}
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
        now = time.time()
        matching = [l for l in self._all_ordered()
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
        lessons = self._all_ordered()
        known_ids = {l.id for l in lessons}
        known_texts = {(l.text, l.file, l.qualified_name) for l in lessons}
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
