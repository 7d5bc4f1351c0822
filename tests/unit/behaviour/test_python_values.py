"""What the Python behaviour check calls a difference: values, types, aliasing, arguments left
changed, exceptions, float tolerance and NumPy arrays, and what it declines to compare.

Each case is a real run: the original and the rewrite side by side in a child interpreter.
"""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from lessonl.behaviour.records import CheckSettings

from .test_python_protocol import DEDUPE, check, ran, swap

DEDUPE_BODY = """
    seen = set()
    out = []
    for x in items:
        if x not in seen:
            seen.add(x)
            out.append(x)
    return out
"""


def test_sorted_set_instead_of_an_order_preserving_dedupe_is_a_mismatch_showing_both_values(tmp_path: Path):
    """The issue's case: `sorted(set(items))` passes a test that only checks membership, but
    loses the order of first appearance; the event shows both whole results."""
    candidate = swap(DEDUPE, DEDUPE_BODY, "return sorted(set(items))")
    run = ran(check(tmp_path, DEDUPE, candidate, """
        import mod
        assert set(mod.dedupe([3, 1, 3, 2])) == {1, 2, 3}
    """, name="dedupe"))
    assert run.instrumented.mode == "dual"
    assert run.mismatch == {**run.mismatch, "call": 1, "what": "return value", "original": "[3, 1, 2]",
                            "rewrite": "[1, 2, 3]"}


def test_dict_fromkeys_keeps_first_appearance_order_and_matches_on_every_call(tmp_path: Path):
    candidate = swap(DEDUPE, DEDUPE_BODY, "return list(dict.fromkeys(items))")
    run = ran(check(tmp_path, DEDUPE, candidate, """
        import mod
        for items in ([3, 1, 3, 2], [], ["b", "a", "b"], [1.5, 1.5], [(1, 2), (1, 2), None]):
            mod.dedupe(items)
    """, name="dedupe"))
    assert run.mismatch is None and run.uncompared == []
    assert (run.calls, run.checked) == (5, 5)


FIND_DUPLICATES = '''
    def find_duplicates(items):
        """Values that occur more than once, in order of their first repetition (== decides)."""
        duplicates = []
        for i in range(len(items)):
            for j in range(i):
                if items[j] == items[i]:
                    if items[i] not in duplicates:
                        duplicates.append(items[i])
                    break
        return duplicates
'''
FIND_DUPLICATES_BODY = """
    duplicates = []
    for i in range(len(items)):
        for j in range(i):
            if items[j] == items[i]:
                if items[i] not in duplicates:
                    duplicates.append(items[i])
                break
    return duplicates
"""
SEEN_SET = """
    seen, dups, reported = set(), [], set()
    for x in items:
        if x in seen and x not in reported:
            dups.append(x)
            reported.add(x)
        seen.add(x)
    return dups
"""
COUNTER = """
    import collections
    return [x for x, n in collections.Counter(items).items() if n > 1]
"""


@pytest.mark.parametrize("body, items, difference", [
    (SEEN_SET, "[1, 1.0, True, 2, 2]", None),  # hashing agrees with == : 1, 1.0 and True are one value
    (COUNTER, "[3, 1, 1, 3]", ("[1, 3]", "[3, 1]")),  # order of first occurrence, not first repetition
    (COUNTER, "[1, 1.0]", ("[1.0]", "[1]")),  # the repeated value is the second one, a float
])
def test_find_duplicates_rewrites_are_held_to_python_equality_and_order(tmp_path: Path, body: str, items: str,
                                                                         difference: tuple[str, str] | None):
    candidate = swap(FIND_DUPLICATES, FIND_DUPLICATES_BODY, body)
    run = ran(check(tmp_path, FIND_DUPLICATES, candidate, f"""
        import mod
        mod.find_duplicates({items})
    """, name="find_duplicates"))
    if difference is None:
        assert run.mismatch is None and run.checked == 1
    else:
        assert (run.mismatch["what"], run.mismatch["original"], run.mismatch["rewrite"]) == \
            ("return value", *difference)


