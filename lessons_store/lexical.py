"""Lexical relevance: cosine similarity of term weights, with an inverted index for big banks.

In banks of up to LARGE_BANK lessons, scores depend only on the code and the lesson (no corpus
statistics), so a lesson ranks the same whether scored alone or among thousands: what a user sees
in one prompt can be reproduced. Larger banks trade that for speed (see SCAN_BUDGET).
"""
from __future__ import annotations

import heapq
import math
from functools import lru_cache
from typing import Any, Sequence

from .records import Lesson
from .relevance import register_backend
from .tokens import COMMON, terms

# In banks larger than LARGE_BANK, scoring reads the query's terms rarest first and stops after
# SCAN_BUDGET postings: the common terms it then skips barely move the ranking (rare terms are
# the informative ones, as in IDF) but would dominate the cost. Small banks are scored exactly.
LARGE_BANK = 5000
SCAN_BUDGET = 25_000


@lru_cache(maxsize=65536)
def _part_terms(text: str) -> tuple[tuple[str, int], ...]:
    """Terms of one part of a lesson; code parts repeat across lessons, so they are cached."""
    return tuple(terms(text).items())


def _weights_of(parts: Sequence[str]) -> dict[str, float]:
    counts: dict[str, int] = {}
    for part in parts:
        for term, count in _part_terms(part):
            counts[term] = counts.get(term, 0) + count
    return {t: (1.0 + math.log(c)) * (0.3 if t in COMMON else 1.0) for t, c in counts.items()}


def _lesson_parts(lesson: Lesson) -> tuple[str, ...]:
    return (lesson.text, lesson.qualified_name, lesson.source_code, lesson.candidate_code)


class LexicalRelevance:
    name = "lexical"

    def __init__(self) -> None:
        self._docs: dict[str, tuple[str, Lesson]] = {}  # id -> (text it was indexed from, lesson)
        self._terms: dict[str, tuple[str, ...]] = {}
        # term -> {lesson id: weight / norm of the lesson}: a dot product is then the cosine
        self._postings: dict[str, dict[str, float]] = {}
        self._indexed: tuple[int, int] = (0, 0)  # (id of the list last indexed, its length)
        self._age: dict[str, tuple[float, str]] = {}  # id -> (created, id): the tie-break order

    def _index(self, lessons: Sequence[Lesson]) -> None:
        if self._indexed == (id(lessons), len(lessons)):
            return  # the bank passes the same cached list until a lesson changes
        docs = self._docs
        for lesson in lessons:
            known = docs.get(lesson.id)
            if known is not None and known[0] == lesson.text:
                if known[1] is not lesson:
                    docs[lesson.id] = (known[0], lesson)
                continue
            for term in self._terms.get(lesson.id, ()):
                self._postings.get(term, {}).pop(lesson.id, None)
            weights = _weights_of(_lesson_parts(lesson))
            norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
            docs[lesson.id] = (lesson.text, lesson)
            self._age[lesson.id] = (lesson.created, lesson.id)
            self._terms[lesson.id] = tuple(weights)
            for term, weight in weights.items():
                self._postings.setdefault(term, {})[lesson.id] = weight / norm
        self._indexed = (id(lessons), len(lessons))

    def _dots(self, code: str, wanted: set[str] | None) -> dict[str, float]:
        query = _weights_of((code,))
        qnorm = math.sqrt(sum(w * w for w in query.values())) or 1.0
        budget = SCAN_BUDGET if len(self._docs) > LARGE_BANK else math.inf
        dots: dict[str, float] = {}
        get = dots.get
        found = [(self._postings[t], w) for t, w in query.items() if t in self._postings]
        for postings, qweight in sorted(found, key=lambda p: len(p[0])):
            budget -= len(postings)
            if budget < 0:
                break
            q = qweight / qnorm
            for lesson_id, weight in postings.items():
                dots[lesson_id] = get(lesson_id, 0.0) + q * weight
        if wanted is not None:
            dots = {i: d for i, d in dots.items() if i in wanted}
        return dots

    def _wanted(self, lessons: Sequence[Lesson]) -> set[str] | None:
        return None if len(lessons) >= len(self._docs) else {l.id for l in lessons}

    def scores(self, code: str, lessons: Sequence[Lesson]) -> list[float]:
        self._index(lessons)
        dots = self._dots(code, self._wanted(lessons))
        return [dots.get(l.id, 0.0) for l in lessons]

    def top(self, code: str, lessons: Sequence[Lesson], n: int, exclude: set[str] | frozenset[str] = frozenset()) -> list[Lesson]:
        """The n most relevant of `lessons` not in `exclude`, ties to the oldest: the order
        `scores` gives, without scoring the lessons that share no term with the code."""
        if n <= 0:
            return []
        self._index(lessons)
        dots = self._dots(code, self._wanted(lessons))
        for lesson_id in exclude:
            dots.pop(lesson_id, None)
        docs = self._docs
        if dots:
            floor = heapq.nlargest(n, dots.values())[-1]
            above = sorted(((d, i) for i, d in dots.items() if d > floor),
                           key=lambda p: (-p[0], self._age[p[1]]))
            at_floor = [i for i, d in dots.items() if d == floor]
            oldest = heapq.nsmallest(n - len(above), at_floor, key=self._age.__getitem__)
            chosen = [docs[i][1] for i in (*(i for _, i in above), *oldest)]
        else:
            chosen = []
        if len(chosen) < n:
            zero = (l for l in lessons if l.id not in dots and l.id not in exclude)
            chosen += heapq.nsmallest(n - len(chosen), zero, key=lambda l: (l.created, l.id))
        return chosen


def _factory(config: Any, bank: Any) -> LexicalRelevance:
    return LexicalRelevance()


register_backend("lexical", _factory)
