"""Exit status 0 means a candidate is correct: these pin the behaviour of every function."""
import math
import random

from hotspots import count_primes, find_duplicates, join_words, moving_average


def test_find_duplicates_order_of_first_repetition():
    assert find_duplicates([3, 1, 3, 2, 1, 3, 5]) == [3, 1]
    assert find_duplicates([]) == []
    assert find_duplicates([1, 2, 3]) == []


def test_find_duplicates_random_matches_reference():
    rng = random.Random(7)
    items = [rng.randrange(300) for _ in range(1500)]
    seen, repeated, want = set(), set(), []
    for x in items:
        if x in seen and x not in repeated:
            repeated.add(x)
            want.append(x)
        seen.add(x)
    assert find_duplicates(items) == want


def test_join_words_strips_and_separates():
    assert join_words([" a", "b ", " c "], ", ") == "a, b, c"
    assert join_words([], "-") == ""
    assert join_words(["only"], "-") == "only"


def test_moving_average_values():
    assert moving_average([1.0, 2.0, 3.0, 4.0], 2) == [1.5, 2.5, 3.5]
    assert moving_average([1.0, 2.0], 3) == []
    rng = random.Random(11)
    values = [rng.uniform(-5, 5) for _ in range(500)]
    got = moving_average(values, 25)
    want = [sum(values[i:i + 25]) / 25 for i in range(len(values) - 24)]
    assert len(got) == len(want)
    assert all(math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9) for a, b in zip(got, want))


def test_count_primes():
    assert count_primes(0) == 0
    assert count_primes(2) == 0
    assert count_primes(3) == 1
    assert count_primes(100) == 25
    assert count_primes(2000) == 303
