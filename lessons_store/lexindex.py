"""Term weights of lessons, in segments that load fast and are kept in the bank.

A lesson's document (its text, the name of the function it was learned on, that function and the
attempted rewrite) becomes a vector of term weights, L2-normalised so that a dot product with a
normalised query is the cosine. Tokenizing 100,000 documents takes seconds, so the weights are
computed once per lesson and kept, per chunk of the bank, as one Segment: for every term the
chunk-local numbers of the lessons holding it and their weights, packed as bytes. Unpickling a
segment then creates a few thousand bytes objects instead of a million floats, and only the
query's terms are ever unpacked (into dicts, memoised on the segment).
"""
from __future__ import annotations

import math
import sys
import zlib
from array import array
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterable, Sequence

from .languages import family_of
from .records import Lesson
from .tokens import COMMON, terms

# Bump when tokens.py or the weighting below changes: stored segments are then rebuilt.
WEIGHTS_VERSION = 1
_INDEX = "I"  # uint32 local numbers
_WEIGHT = "d"  # float64 weights
assert array(_INDEX).itemsize == 4 and array(_WEIGHT).itemsize == 8
_ENTRY = 12
FAMILY_CODES = {None: 0, "c-family": 1, "python": 2}  # one byte per lesson in a segment


@lru_cache(maxsize=65536)
def _part_terms(text: str) -> tuple[tuple[str, int], ...]:
    """Terms of one part of a document; code parts repeat across lessons, so they are cached."""
    return tuple(terms(text).items())


def _normalised(parts: Iterable[str]) -> dict[str, float]:
    counts: dict[str, int] = {}
    for part in parts:
        for term, count in _part_terms(part):
            counts[term] = counts.get(term, 0) + count
    weights = {t: (1.0 + math.log(c)) * (0.3 if t in COMMON else 1.0) for t, c in counts.items()}
    norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
    return {t: w / norm for t, w in weights.items()}


def document_parts(lesson: Lesson) -> tuple[str, str, str, str]:
    """What relevance compares with the code (the same as relevance.lesson_document)."""
    return (lesson.text, lesson.qualified_name, lesson.source_code, lesson.candidate_code)


def document_signature(lesson: Lesson) -> int:
    """A checksum of the document, so that weights kept for an id are reused only while its
    document is unchanged."""
    return zlib.crc32("\x00".join(document_parts(lesson)).encode("utf-8", "surrogatepass"))


def document_weights(lesson: Lesson) -> dict[str, float]:
    return _normalised(document_parts(lesson))


def query_weights(code: str) -> dict[str, float]:
    return _normalised((code,))


@dataclass
class Segment:
    """The weights of a group of lessons: `postings[term]` packs (local number, weight) pairs."""

    ids: tuple[str, ...]
    ages: tuple[float, ...]  # created, by local number: the tie-break after the score
    postings: dict[str, bytes]
    signatures: tuple[int, ...] = ()  # document_signature by local number
    families: bytes = b""  # FAMILY_CODES of each lesson's language family, by local number
    _dicts: dict[str, dict[int, float]] = field(default_factory=dict, repr=False)
    _max: dict[str, float] = field(default_factory=dict, repr=False)
    _local_of: dict[str, int] | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.ids)

    def local_of(self) -> dict[str, int]:
        """id -> local number (built once per segment)."""
        if self._local_of is None:
            self._local_of = {i: local for local, i in enumerate(self.ids)}
        return self._local_of

    def frequency(self, term: str) -> int:
        packed = self.postings.get(term)
        return len(packed) // _ENTRY if packed else 0

    def term(self, term: str) -> dict[int, float] | None:
        """{local number: weight} of the lessons holding `term` (unpacked once, then memoised)."""
        found = self._dicts.get(term)
        if found is None:
            packed = self.postings.get(term)
            if packed is None:
                return None
            found = _unpack(packed)
            self._max[term] = max(found.values())
            self._dicts[term] = found
        return found

    def max_weight(self, term: str) -> float:
        if term not in self._max and self.term(term) is None:
            return 0.0
        return self._max[term]

    def known_weights(self) -> dict[str, tuple[int, dict[str, float]]]:
        """id -> (signature, weights) of every lesson, to rebuild a changed chunk without
        re-tokenizing the lessons it still holds."""
        out: list[dict[str, float]] = [{} for _ in self.ids]
        for term, packed in self.postings.items():
            for local, weight in _unpack(packed).items():
                out[local][term] = weight
        signatures = self.signatures or (None,) * len(self.ids)
        return {i: (s, w) for i, s, w in zip(self.ids, signatures, out) if s is not None}

    # -- persistence -----------------------------------------------------------------------------
    def to_blob(self) -> dict[str, Any]:
        return {"v": WEIGHTS_VERSION, "order": sys.byteorder, "ids": self.ids, "signatures": self.signatures,
                "families": self.families, "ages": array(_WEIGHT, self.ages).tobytes(), "postings": self.postings}

    @classmethod
    def from_blob(cls, blob: Any) -> "Segment | None":
        """The stored segment, or None if it was written by another weighting or machine."""
        if not isinstance(blob, dict) or blob.get("v") != WEIGHTS_VERSION or blob.get("order") != sys.byteorder:
            return None
        ids, families = tuple(blob["ids"]), bytes(blob.get("families") or b"")
        if len(families) != len(ids):
            return None
        ages = array(_WEIGHT)
        ages.frombytes(blob["ages"])
        return cls(ids, tuple(ages), dict(blob["postings"]), tuple(blob.get("signatures") or ()), families)


def build_segment(ids: Sequence[str], ages: Sequence[float], weights: Sequence[dict[str, float]],
                  signatures: Sequence[int] = (), families: bytes = b"") -> Segment:
    lists: dict[str, tuple[array, array]] = {}
    for local, doc in enumerate(weights):
        for term, weight in doc.items():
            entry = lists.get(term)
            if entry is None:
                entry = lists[term] = (array(_INDEX), array(_WEIGHT))
            entry[0].append(local)
            entry[1].append(weight)
    postings = {t: idx.tobytes() + w.tobytes() for t, (idx, w) in lists.items()}
    return Segment(tuple(ids), tuple(float(a) for a in ages), postings, tuple(signatures),
                   families or bytes(len(ids)))


def segment_of(lessons: Sequence[Lesson], known: dict[str, tuple[int, dict[str, float]]] | None = None) -> Segment:
    """A segment for `lessons`; `known` (from Segment.known_weights) spares re-tokenizing the
    lessons whose document has not changed."""
    known = known or {}
    signatures = [document_signature(l) for l in lessons]
    weights = []
    for lesson, signature in zip(lessons, signatures):
        kept = known.get(lesson.id)
        weights.append(kept[1] if kept is not None and kept[0] == signature else document_weights(lesson))
    families = bytes(FAMILY_CODES[family_of(l.file)] for l in lessons)
    return build_segment([l.id for l in lessons], [l.created for l in lessons], weights, signatures, families)


def _unpack(packed: bytes) -> dict[int, float]:
    count = len(packed) // _ENTRY
    view = memoryview(packed)
    local, weight = array(_INDEX), array(_WEIGHT)
    local.frombytes(view[: 4 * count])
    weight.frombytes(view[4 * count:])
    return dict(zip(local, weight))
