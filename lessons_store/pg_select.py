"""Selection on the PostgreSQL bank: the database finds the candidates, the shared Python rule
(selection.py) chooses among them, so both banks choose alike.

For the lexical backend, a lesson's score is the dot product of its stored term weights with the
query's (the cosine lexical.py computes); a lesson of another function is a candidate only when
that score reaches the relevance floor. The database computes the score for the lessons holding
at least one *essential* query term (MaxScore: the terms whose bounds, query weight x the
largest weight the term has in the bank, add up to less than the floor cannot lift a lesson to
it on their own), found through the GIN index on `doc`. Fetched: the function's own lessons, the
k + RELEVANT_EXTRA most relevant others above the floor, and the best speed-eligible others
above the floor; the Python rule then re-scores them exactly. The choice equals the diskcache
bank's while at most SCAN_LIMIT lessons hold an essential term (and fewer than RELEVANT_EXTRA
tie at the relevance cut). Beyond that, only the newest SCAN_LIMIT of them are scored for the
relevance half (the speed half still reads every speed-eligible lesson in order
of speed): a bound on the work per selection in a bank of millions (see docs/design.md).

The embeddings backend on a server with pgvector finds its candidates the same way (pg_vectors.py);
without pgvector, and for other backends (local), Python scores every lesson of the family.
"""
from __future__ import annotations

import math
from typing import Any, Sequence

from .lexindex import query_weights
from .records import Lesson

RELEVANT_EXTRA = 32  # others fetched beyond k for the relevance half (ties at its cut, rounding)
SCAN_LIMIT = 2_000  # lessons holding an essential term scored per selection, at most
SPEED_EXTRA = 16  # speed-eligible lessons fetched beyond the speed half (ties at its cut)
_MARGIN = 1e-9  # sums in another order differ in the last bits: Python re-checks the floor


def essential_terms(query: dict[str, float], max_weights: dict[str, float], floor: float) -> list[str]:
    """The query terms at least one of which a lesson needs to score `floor`."""
    bounds = sorted((query[t] * max_weights[t], t) for t in query if t in max_weights)
    total, cut = 0.0, 0
    for bound, _ in bounds:
        if (total + bound) * (1.0 + 1e-9) + 1e-12 >= floor:
            break
        total += bound
        cut += 1
    return sorted(t for _, t in bounds[cut:])


def tsquery(terms: list[str]) -> str:
    """`'a' | 'b'` over lexemes as stored by array_to_tsvector (no parser, no normalisation)."""
    return " | ".join("'" + t.replace("'", "''").replace("\\", "\\\\") + "'" for t in terms)


# The score as one expression over the query's terms (parameters t0.., w0..): a jsonb lookup per
# term and row, no set-returning function per row.
def score_expression(count: int) -> str:
    return " + ".join(f"coalesce((l.terms ->> %(t{i})s)::float8, 0) * %(w{i})s" for i in range(count)) or "0"


# Relevance half: the best others above the floor among the %(scan)s newest lessons holding an
# essential term (read newest first along lessons_age where matches are many, through the GIN
# index and a sort where they are few: the planner picks).
RELEVANT_SQL = """
SELECT {columns}, l.score FROM (
    SELECT l.*, ({score}) AS score FROM lessons l
    WHERE {scope} AND l.family = %(family)s AND NOT (l.file = %(file)s AND l.qualified_name = %(name)s)
      AND l.doc @@ %(tsq)s::tsquery
    ORDER BY l.created DESC, l.id DESC LIMIT %(scan)s) l
WHERE l.score >= %(floor)s
ORDER BY l.score DESC, l.created, l.id LIMIT %(limit)s
"""

# Speed half: the fastest speed-eligible others above the floor, read in the speed index's order.
SPEED_SQL = """
SELECT {columns}, ({score}) AS score FROM lessons l
WHERE {scope} AND l.family = %(family)s AND NOT (l.file = %(file)s AND l.qualified_name = %(name)s)
  AND l.outcome = 'faster' AND l.speedup * l.factor >= %(significant)s
  AND l.doc @@ %(tsq)s::tsquery AND ({score}) >= %(floor)s
ORDER BY l.speedup * l.factor DESC, l.created, l.id LIMIT %(limit)s
"""


def candidate_params(code: str, max_weights: dict[str, float], floor: float) -> dict[str, Any]:
    """Query parameters; "tsq" is None when no lesson of another function can reach the floor."""
    query = query_weights(code)
    essential = essential_terms(query, max_weights, floor)
    terms = sorted(t for t in query if t in max_weights)  # a term no lesson holds adds nothing
    params: dict[str, Any] = {"tsq": tsquery(essential) if essential else None, "floor": floor - _MARGIN,
                              "n_terms": len(terms)}
    for i, term in enumerate(terms):
        params[f"t{i}"], params[f"w{i}"] = term, query[term]
    return params


class ScoredRelevance:
    """The lexical backend's scores as the database computed them (the same dot product of the
    same stored weights), so the candidates need not be tokenized again in Python, or the
    embeddings backend's from the vectors the pgvector search returned; lessons without a score
    here are scored by the backend itself."""

    def __init__(self, inner: Any, scores: dict[str, float]) -> None:
        self.inner = inner
        self.name = getattr(inner, "name", "lexical")
        self.floor = getattr(inner, "floor", 0.0)
        self.known = scores

    def scores(self, code: str, lessons: Sequence[Lesson]) -> list[float]:
        missing = [l for l in lessons if l.id not in self.known]
        if missing:
            self.known.update(zip((l.id for l in missing), self.inner.scores(code, missing)))
        return [self.known[l.id] for l in lessons]

    def above(self, code: str, lessons: Sequence[Lesson], floor: float,
              exclude: set[str] | frozenset[str] = frozenset(), family: str | None = None) -> dict[str, float]:
        pool = [l for l in lessons if l.id not in exclude]
        return {l.id: s for l, s in zip(pool, self.scores(code, pool)) if s >= floor}


def speed_limit(k: int) -> int:
    return math.ceil(k / 2) + SPEED_EXTRA
