"""Choosing the k lessons for a prompt, exactly as the LessonL algorithm specifies.

Speed half: among lessons with speedup x factor >= significant, the top ceil(k/2) by
speedup x factor. Relevance half: the remaining slots go to the most relevant of the rest.
When there are at most k candidates, all of them go in. Ties break on age, then id, so a
selection is reproducible.
"""
from __future__ import annotations

import heapq
import math
from typing import Sequence

from .records import Lesson
from .relevance import Relevance


def _speed_key(lesson: Lesson) -> tuple[float, float, str]:
    return (-lesson.score, lesson.created, lesson.id)


def speed_ranking(lessons: Sequence[Lesson], significant: float) -> list[Lesson]:
    """Lessons with speedup x factor >= significant, best first (the speed half's pool)."""
    return sorted((l for l in lessons if l.speedup * l.factor >= significant), key=_speed_key)


def select_lessons(lessons: Sequence[Lesson], k: int, code: str, relevance: Relevance,
                   significant: float = 1.1, speed_ranked: Sequence[Lesson] | None = None) -> list[Lesson]:
    """`lessons` oldest first; `speed_ranked` may pass speed_ranking(lessons) when cached."""
    if k <= 0 or not lessons:
        return []
    if len(lessons) <= k:
        return sorted(lessons, key=_speed_key)
    ranked = speed_ranked if speed_ranked is not None else speed_ranking(lessons, significant)
    speed = list(ranked[: math.ceil(k / 2)])
    chosen = {l.id for l in speed}
    slots = k - len(speed)
    top = getattr(relevance, "top", None)
    if top is not None:  # a backend that can rank without scoring every lesson
        return [*speed, *top(code, lessons, slots, exclude=chosen)]
    rest = [l for l in lessons if l.id not in chosen]
    scores = relevance.scores(code, rest)
    best = heapq.nsmallest(slots, zip(scores, rest), key=lambda p: (-p[0], p[1].created, p[1].id))
    return [*speed, *(l for _, l in best)]


def adjusted_factor(lesson: Lesson, new_speedups: Sequence[float]) -> float:
    """The reference's effectiveness rule: mean over this round's new speedups s of
    (1.1 if s > lesson.speedup else 0.9). It REPLACES the factor (it does not multiply): a lesson
    is judged by the last round it steered, so one that stops helping sinks at once."""
    if not new_speedups:
        return lesson.factor
    return sum(1.1 if s > lesson.speedup else 0.9 for s in new_speedups) / len(new_speedups)