def test_returning_the_argument_itself_instead_of_a_new_list_is_a_mismatch(tmp_path: Path):
    """Equal values, but the caller now holds its own list twice: appending to the result
    would change the argument."""
    module = '''
        def clipped(values, hi):
            return [min(v, hi) for v in values]
    '''
    candidate = swap(module, "return [min(v, hi) for v in values]",
                     "return values if max(values) <= hi else [min(v, hi) for v in values]")
    run = ran(check(tmp_path, module, candidate, """
        import mod
        assert mod.clipped([1, 2], 9) == [1, 2]
    """, name="clipped"))
    assert (run.mismatch["what"], run.mismatch["original"], run.mismatch["rewrite"]) == \
        ("return value", "a new list", "the argument `values` itself")


def test_returning_the_same_argument_as_the_original_is_no_difference(tmp_path: Path):
    module = '''
        def sort_in_place(values):
            for i in range(len(values)):
                for j in range(len(values) - 1 - i):
                    if values[j] > values[j + 1]:
                        values[j], values[j + 1] = values[j + 1], values[j]
            return values
    '''
    candidate = swap(module, """
        for i in range(len(values)):
            for j in range(len(values) - 1 - i):
                if values[j] > values[j + 1]:
                    values[j], values[j + 1] = values[j + 1], values[j]
        return values""", "values.sort()\nreturn values")
    run = ran(check(tmp_path, module, candidate, """
        import mod
        xs = [3, 1, 2]
        assert mod.sort_in_place(xs) is xs and xs == [1, 2, 3]
    """, name="sort_in_place"))
    assert run.mismatch is None and run.checked == 1


def test_an_argument_changed_and_not_restored_is_a_mismatch_on_that_argument(tmp_path: Path):
    module = '''
        def median(xs):
            s = sorted(xs)
            return s[len(s) // 2]
    '''
    candidate = swap(module, "s = sorted(xs)", "xs.sort()\ns = xs")
    run = ran(check(tmp_path, module, candidate, """
        import mod
        assert mod.median([3, 1, 2]) == 2
    """, name="median"))
    assert (run.mismatch["what"], run.mismatch["original"], run.mismatch["rewrite"]) == \
        ("xs", "[3, 1, 2]", "[1, 2, 3]")


def test_deep_differences_in_large_values_are_reported_by_their_path(tmp_path: Path):
    module = '''
        def tally(rows):
            return {r["key"]: [r["n"]] * 20 for r in rows}
    '''
    candidate = swap(module, 'return {r["key"]: [r["n"]] * 20 for r in rows}',
                     'out = {r["key"]: [r["n"]] * 20 for r in rows}\nout["b"][7] += 1\nreturn out')
    run = ran(check(tmp_path, module, candidate, """
        import mod
        mod.tally([{"key": k, "n": i} for i, k in enumerate("abcdefghijklmnopqrst")])
    """, name="tally"))
    assert (run.mismatch["what"], run.mismatch["original"], run.mismatch["rewrite"]) == \
        ("return value['b'][7]", "1", "2")


@pytest.mark.parametrize("rewrite, what, original, rewritten", [
    ("return sum(xs) // len(xs)", "type(return value)", "float", "int"),
    ("return tuple(xs)[0:0] or sum(xs) / len(xs)", None, None, None),  # same value, same type
    ("return {k: 0 for k in sorted(xs)} and sum(xs) / len(xs)", None, None, None),
])
def test_types_must_match_exactly(tmp_path: Path, rewrite: str, what, original, rewritten):
    module = '''
        def mean(xs):
            return sum(xs) / len(xs)
    '''
    candidate = swap(module, "return sum(xs) / len(xs)", rewrite)
    run = ran(check(tmp_path, module, candidate, "import mod\nmod.mean([2, 4])\n", name="mean"))
    if what is None:
        assert run.mismatch is None
    else:
        assert (run.mismatch["what"], run.mismatch["original"], run.mismatch["rewrite"]) == (what, original, rewritten)


def test_dict_key_order_is_behaviour(tmp_path: Path):
    module = '''
        def counts(words):
            out = {}
            for w in words:
                out[w] = out.get(w, 0) + 1
            return out
    '''
    candidate = swap(module, "return out", "return dict(sorted(out.items()))")
    run = ran(check(tmp_path, module, candidate, "import mod\nmod.counts(['b', 'a', 'b'])\n", name="counts"))
    assert (run.mismatch["what"], run.mismatch["original"], run.mismatch["rewrite"]) == \
        ("return value", "{'b': 2, 'a': 1}", "{'a': 1, 'b': 2}")


TOTAL = '''
    def total(xs):
        s = 0.0
        for x in xs:
            s += x
        return s
'''
TOTAL_BODY = """
    s = 0.0
    for x in xs:
        s += x
    return s
"""


