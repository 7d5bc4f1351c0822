"""The embeddings backend's candidates on a PostgreSQL bank with pgvector: the database compares
the vectors (`<=>`, cosine distance) and returns the few lessons selection can choose among.

Each lesson row holds `doc_hash`, the hash of its embedding text, so a lesson meets its cached
vector in SQL (`embeddings.key = model || ':' || doc_hash`, the key EmbeddingCache uses). The
`vector` column is untyped: one table holds every model's vectors whatever their dimension
(vectors of one model, one key prefix, always share one).

As with the lexical backend (pg_select.py), the database fetches the k + RELEVANT_EXTRA most
similar lessons of other functions above the floor and the fastest speed-eligible ones above it;
Python then scores these candidates again from their float8 vectors (the `cosine` of the fallback,
not pgvector's float4 one), so both paths choose the same lessons. The search is exact, without
an HNSW index: pgvector 0.6 filters an HNSW scan's results after the approximate search, so the
lessons of one repository and language could be missed in a database shared by many.
"""
from __future__ import annotations

from typing import Any

from .embeddings import EmbeddingCache, cosine
from .records import Lesson
from .relevance import lesson_document

MARGIN = 1e-4  # pgvector computes in float4: the database's floor is this much lower, Python re-checks

# The vector of a lesson's embedding text for the model (float8 array when written by a bank
# that had no pgvector yet).
_VECTOR = "coalesce(e.embedding, e.vector::vector)"
_OTHERS = ("{scope} AND l.family = %(family)s AND NOT (l.file = %(file)s AND l.qualified_name = %(name)s)")

# Others of the family whose vector for this model is not stored yet: embedded before the search.
MISSING_CONDITION = ("l.family = %(family)s AND NOT (l.file = %(file)s AND l.qualified_name = %(name)s)"
                     " AND NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.key = %(prefix)s || l.doc_hash)")

_SCORED = f"""
SELECT l.*, e.vector AS float_vector,
       1 - ({_VECTOR} <=> %(query)s::float8[]::vector) AS score
FROM lessons l JOIN embeddings e ON e.key = %(prefix)s || l.doc_hash
WHERE {_OTHERS}
"""
# NaN: pgvector's distance to a zero vector (Python's cosine gives it 0, under any floor).
RELEVANT_SQL = ("SELECT {columns}, l.float_vector FROM (" + _SCORED + ") l"
                " WHERE l.score >= %(floor)s AND l.score <> 'NaN'"
                " ORDER BY l.score DESC, l.created, l.id LIMIT %(limit)s")
SPEED_SQL = ("SELECT {columns}, l.float_vector FROM (" + _SCORED + ") l"
             " WHERE l.score >= %(floor)s AND l.score <> 'NaN' AND l.outcome = 'faster'"
             " AND l.speedup * l.factor >= %(significant)s"
             " ORDER BY l.speedup * l.factor DESC, l.created, l.id LIMIT %(limit)s")


def doc_hash(lesson: Lesson) -> str:
    """The hash EmbeddingCache.key gives the lesson's embedding text (pg_schema.DOC_HASH_SQL in SQL)."""
    return EmbeddingCache.key("", lesson_document(lesson))[1:]


def scores_in_database(relevance: Any) -> bool:
    """Whether `relevance` is the embeddings backend (vectors by model through the bank's cache)."""
    return getattr(relevance, "name", "") == "embeddings" and hasattr(relevance, "embed") \
        and bool(getattr(relevance, "model", ""))


def embed_missing(relevance: Any, lessons: list[Lesson]) -> None:
    """Store the vectors the search needs and the bank lacks (put_embedding writes both columns)."""
    if lessons:
        relevance.embed([lesson_document(l) for l in lessons])


def python_scores(query: list[float], rows: list[tuple[list[float], Lesson]]) -> dict[str, float]:
    """The fallback's cosine of each candidate, from the float8 vectors the search returned."""
    return {lesson.id: cosine(query, vector) for vector, lesson in rows}
