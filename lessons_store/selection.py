"""Choosing the k lessons for a prompt, exactly as the LessonL algorithm specifies.

Speed half: among lessons with speedup x factor >= significant, the top ceil(k/2) by
speedup x factor. Relevance half: the remaining slots go to the most relevant of the rest.
When there are at most k candidates, all of them go in. Ties break on age, then id, so a
selection is reproducible.

Only a lesson whose attempt was verified `faster` may enter the speed half: a "no significant
change" attempt with a point speedup of 1.12 was not shown to be faster, so the prompt must not
present it as a significant improvement (prompts.lesson_intro says the same), and it must not
take a speed slot either. Effectiveness adjustment is unchanged: it compares a lesson's own
point speedup with the speedups of the round it steered.

Beyond the paper (select_for_target): lessons learned on OTHER functions of the repository are
candidates too, when their language is compatible (C with C++, Python with Python) and their
relevance to the code reaches the backend's floor (its `floor` attribute, calibrated per
backend on benchmarks/data/relevance_pairs.json). The floor applies to both halves: a lesson
about unrelated code is noise in a prompt whichever half it would take, and without the floor a
small bank would fill its slots with it. The function's own lessons follow the paper exactly.

Provenance tie-break (`prefer`, the machine selecting): between lessons with the same speedup x
factor (speed half) or the same relevance score (relevance half, where scores are compared here
rather than inside a backend's `top`), a lesson learned on the same CPU model with the same
compiler comes first; then age and id as before. Without `prefer` nothing changes.
"""
from __future__ import annotations

import heapq
import math
from operator import itemgetter
from typing import Callable, Mapping, Sequence

from .records import Lesson, Provenance
from .relevance import Relevance

FASTER = "faster"  # lessonl.records.Outcome.FASTER


def _speed_key(lesson: Lesson) -> tuple[float, float, str]:
    return (-lesson.score, lesson.created, lesson.id)


def _relevance_key(pair: tuple[float, Lesson]) -> tuple[float, float, str]:
    return (-pair[0], pair[1].created, pair[1].id)


def _elsewhere(prefer: Provenance | None, lesson: Lesson) -> int:
    """0 for a lesson learned on the preferred machine (or when there is no preference), else 1."""
    return 0 if prefer is None or prefer.same_machine(lesson) else 1


def _preferring(prefer: Provenance | None) -> Callable[[Lesson], tuple[float, int, float, str]]:
    def key(lesson: Lesson) -> tuple[float, int, float, str]:
        return (-lesson.score, _elsewhere(prefer, lesson), lesson.created, lesson.id)

    return key


def _with_ties(ranked: Sequence[Lesson], n: int, keep: Callable[[Lesson], bool] = lambda l: True) -> list[Lesson]:
    """The first n lessons of `ranked` that `keep` accepts, and those after them with the same
    score as the n-th (so a tie-break can choose among them)."""
    out: list[Lesson] = []
    for lesson in ranked:
        if len(out) >= n and (not out or lesson.score != out[-1].score):
            break
        if keep(lesson):
            out.append(lesson)
    return out


def speed_eligible(lesson: Lesson, significant: float) -> bool:
    """May this lesson take a speed slot? Verified faster, and speedup x factor >= significant."""
    return lesson.outcome == FASTER and lesson.speedup * lesson.factor >= significant


def speed_ranking(lessons: Sequence[Lesson], significant: float) -> list[Lesson]:
    """The speed half's pool, best first."""
    return sorted((l for l in lessons if speed_eligible(l, significant)), key=_speed_key)


def relevance_floor(relevance: Relevance) -> float:
    """The score a lesson of another function needs to be a candidate (0 for backends without one)."""
    return float(getattr(relevance, "floor", 0.0) or 0.0)


def select_lessons(lessons: Sequence[Lesson], k: int, code: str, relevance: Relevance,
                   significant: float = 1.1, speed_ranked: Sequence[Lesson] | None = None,
                   prefer: Provenance | None = None) -> list[Lesson]:
    """The paper's rule over one pool. `lessons` oldest first; `speed_ranked` may pass
    speed_ranking(lessons) when cached."""
    if k <= 0 or not lessons:
        return []
    if len(lessons) <= k:
        return sorted(lessons, key=_preferring(prefer))
    ranked = speed_ranked if speed_ranked is not None else speed_ranking(lessons, significant)
    half = math.ceil(k / 2)
    if prefer is None:
        speed = list(ranked[:half])
    else:
        speed = heapq.nsmallest(half, _with_ties(ranked, half), key=_preferring(prefer))
    chosen = {l.id for l in speed}
    slots = k - len(speed)
    top = getattr(relevance, "top", None)
    if top is not None:  # a backend that can rank without scoring every lesson
        return [*speed, *top(code, lessons, slots, exclude=chosen)]
    rest = [l for l in lessons if l.id not in chosen]
    best = heapq.nsmallest(slots, zip(relevance.scores(code, rest), rest),
                           key=lambda p: (-p[0], _elsewhere(prefer, p[1]), p[1].created, p[1].id))
    return [*speed, *(l for _, l in best)]