def test_a_reassociated_float_sum_is_within_tolerance(tmp_path: Path):
    candidate = swap(TOTAL, TOTAL_BODY, "return sum(reversed(xs)) + 0.0")
    run = ran(check(tmp_path, TOTAL, candidate, """
        import mod
        xs = [0.1 * i + 1e-7 * (i % 7) for i in range(1000)]
        mod.total(xs); mod.total([float("nan")]); mod.total([float("inf"), 1.0])
    """, name="total"))
    assert run.mismatch is None and run.checked == 3


def test_a_float_error_beyond_the_tolerance_is_a_mismatch(tmp_path: Path):
    candidate = swap(TOTAL, TOTAL_BODY, "return round(sum(xs), 4)")
    run = ran(check(tmp_path, TOTAL, candidate, """
        import mod
        mod.total([0.123456, 0.1])
    """, name="total"))
    assert (run.mismatch["what"], run.mismatch["original"], run.mismatch["rewrite"]) == \
        ("return value", "0.223456", "0.2235")


NORMALISE = '''
    import numpy as np

    def normalise(a):
        return a / np.nanmax(a)
'''


@pytest.mark.parametrize("dtype, rewrite, what", [
    ("float32", "return a * (np.float32(1.0) / np.nanmax(a)) * np.float32(1.00001)", None),  # 1e-5 < rtol_f32
    ("float64", "return a * (1.0 / np.nanmax(a)) * 1.00001", "return value[0]"),  # 1e-5 > rtol
    ("float32", "return (a / np.nanmax(a)).reshape(1, -1)", "return value.shape"),
    ("float32", "return (a / np.nanmax(a)).astype(np.float64)", "return value.dtype"),
    ("float64", "return np.where(np.isnan(a), np.nan, a * 0.25)", None),  # NaN where the original has NaN
])
def test_numpy_arrays_compare_shape_dtype_then_values_with_the_dtype_s_tolerance(tmp_path: Path, dtype: str,
                                                                                  rewrite: str, what):
    candidate = swap(NORMALISE, "return a / np.nanmax(a)", rewrite)
    run = ran(check(tmp_path, NORMALISE, candidate, f"""
        import numpy as np
        import mod
        mod.normalise(np.array([1.0, 3.0, np.nan, 4.0], dtype=np.{dtype}))
    """, name="normalise"))
    if what is None:
        assert run.mismatch is None and run.checked == 1, run.events
    else:
        assert run.mismatch["what"] == what, run.mismatch


def test_a_numpy_array_argument_changed_in_place_is_reported_at_its_first_differing_index(tmp_path: Path):
    module = '''
        def scaled(a, k):
            return a * k
    '''
    candidate = swap(module, "return a * k", "a *= k\nreturn a.copy()")
    run = ran(check(tmp_path, module, candidate, """
        import numpy as np
        import mod
        mod.scaled(np.zeros((3, 4)) + np.eye(3, 4), 2.0)
    """, name="scaled"))
    assert (run.mismatch["what"], run.mismatch["original"], run.mismatch["rewrite"]) == ("a[0, 0]", "1.0", "2.0")


FIRST = '''
    def first_even(xs):
        for x in xs:
            if x % 2 == 0:
                return x
        raise ValueError("no even number")
'''


def test_both_versions_raising_the_same_exception_type_is_a_match_and_the_caller_gets_the_rewrite_s(
        tmp_path: Path):
    candidate = swap(FIRST, """
        for x in xs:
            if x % 2 == 0:
                return x
        raise ValueError("no even number")""", """
        evens = [x for x in xs if x % 2 == 0]
        return evens[0] if evens else int("no even")""")
    run = ran(check(tmp_path, FIRST, candidate, """
        import mod
        try:
            mod.first_even([1, 3])
        except ValueError as e:
            assert "invalid literal" in str(e)
        else:
            raise AssertionError("no exception")
    """, name="first_even"))
    assert run.mismatch is None and run.checked == 1


def test_only_one_version_raising_is_a_mismatch_on_the_exception(tmp_path: Path):
    candidate = swap(FIRST, 'raise ValueError("no even number")', "return None")
    run = ran(check(tmp_path, FIRST, candidate, """
        import mod
        assert mod.first_even([1]) is None
    """, name="first_even"))
    assert (run.mismatch["what"], run.mismatch["original"], run.mismatch["rewrite"]) == \
        ("exception", "raised ValueError('no even number')", "returned None")


