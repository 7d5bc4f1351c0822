"""Selection on the PostgreSQL bank: the database finds the candidates, the shared Python rule
(selection.py) chooses among them, so both banks choose alike.

For the lexical backend, a lesson's score is the dot product of its stored term weights with the
query's (the cosine lexical.py computes); a lesson of another function is a candidate only when
that score reaches the relevance floor. The database computes the score for the lessons holding
at least one *essential* query term (MaxScore: the terms whose bounds, query weight x the
largest weight the term has in the bank, add up to less than the floor cannot lift a lesson to
it on their own), found through the GIN index on `doc`. Fetched: the function's own lessons, the
RELEVANT_KEPT most relevant others above the floor, and the best speed-eligible others above
the floor; the Python rule then re-scores them exactly. The choice equals the diskcache bank's
unless more than RELEVANT_KEPT lessons tie at the relevance cut (see docs/design.md).

Other backends (embeddings, local) score in Python: every lesson of the family is a candidate.
"""
from __future__ import annotations

import math
from typing import Any

from .lexindex import query_weights

RELEVANT_KEPT = 256
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


SCORE_SQL = """
WITH q(t, w) AS (SELECT * FROM unnest(%(terms)s::text[], %(weights)s::float8[]))
SELECT {columns}, s.score FROM lessons l
CROSS JOIN LATERAL (SELECT coalesce(sum(q.w * (l.terms ->> q.t)::float8), 0) AS score
                    FROM q WHERE l.terms ? q.t) s
WHERE {scope} AND l.family = %(family)s AND NOT (l.file = %(file)s AND l.qualified_name = %(name)s)
  AND l.doc @@ %(tsq)s::tsquery AND s.score >= %(floor)s {extra}
ORDER BY {order} LIMIT %(limit)s
"""


def candidate_params(code: str, max_weights: dict[str, float], floor: float) -> dict[str, Any] | None:
    """Query parameters, or None when no lesson can reach the floor."""
    query = query_weights(code)
    essential = essential_terms(query, max_weights, floor)
    if not essential:
        return None
    terms = sorted(query)
    return {"terms": terms, "weights": [query[t] for t in terms], "tsq": tsquery(essential),
            "floor": floor - _MARGIN}


def speed_limit(k: int) -> int:
    return math.ceil(k / 2) + SPEED_EXTRA