def select_for_target(own: Sequence[Lesson], others: Sequence[Lesson], k: int, code: str,
                      relevance: Relevance, significant: float = 1.1,
                      exclude: set[str] | frozenset[str] = frozenset(),
                      others_speed_ranked: Sequence[Lesson] | None = None,
                      lookup: Mapping[str, Lesson] | None = None, family: str | None = None,
                      prefer: Provenance | None = None) -> list[Lesson]:
    """k lessons for the function whose code is `code`: its `own` lessons, plus those of
    `others` (oldest first; lessons of other functions in a compatible language, `exclude`
    left out) whose relevance reaches the floor; then the paper's rule over these candidates.
    A caller that keeps them may pass speed_ranking(others) and an id -> lesson mapping; the
    bank says which language family `others` is (a bank-backed index then needs no list)."""
    if k <= 0:
        return []
    by_id = {l.id: l for l in own}
    keys = [(-score, _elsewhere(prefer, l), l.created, l.id)
            for l, score in zip(own, relevance.scores(code, own))] if own else []
    relevant = relevant_others(relevance, code, others, relevance_floor(relevance), exclude, family)
    if len(keys) + len(relevant) <= k:
        return sorted([*own, *(l for l in others if l.id in relevant)], key=_preferring(prefer))
    lesson_of = _finder(others, relevant, lookup)
    # Speed half: the best of the function's own eligible lessons and of the relevant others'.
    half = math.ceil(k / 2)
    ranked = others_speed_ranked if others_speed_ranked is not None else speed_ranking(others, significant)
    if prefer is None:
        fast_others = []
        for lesson in ranked:
            if len(fast_others) == half:
                break
            if lesson.id in relevant:
                fast_others.append(lesson)
    else:
        fast_others = _with_ties(ranked, half, lambda l: l.id in relevant)
    speed = heapq.nsmallest(half, [*(l for l in own if speed_eligible(l, significant)), *fast_others],
                            key=_preferring(prefer))
    chosen = {l.id for l in speed}
    # Relevance half: only the k best others (and what ties with the k-th) can make it.
    keys += [(-score, _elsewhere(prefer, lesson_of(i)), lesson_of(i).created, i)
             for i, score in _best_with_ties(relevant, k, others, prefer, lesson_of)]
    best = heapq.nsmallest(k - len(speed), (key for key in keys if key[3] not in chosen))
    return [*speed, *(by_id[i] if i in by_id else lesson_of(i) for *_, i in best)]


def _finder(others: Sequence[Lesson], relevant: dict[str, float],
            lookup: Mapping[str, Lesson] | None) -> Callable[[str], Lesson]:
    """id -> lesson of `others`: from the caller's mapping when it has the id (it may be a live
    map another thread updates), else from `others` itself."""
    own_map: dict[str, Lesson] = {}

    def lesson_of(lesson_id: str) -> Lesson:
        found = lookup.get(lesson_id) if lookup is not None else None
        if found is None:
            if not own_map:
                own_map.update((l.id, l) for l in others if l.id in relevant)
            found = own_map[lesson_id]
        return found

    return lesson_of


def _best_with_ties(scores: dict[str, float], n: int, oldest_first: Sequence[Lesson],
                    prefer: Provenance | None = None,
                    lesson_of: Callable[[str], Lesson] | None = None) -> list[tuple[str, float]]:
    """The n best (id, score) pairs by (-score, age, id): the n highest scores, and among the
    lessons tying with the n-th, the oldest (the first met in `oldest_first`); with `prefer`,
    every lesson tying with the n-th (the caller's tie-break picks among them)."""
    if len(scores) <= n:
        return list(scores.items())
    best = heapq.nlargest(n, scores.items(), key=itemgetter(1))
    cut = best[-1][1]
    above = [p for p in best if p[1] > cut]
    tied = {i for i, score in scores.items() if score == cut}
    if prefer is not None:
        return [*above, *((i, cut) for i in tied)]
    need = n - len(above)
    oldest = []
    for lesson in oldest_first:
        if lesson.id in tied:
            oldest.append((lesson.id, cut))
            if len(oldest) == need:
                break
    return [*above, *oldest]


def relevant_others(relevance: Relevance, code: str, others: Sequence[Lesson], floor: float,
                    exclude: set[str] | frozenset[str] = frozenset(), family: str | None = None) -> dict[str, float]:
    """id -> score for each lesson of `others` not in `exclude` scoring at least `floor`."""
    above = getattr(relevance, "above", None)
    if above is not None:  # a backend that can find them without scoring every lesson
        if family is not None:
            return dict(above(code, others, floor, exclude=exclude, family=family))
        return dict(above(code, others, floor, exclude=exclude))
    pool = [l for l in others if l.id not in exclude]
    if not pool:
        return {}
    return {l.id: s for l, s in zip(pool, relevance.scores(code, pool)) if s >= floor}


def adjusted_factor(lesson: Lesson, new_speedups: Sequence[float]) -> float:
    """The reference's effectiveness rule: mean over this round's new speedups s of
    (1.1 if s > lesson.speedup else 0.9). It REPLACES the factor (it does not multiply): a lesson
    is judged by the last round it steered, so one that stops helping sinks at once."""
    if not new_speedups:
        return lesson.factor
    return sum(1.1 if s > lesson.speedup else 0.9 for s in new_speedups) / len(new_speedups)