def test_an_argument_that_cannot_be_copied_runs_the_rewrite_alone_and_says_why(tmp_path: Path):
    module = '''
        def count_lines(f):
            n = 0
            for _ in f:
                n += 1
            return n
    '''
    candidate = swap(module, "n = 0\nfor _ in f:\n    n += 1\nreturn n", "return sum(1 for _ in f)")
    run = ran(check(tmp_path, module, candidate, """
        import mod
        with open("driver.py") as f:
            assert mod.count_lines(f) > 3
        with open("driver.py") as f:
            mod.count_lines(f)
    """, name="count_lines"))
    assert run.uncompared == [("f", "cannot be copied: TextIOWrapper")]
    assert (run.calls, run.checked, run.mismatch) == (2, 0, None)


def test_a_callable_argument_is_shared_by_both_versions(tmp_path: Path):
    module = '''
        def apply_all(fn, xs):
            return [fn(x) for x in xs]
    '''
    candidate = swap(module, "return [fn(x) for x in xs]", "return list(map(fn, xs))")
    run = ran(check(tmp_path, module, candidate, """
        import mod
        seen = []
        def record(x):
            seen.append(x)
            return x * 2
        assert mod.apply_all(record, [1, 2]) == [2, 4]
        assert seen == [1, 2, 1, 2]   # called by the original, then by the rewrite
    """, name="apply_all"))
    assert run.uncompared == [("fn", "a callable: both versions call it")]
    assert (run.checked, run.mismatch) == (1, None)


def test_objects_without_eq_compare_by_their_attributes_and_sets_name_an_element(tmp_path: Path):
    module = '''
        class Point:
            __slots__ = ("x", "y")
            def __init__(self, x, y):
                self.x, self.y = x, y

        class Box:
            def __init__(self, corners, tags):
                self.corners, self.tags = corners, tags

        def box(points):
            return Box([Point(p[0], p[1]) for p in points], {len(points), 0})
    '''
    candidate = swap(module, "return Box([Point(p[0], p[1]) for p in points], {len(points), 0})",
                     "return Box([Point(p[0], p[1] + 0.5 * (i == 1)) for i, p in enumerate(points)], {len(points)})")
    run = ran(check(tmp_path, module, candidate, "import mod\nmod.box([(0.0, 0.0), (1.0, 1.0)])\n", name="box"))
    assert (run.mismatch["what"], run.mismatch["original"], run.mismatch["rewrite"]) == \
        ("return value.corners[1].y", "1.0", "1.5")
    candidate = swap(module, "return Box([Point(p[0], p[1]) for p in points], {len(points), 0})",
                     "return Box([Point(p[0], p[1]) for p in points], {len(points)})")
    run = ran(check(tmp_path, module, candidate, "import mod\nmod.box([(0, 0), (1, 1)])\n", name="box"))
    assert (run.mismatch["what"], run.mismatch["original"], run.mismatch["rewrite"]) == \
        ("return value.tags", "{0, 2}", "{2} (0 only in the original)")


def test_dataclasses_compare_field_by_field_with_the_float_tolerance_and_cycles_end(tmp_path: Path):
    """A generated `__eq__` would compare floats exactly: fields are compared one by one instead."""
    module = '''
        import dataclasses, math

        @dataclasses.dataclass
        class Stat:
            mean: float
            n: int
            parent: object = None

        def stats(xs):
            s = Stat(sum(xs) / len(xs), len(xs))
            s.parent = s
            return s
    '''
    close = swap(module, "s = Stat(sum(xs) / len(xs), len(xs))", "s = Stat(math.fsum(xs) / len(xs), len(xs))")
    run = ran(check(tmp_path, module, close, """
        import mod
        assert mod.stats([0.1] * 10).mean == 0.1   # the rewrite's; the original's is 0.09999999999999999
    """, name="stats"))
    assert run.mismatch is None and run.checked == 1
    off = swap(module, "s = Stat(sum(xs) / len(xs), len(xs))", "s = Stat(sum(xs) / len(xs), len(xs) - 1)")
    run = ran(check(tmp_path, module, off, "import mod\nmod.stats([0.1] * 10)\n", name="stats"))
    assert (run.mismatch["what"], run.mismatch["original"], run.mismatch["rewrite"]) == ("return value.n", "10", "9")
