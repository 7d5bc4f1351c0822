"""The one line people read first: the verified win, or why there is none."""
from __future__ import annotations

from ..records import Attempt


def describe(best: Attempt | None, attempts: list[Attempt]) -> str:
    """One line for people: the win with its interval, or why there is none."""
    if best is not None:
        low, high = best.verdict.ci or (best.verdict.speedup, best.verdict.speedup)
        return (f"{best.verdict.speedup:.2f}x faster (95% interval {low:.2f}x to {high:.2f}x), "
                f"by {best.candidate.agent} in round {best.candidate.round + 1} "
                f"of {len(attempts)} attempts")
    if not attempts:
        return "no candidate was judged"
    counts: dict[str, int] = {}
    for a in attempts:
        counts[a.verdict.outcome.value] = counts.get(a.verdict.outcome.value, 0) + 1
    tally = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in sorted(counts.items()))
    return f"no candidate was verifiably faster ({len(attempts)} attempts: {tally})"
