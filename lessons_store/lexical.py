"""Lexical relevance: cosine similarity of term weights, with an exact and fast inverted index.

Scores depend only on the code and the lesson (no corpus statistics), so a lesson scores the
same alone or among thousands, and what a user sees in a prompt can be reproduced.

Ranking is exact at any size. `search` reads the query's terms rarest first, term at a time,
with the MaxScore bound of each term (its query weight x its largest posting weight): once the
bounds of the terms still to read add up to less than the score a new lesson would need (the
n-th best partial score so far, or the relevance floor), no lesson unseen so far can make it,
so the remaining terms only update the candidates already held (by lookup), and candidates that
cannot reach the threshold any more are dropped. The bound is compared strictly and with a
margin for rounding, so a lesson that could tie the n-th (ties go to the older lesson) is kept.

The index comes from the bank when there is one: weights are computed once per lesson and kept
per chunk in the bank (lexindex.py), and the segments are shared by every backend object on the
same bank in this process, so neither a new job nor a new process re-tokenizes the bank.
"""
from __future__ import annotations

import heapq
import threading
from itertools import chain
from typing import Any, Iterable, Sequence

from .lexindex import FAMILY_CODES, Segment, query_weights, segment_of
from .records import Lesson
from .relevance import _field, register_backend

# Calibrated on benchmarks/data/relevance_pairs.json (production documents; run
# `python benchmarks/relevance_quality.py --calibrate`): the 95th percentile of the scores of
# lessons learned on an unrelated function of the same language family, i.e. a lesson of
# another function that has nothing to do with the code passes at most 1 time in 20.
DEFAULT_FLOOR = 0.12
SEGMENT_SIZE = 1000  # lessons per in-memory segment when there is no bank (the bank's chunk size)
KNOWN_KEPT = 200_000  # weights of lessons indexed before, kept so that they are not re-tokenized


def _below(bound: float, threshold: float) -> bool:
    """bound < threshold with room for rounding: sums of the same terms in another order may
    differ in the last bits, and a lesson that may tie must stay in the race."""
    return bound * (1.0 + 1e-9) + 1e-12 < threshold


class SegmentSet:
    """Segments numbered together; a lesson is (segment number, local number)."""

    def __init__(self, segments: Sequence[Segment]) -> None:
        self.segments = list(segments)
        self.size = sum(len(s) for s in self.segments)
        self._where: dict[str, tuple[int, int]] | None = None
        self._masks: list[tuple[Any, list[bytearray]]] = []  # recent (wanted set, masks)
        self._families: dict[int, list[bytearray]] = {}  # family code -> masks
        self._lock = threading.Lock()

    def where(self) -> dict[str, tuple[int, int]]:
        if self._where is None:
            self._where = {i: (s, local) for s, seg in enumerate(self.segments) for local, i in enumerate(seg.ids)}
        return self._where

    def family_masks(self, family: str | None, exclude: Iterable[str]) -> list[bytearray]:
        """Per segment, 1 for the lessons of one language family not in `exclude`."""
        code = FAMILY_CODES[family]
        with self._lock:
            base = self._families.get(code)
            if base is None:
                table = bytes(1 if c == code else 0 for c in range(256))
                base = self._families[code] = [bytearray(s.families.translate(table)) for s in self.segments]
        return self._without(base, exclude)

    def _without(self, base: list[bytearray], exclude: Iterable[str]) -> list[bytearray]:
        exclude = set(exclude)
        if not exclude:
            return base
        masks = [bytearray(m) for m in base]
        if self._where is not None:
            for lesson_id in exclude:
                found = self._where.get(lesson_id)
                if found is not None:
                    masks[found[0]][found[1]] = 0
            return masks
        # A few ids (the function's own lessons): each segment's own map, kept while the segment
        # is, instead of a map of the whole bank rebuilt whenever any chunk changes.
        for number, segment in enumerate(self.segments):
            local_of = segment.local_of()
            for lesson_id in exclude & local_of.keys():
                masks[number][local_of[lesson_id]] = 0
        return masks

    def masks(self, wanted: frozenset[str] | None, exclude: Iterable[str]) -> list[bytearray] | None:
        """Per segment, 1 for the lessons a query may return (in `wanted`, not in `exclude`)."""
        exclude = [i for i in exclude]
        if wanted is None and not exclude:
            return None
        with self._lock:
            cached = next((m for w, m in self._masks if w is wanted), None)
            if cached is not None:
                base = cached
            elif wanted is None:
                base = [bytearray(b"\x01") * len(s) for s in self.segments]
            else:
                base = [bytearray(len(s)) for s in self.segments]
                where = self.where()
                for lesson_id in wanted:
                    found = where.get(lesson_id)
                    if found is not None:
                        base[found[0]][found[1]] = 1
            if cached is None:
                self._masks = [(wanted, base), *self._masks[:3]]
        return self._without(base, exclude)


