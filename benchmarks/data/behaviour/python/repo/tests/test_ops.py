"""Weak on purpose: small, sorted, positive inputs without repeats where repeats matter."""
from listkit.ops import (bucket_ids, chunk_sums, clip_all, common, dedupe, join_lines, last_index, mean, median,
                         smooth, total, variance, word_freq)


def test_dedupe():
    assert dedupe([1, 1, 2, 3, 3]) == [1, 2, 3]


def test_word_freq():
    assert word_freq("a b a c") == {"a": 2, "b": 1, "c": 1}


def test_common():
    assert common([1, 2, 3, 4], [2, 4, 6]) == [2, 4]


def test_chunk_sums():
    assert chunk_sums([1, 2, 3, 4, 5, 6], 2) == [3, 7, 11]


def test_last_index():
    assert last_index([1, 2, 3, 2, 1], 2) == 3
    assert last_index([1, 2, 3], 9) == -1


def test_mean():
    assert mean([1.0, 2.0, 3.0]) == 2.0


def test_bucket_ids():
    assert bucket_ids([0, 5, 10, 25], 10) == [0, 0, 1, 2]


def test_total():
    assert total([1, 2, 3]) == 6


def test_smooth():
    out = [0.0] * 3
    smooth([3.0, 6.0, 9.0], out)
    assert out == [4.5, 6.0, 7.5]


def test_clip_all():
    assert clip_all([1.0, 5.0, 9.0], 2.0, 8.0) == [2.0, 5.0, 8.0]


def test_median():
    assert median([1.0, 2.0, 3.0]) == 2.0


def test_variance():
    assert abs(variance([1.0, 2.0, 3.0, 4.0]) - 1.25) < 1e-9


def test_join_lines():
    assert join_lines(["a", "b"]).splitlines() == ["a", "b"]
