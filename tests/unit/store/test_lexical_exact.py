"""Lexical ranking is exact at any size: the pruned searches (`top`, `above`) and the bank's
selection give what exhaustive scoring gives, on a bank larger than the 5,000 lessons above
which an earlier version stopped reading postings, with common terms everywhere (so the
MaxScore pruning is exercised), duplicate documents and equal ages (so ties matter)."""
from __future__ import annotations

import heapq
import math
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lessonl_store import Lesson, LessonBank
from lessonl_store.lexical import LexicalRelevance

BANK_SIZE = 6000
COMMON = ["vector", "loop", "index", "size", "data", "value", "matrix", "sum", "count", "buffer"]
RARE = [f"{a}{b}" for a in ("tile", "fuse", "hoist", "cache", "merge", "split", "shift", "pack")
        for b in ("row", "col", "block", "lane", "word", "page", "node", "span")]
FILES = ["src/a.cpp", "src/b.cc", "lib/c.c", "tools/d.py", "tools/e.py"]


def _words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(COMMON) if rng.random() < 0.6 else rng.choice(RARE) for _ in range(n))


def make_lessons(seed: int = 11) -> list[Lesson]:
    rng = random.Random(seed)
    functions = [(rng.choice(FILES), f"fn_{i}", _words(rng, 12)) for i in range(60)]
    lessons: list[Lesson] = []
    for i in range(BANK_SIZE):
        if lessons and rng.random() < 0.05:  # a duplicate document, maybe of the same age
            twin = rng.choice(lessons)
            text, (file, name, code), candidate = twin.text, (twin.file, twin.qualified_name, twin.source_code), \
                twin.candidate_code
            created = twin.created if rng.random() < 0.5 else 1_700_000_000.0 + i
        else:
            text, (file, name, code), candidate = _words(rng, rng.randint(3, 14)), rng.choice(functions), \
                _words(rng, rng.randint(0, 8))
            created = 1_700_000_000.0 + rng.randint(0, BANK_SIZE // 3)  # many equal ages
        outcome = rng.choice(["faster", "faster", "no_significant_change", "slower", "incorrect"])
        speedup = rng.choice([1.05, 1.2, 1.5, 2.0, 3.0]) if outcome != "incorrect" else 0.0
        lessons.append(Lesson(text=text, outcome=outcome, speedup=speedup, round=0, agent="a", model="m",
                              file=file, qualified_name=name, function_hash=name, source_code=code,
                              candidate_code=candidate, factor=rng.choice([0.9, 1.0, 1.1]), created=created,
                              id=f"{rng.getrandbits(48):012x}"))
    return lessons


@pytest.fixture(scope="module")
def big_bank(tmp_path_factory: pytest.TempPathFactory) -> LessonBank:
    bank = LessonBank.open(Path(tmp_path_factory.mktemp("exact")) / ".lessonl")
    bank.add_many(make_lessons())
    assert bank.count() == BANK_SIZE
    yield bank
    bank.close()


def brute_top(relevance: LexicalRelevance, code: str, pool: list[Lesson], n: int, exclude: set[str]) -> list[str]:
    scores = relevance.scores(code, pool)  # exhaustive: every posting of every term
    keyed = [(-s, l.created, l.id) for s, l in zip(scores, pool) if l.id not in exclude]
    return [i for _, _, i in heapq.nsmallest(n, keyed)]


queries = st.lists(st.sampled_from(COMMON + RARE), min_size=1, max_size=14).map(" ".join)
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FAST
@given(code=queries, n=st.integers(1, 12), subset=st.sampled_from(["all", "c-family", "every-third"]),
       excluded=st.integers(0, 30), seed=st.integers(0, 2**16))
def test_top_is_the_exhaustive_ranking(big_bank: LessonBank, code: str, n: int, subset: str, excluded: int,
                                       seed: int) -> None:
    everything = big_bank.lessons()
    pool = {"all": everything,
            "c-family": [l for l in everything if not l.file.endswith(".py")],
            "every-third": everything[::3]}[subset]
    rng = random.Random(seed)
    exclude = {l.id for l in rng.sample(pool, excluded)}
    relevance = LexicalRelevance(big_bank)
    fast = [l.id for l in relevance.top(code, pool, n, exclude=exclude)]
    assert fast == brute_top(relevance, code, pool, n, exclude)


@FAST
@given(code=queries, floor=st.sampled_from([0.05, 0.12, 0.2, 0.3, 0.45]), subset=st.sampled_from(["all", "py"]),
       excluded=st.integers(0, 30), seed=st.integers(0, 2**16))
def test_above_finds_exactly_the_lessons_reaching_the_floor(big_bank: LessonBank, code: str, floor: float,
                                                           subset: str, excluded: int, seed: int) -> None:
    everything = big_bank.lessons()
    pool = everything if subset == "all" else [l for l in everything if l.file.endswith(".py")]
    exclude = {l.id for l in random.Random(seed).sample(pool, excluded)}
    relevance = LexicalRelevance(big_bank)
    scores = relevance.scores(code, pool)
    expected = {l.id: s for l, s in zip(pool, scores) if s >= floor and l.id not in exclude}
    assert relevance.above(code, pool, floor, exclude=exclude) == expected


@pytest.mark.parametrize("code", ["tilerow vector loop fuseblock", "matrix sum count value", "hoistlane"])
def test_the_banks_index_scores_as_a_lesson_scored_alone(big_bank: LessonBank, code: str) -> None:
    """The stored segments hold the same weights as tokenizing a lesson from scratch."""
    everything = big_bank.lessons()
    relevance = LexicalRelevance(big_bank)
    chosen = relevance.top(code, everything, 25)
    for lesson, score in zip(chosen, relevance.scores(code, chosen)):
        alone = LexicalRelevance().scores(code, [lesson])[0]
        assert alone == pytest.approx(score, rel=1e-12, abs=1e-15)
    assert math.isclose(sum(relevance.scores(code, chosen)), sum(LexicalRelevance().scores(code, chosen)),
                        rel_tol=1e-12)


def select_by_the_rule(bank: LessonBank, k: int, code: str, function: tuple[str, str], floor: float,
                       significant: float = 1.1) -> list[str]:
    """The selection rule stated directly over exhaustive scores: candidates are the function's
    own lessons and lessons of other functions in its language family scoring >= floor; at most
    k go in whole; else ceil(k/2) verified-faster by speedup x factor, then the most relevant."""
    relevance = LexicalRelevance(bank)
    everything = bank.lessons()
    family = (lambda f: "py" if f.endswith(".py") else "c")
    scores = dict(zip((l.id for l in everything), relevance.scores(code, everything)))
    candidates = [l for l in everything if (l.file, l.qualified_name) == function
                  or (family(l.file) == family(function[0]) and scores[l.id] >= floor)]
    by_speed = sorted(candidates, key=lambda l: (-l.speedup * l.factor, l.created, l.id))
    if len(candidates) <= k:
        return [l.id for l in by_speed]
    speed = [l for l in by_speed if l.outcome == "faster" and l.speedup * l.factor >= significant][: math.ceil(k / 2)]
    rest = sorted((l for l in candidates if l.id not in {s.id for s in speed}), key=lambda l: (-scores[l.id], l.created, l.id))
    return [l.id for l in [*speed, *rest[: k - len(speed)]]]


@pytest.mark.parametrize("code, function", [
    ("tilerow vector loop fuseblock cachepage", ("src/a.cpp", "fn_3")),
    ("matrix sum count value vector", ("tools/d.py", "fn_7")),
    ("mergespan hoistnode", ("lib/c.c", "nobody")),  # a function with no lessons of its own yet
])
@pytest.mark.parametrize("k", [1, 4, 7])
def test_bank_selection_is_the_rule_applied_exhaustively(big_bank: LessonBank, code: str,
                                                         function: tuple[str, str], k: int) -> None:
    relevance = LexicalRelevance(big_bank)
    chosen = [l.id for l in big_bank.select(k, code, relevance, function=function)]
    assert chosen == select_by_the_rule(big_bank, k, code, function, relevance.floor)


def test_an_unseen_lesson_tying_with_the_nth_still_wins_by_age() -> None:
    """Terms are read rarest first; after "alpha" the newer lesson holds the best score so far,
    and the bound of "beta" only equals it: the older lesson holding only "beta" ties and must
    still be found (ties go to the older lesson)."""
    def doc(text: str, created: float, name: str) -> Lesson:
        return Lesson(text=text, outcome="faster", speedup=1.0, round=0, agent="a", model="m", file="k.cpp",
                      qualified_name="", function_hash="", created=created, id=name)

    newer_alpha = doc("alpha", 2.0, "newer-alpha")
    older_beta = doc("beta", 1.0, "older-beta")
    noise = [doc(f"beta gamma{i} delta{i}", 3.0 + i, f"noise-{i}") for i in range(5)]  # beta is the commoner term
    pool = [older_beta, newer_alpha, *noise]
    relevance = LexicalRelevance()
    scores = relevance.scores("alpha beta", pool)
    assert scores[0] == scores[1] > max(scores[2:])  # a real tie
    assert [l.id for l in relevance.top("alpha beta", pool, 1)] == ["older-beta"]
    assert set(relevance.above("alpha beta", pool, scores[0])) == {"older-beta", "newer-alpha"}
