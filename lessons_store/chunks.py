"""Lessons stored in chunks of up to CHUNK_SIZE, each with a version number.

One diskcache entry per lesson made loading 100,000 lessons take seconds; chunks make it a few
hundred reads. The version map lets a process that holds the bank in memory (the language server)
reload only the chunks another process (a CLI run) has changed.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable

import diskcache

from .storage import CHUNKS_KEY

CHUNK_SIZE = 1000


def chunk_key(number: int) -> str:
    return f"chunk:{number}"


def loc_key(lesson_id: str) -> str:
    return f"loc:{lesson_id}"


def index_key(number: int) -> str:
    """The lexical index segment of a chunk (lexindex.py), valid while the chunk holds the same
    lessons with the same documents."""
    return f"lex:{number}"


# Fields that make up a lesson's document for relevance; changing one invalidates its chunk's index.
DOCUMENT_FIELDS = frozenset({"text", "qualified_name", "source_code", "candidate_code"})


class ChunkStore:
    """Raw storage of lesson dicts. Callers hold `cache.transact()` around multi-step writes."""

    def __init__(self, cache: diskcache.Cache) -> None:
        self.cache = cache

    def versions(self) -> dict[int, int]:
        value = self.cache.get(CHUNKS_KEY) or {}
        if not isinstance(value, dict):
            raise ValueError(f"{CHUNKS_KEY} holds {type(value).__name__}, not a version map")
        return dict(value)

    def read(self, number: int) -> dict[str, dict[str, Any]]:
        return dict(self.cache.get(chunk_key(number)) or {})

    def _write(self, number: int, chunk: dict[str, dict[str, Any]], versions: dict[int, int]) -> None:
        self.cache.set(chunk_key(number), chunk, tag="lesson")
        versions[number] = versions.get(number, 0) + 1

    def append_many(self, lessons: Iterable[dict[str, Any]]) -> dict[int, int]:
        with self.cache.transact():
            versions = self.versions()
            number = max(versions) if versions else 0
            try:
                chunk = self.read(number)
            except Exception:  # an unreadable last chunk is left as it is; new lessons start a new one
                number, chunk = number + 1, {}
            dirty = False
            for lesson in lessons:
                if len(chunk) >= CHUNK_SIZE:
                    self._write(number, chunk, versions)
                    number, chunk = number + 1, {}
                chunk[lesson["id"]] = lesson
                self.cache.set(loc_key(lesson["id"]), number)
                dirty = True
            if dirty:
                self._write(number, chunk, versions)
            self.cache.set(CHUNKS_KEY, versions)
            return versions

    def update_with(self, ids: Iterable[str], change: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[int, int]:
        """Set `change(stored lesson) -> fields` on each lesson, computed from the lesson as
        stored, inside the write transaction: another process's adjustment of the same lesson
        between our read and our write cannot be lost (diskcache's transaction is SQLite's
        BEGIN IMMEDIATE, one writer at a time). Unknown ids are ignored."""
        with self.cache.transact():
            found: dict[str, dict[str, Any]] = {}
            chunks: dict[int, dict[str, dict[str, Any]]] = {}
            for lesson_id in ids:
                number = self.cache.get(loc_key(lesson_id))
                if number is not None:
                    if number not in chunks:
                        chunks[number] = self.read(number)
                    stored = chunks[number].get(lesson_id)
                    if stored is not None:
                        found[lesson_id] = change(stored)
            return self.update_many(found) if found else self.versions()

    def update_many(self, changes: dict[str, dict[str, Any]]) -> dict[int, int]:
        """`changes`: lesson id -> fields to set. Unknown ids are ignored."""
        with self.cache.transact():
            versions = self.versions()
            by_chunk: dict[int, list[str]] = {}
            for lesson_id in changes:
                number = self.cache.get(loc_key(lesson_id))
                if number is not None:
                    by_chunk.setdefault(number, []).append(lesson_id)
            for number, ids in by_chunk.items():
                chunk = self.read(number)
                for lesson_id in ids:
                    if lesson_id in chunk:
                        chunk[lesson_id] = {**chunk[lesson_id], **changes[lesson_id]}
                        if DOCUMENT_FIELDS & set(changes[lesson_id]):
                            self.cache.delete(index_key(number))
                self._write(number, chunk, versions)
            self.cache.set(CHUNKS_KEY, versions)
            return versions

    def delete_many(self, ids: Iterable[str]) -> dict[int, int]:
        with self.cache.transact():
            versions = self.versions()
            by_chunk: dict[int, list[str]] = {}
            for lesson_id in ids:
                number = self.cache.get(loc_key(lesson_id))
                if number is not None:
                    by_chunk.setdefault(number, []).append(lesson_id)
                    self.cache.delete(loc_key(lesson_id))
            for number, chunk_ids in by_chunk.items():
                chunk = self.read(number)
                for lesson_id in chunk_ids:
                    chunk.pop(lesson_id, None)
                self._write(number, chunk, versions)
            self.cache.set(CHUNKS_KEY, versions)
            return versions