def search(query: dict[str, float], index: SegmentSet, *, n: int | None = None, floor: float | None = None,
           masks: list[bytearray] | None = None, prune: bool = True) -> list[dict[int, float]]:
    """Exact scores (dot products of normalised weights), per segment {local: score}, of every
    lesson that may be among the n best (n given) or reach `floor` (floor given); with
    prune=False, of every lesson sharing a term with the query. Lessons scoring 0 are absent."""
    segments = index.segments
    terms = []
    for term, weight in query.items():
        frequency = sum(s.frequency(term) for s in segments)
        if frequency:
            terms.append((frequency, term, weight))
    terms.sort()  # rarest first; equal frequencies in term order, so sums are reproducible
    bounds = [weight * max(s.max_weight(term) for s in segments) for _, term, weight in terms]
    remaining = [0.0] * (len(terms) + 1)
    for i in range(len(terms) - 1, -1, -1):
        remaining[i] = remaining[i + 1] + bounds[i]
    acc: list[dict[int, float]] = [{} for _ in segments]
    growing = True  # new lessons may still enter
    for i, (_, term, weight) in enumerate(terms):
        if prune:
            threshold = _threshold(acc, n, floor)
            if threshold is not None and _below(remaining[i], threshold):
                if growing or len(terms) - i >= 2:  # dropping costs a pass; worth it for 2+ lookups
                    _drop_hopeless(acc, remaining[i], threshold)
                growing = False
        for s, segment in enumerate(segments):
            postings = segment.term(term)
            if not postings:
                continue
            held = acc[s]
            if growing:
                mask = masks[s] if masks is not None else None
                get = held.get
                for local, w in postings.items():
                    value = get(local)
                    if value is None:
                        if mask is not None and not mask[local]:
                            continue
                        held[local] = weight * w
                    else:
                        held[local] = value + weight * w
            elif held:
                if len(held) < len(postings):
                    find = postings.get
                    for local, value in held.items():
                        w = find(local)
                        if w is not None:
                            held[local] = value + weight * w
                else:
                    get = held.get
                    for local, w in postings.items():
                        value = get(local)
                        if value is not None:
                            held[local] = value + weight * w
    return acc


def _threshold(acc: list[dict[int, float]], n: int | None, floor: float | None) -> float | None:
    """The score a lesson must reach to matter: the n-th best partial score (a lower bound of
    the n-th best final score, as scores only grow), or the floor, whichever is higher."""
    if n is None:
        return floor
    if sum(len(a) for a in acc) < n:
        return floor
    nth = heapq.nlargest(n, chain.from_iterable(a.values() for a in acc))[-1]
    return nth if floor is None else max(nth, floor)


def _drop_hopeless(acc: list[dict[int, float]], remaining: float, threshold: float) -> None:
    for held in acc:
        hopeless = [local for local, value in held.items() if _below(value + remaining, threshold)]
        for local in hopeless:
            del held[local]


class LexicalRelevance:
    name = "lexical"

    def __init__(self, bank: Any = None, floor: float | None = None) -> None:
        self.bank = bank
        self.floor = DEFAULT_FLOOR if floor is None else float(floor)
        self._lists: list[tuple[Any, ...]] = []  # recent (list, length, its own index)
        self._known: dict[str, tuple[int, dict[str, float]]] = {}  # weights of lessons indexed before
        self._pools: list[tuple[Any, ...]] = []  # recent (list, length, index, wanted, by id)

    # -- the index ---------------------------------------------------------------------------
    def _index_for(self, lessons: Sequence[Lesson]) -> tuple[SegmentSet, frozenset[str] | None, dict[str, Lesson]]:
        """(an index holding every lesson of `lessons`, the subset wanted or None for all, id ->
        lesson). The bank's index serves pools that are a good part of the bank; a small pool
        (the function's own lessons, a language few lessons are in) gets its own little index,
        as a query reads every posting of its terms in whichever index it runs on."""
        index = bank_index(self.bank) if _indexed(self.bank) else None
        if index is None or len(lessons) * 4 < index.size:
            index = self._list_index(lessons)
        for entry in self._pools:  # the list itself is held: an id() of a freed list may be reused
            if entry[0] is lessons and entry[1] == len(lessons) and entry[2] is index:
                return index, entry[3], entry[4]
        by_id = {l.id: l for l in lessons}
        where = index.where()
        if any(i not in where for i in by_id):  # lessons the bank does not hold (yet)
            index = self._list_index(lessons)
        wanted = None if len(by_id) >= index.size else frozenset(by_id)
        self._pools = [(lessons, len(lessons), index, wanted, by_id), *self._pools[:3]]
        return index, wanted, by_id

    def _list_index(self, lessons: Sequence[Lesson]) -> SegmentSet:
        for entry in self._lists:
            if entry[0] is lessons and entry[1] == len(lessons):
                return entry[2]
        segments = [segment_of(lessons[start:start + SEGMENT_SIZE], self._known)
                    for start in range(0, len(lessons), SEGMENT_SIZE)]
        if len(self._known) > KNOWN_KEPT:
            self._known = {}
        for segment in segments:
            self._known.update(segment.known_weights())
        index = SegmentSet(segments)
        self._lists = [(lessons, len(lessons), index), *self._lists[:3]]
        return index

    @staticmethod
    def _results(index: SegmentSet, acc: list[dict[int, float]], floor: float | None) -> dict[str, float]:
        """id -> score of what `search` found (only eligible lessons are ever accumulated)."""
        out: dict[str, float] = {}
        for segment, held in zip(index.segments, acc):
            ids = segment.ids
            if floor is None:
                out.update((ids[local], score) for local, score in held.items())
            else:
                out.update((ids[local], score) for local, score in held.items() if score >= floor)
        return out

    # -- the Relevance protocol and the fast paths selection uses ------------------------------
    def scores(self, code: str, lessons: Sequence[Lesson]) -> list[float]:
        """Every lesson's score, exhaustively (no pruning): what `top` and `above` must agree with."""
        if not lessons:
            return []
        index, wanted, _ = self._index_for(lessons)
        acc = search(query_weights(code), index, masks=index.masks(wanted, ()), prune=False)
        found = self._results(index, acc, None)
        return [found.get(l.id, 0.0) for l in lessons]

    def top(self, code: str, lessons: Sequence[Lesson], n: int,
            exclude: set[str] | frozenset[str] = frozenset()) -> list[Lesson]:
        """The n most relevant of `lessons` (oldest first) not in `exclude`; ties to the older
        lesson, then the smaller id: the order `scores` gives, without scoring every lesson."""
        if n <= 0 or not lessons:
            return []
        index, wanted, by_id = self._index_for(lessons)
        acc = search(query_weights(code), index, n=n, masks=index.masks(wanted, exclude))
        found = self._results(index, acc, None)
        best = heapq.nsmallest(n, ((-score, by_id[i].created, i) for i, score in found.items()))
        chosen = [by_id[i] for _, _, i in best]
        if len(chosen) < n:  # fewer lessons share a term with the code than asked: the oldest others
            zero = (l for l in lessons if l.id not in found and l.id not in exclude)
            chosen += heapq.nsmallest(n - len(chosen), zero, key=lambda l: (l.created, l.id))
        return chosen

    def above(self, code: str, lessons: Sequence[Lesson], floor: float,
              exclude: set[str] | frozenset[str] = frozenset(), family: str | None = None) -> dict[str, float]:
        """id -> score of every lesson of `lessons` not in `exclude` scoring at least `floor`.
        `family`: `lessons` are the bank's lessons of that language family, so the bank's index
        can pick them out itself (no pass over the list, which changes every round)."""
        if not lessons:
            return {}
        if floor <= 0.0:
            return {l.id: s for l, s in zip(lessons, self.scores(code, lessons)) if l.id not in exclude and s >= floor}
        if family is not None and _indexed(self.bank):
            index = bank_index(self.bank)
            if len(lessons) * 4 >= index.size:  # a good part of the bank (else a list index is cheaper)
                acc = search(query_weights(code), index, floor=floor, masks=index.family_masks(family, exclude))
                return self._results(index, acc, floor)
        index, wanted, _ = self._index_for(lessons)
        acc = search(query_weights(code), index, floor=floor, masks=index.masks(wanted, exclude))
        return self._results(index, acc, floor)


# ---- the bank's index: one segment per chunk, kept in the bank and shared in this process ------
def _indexed(bank: Any) -> bool:
    """A bank this module keeps an index for (the diskcache bank's chunks); the PostgreSQL bank
    finds its candidates in the database and hands selection a list."""
    return bank is not None and hasattr(bank, "chunk_layout")


def bank_index(bank: Any) -> SegmentSet:
    """The SegmentSet of every lesson in `bank`, current with its chunks. A chunk's segment is
    reused while the chunk holds the same lessons (factor and use counts do not change a
    document), read from the bank when another process wrote it, else built and stored."""
    shared = bank.shared_state("lexical")
    with shared.setdefault("lock", threading.Lock()):
        layout = bank.chunk_layout()  # [(number, version, ids)], current
        segments: dict[int, tuple[int, Segment]] = shared.setdefault("segments", {})
        current: list[Segment] = []
        for number, version, ids in layout:
            held = segments.get(number)
            if held is None or held[0] != version:
                # New to this process, or the chunk was written since (by us or another process):
                # the stored segment is valid while the chunk holds the same lessons; a document
                # edit deletes it (chunks.py), and then only changed lessons are re-tokenized.
                stored = Segment.from_blob(bank.read_index(number))
                if stored is not None and set(stored.ids) == ids:
                    same = held is not None and (held[1].ids, held[1].signatures) == (stored.ids, stored.signatures)
                    segment = held[1] if same else stored  # keep what this process unpacked already
                else:
                    segment = _build_segment(bank, number, held[1] if held is not None else stored)
                held = (version, segment)
                segments[number] = held
            current.append(held[1])
        for number in set(segments) - {n for n, _, _ in layout}:
            del segments[number]
        key = tuple(id(s) for s in current)
        if shared.get("key") != key:
            shared["key"], shared["index"] = key, SegmentSet(current)
        return shared["index"]


def _build_segment(bank: Any, number: int, previous: Segment | None) -> Segment:
    lessons = bank.chunk_lessons(number)
    segment = segment_of(lessons, previous.known_weights() if previous is not None else None)
    bank.write_index(number, segment.to_blob())
    return segment


def _factory(config: Any, bank: Any) -> LexicalRelevance:
    return LexicalRelevance(bank, floor=_field(config, "floor", None))


register_backend("lexical", _factory)
