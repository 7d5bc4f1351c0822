"""The Python behaviour check's float tolerance, which scales with the data, and `[check] ignore`.

Floats match when |a - b| <= atol + rtol * max(|a|, |b|) + 64 * eps * scale: the scale of a
container's element is the largest magnitude in that container, the scale of a floating scalar
the sum of the magnitudes in the call's input. A correct reassociated sum that cancels to nearly
zero passes; a dropped term, or one element off by a relative 1e-6, is still caught.

Each case is a real run: the original and the rewrite side by side in a child interpreter.
"""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from lessonl.behaviour.python import instrument
from lessonl.behaviour.records import CheckSettings
from lessonl.code import locate

from .test_python_protocol import check, ran, swap

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
# 100003 values in [-100, 100) minus their mean: the naive sum cancels to about 1e-10, and a
# different order of the same additions lands elsewhere at that size, far beyond rtol * |sum|.
CANCELLING = """
    import math, random
    import mod
    rng = random.Random(7)
    xs = [rng.uniform(-100.0, 100.0) for _ in range(100003)]
    mean = sum(xs) / len(xs)
    xs = [x - mean for x in xs]
    naive = 0.0
    for x in xs:
        naive += x
    exact = math.fsum(xs)
    assert abs(naive) < 1e-9 and abs(naive - exact) > 1e-11 + 1e-9 * abs(exact)  # the old rule's false alarm
    mod.total(xs)
"""


@pytest.mark.parametrize("rewrite, difference", [
    ("import math\nreturn math.fsum(xs)", False),
    ("import numpy as np\nreturn float(np.sum(np.array(xs)))", False),  # pairwise summation
    ("import math\nreturn math.fsum(xs[:-1])", True),  # one term dropped
    ("import math\nreturn math.fsum(sorted(xs, key=abs)[1:])", True),  # the smallest term dropped
])
def test_a_reassociated_sum_that_cancels_to_nearly_zero_passes_and_a_dropped_term_is_caught(
        tmp_path: Path, rewrite: str, difference: bool):
    run = ran(check(tmp_path, TOTAL, swap(TOTAL, TOTAL_BODY, rewrite), CANCELLING, name="total"))
    assert run.checked == 1
    if difference:
        assert run.mismatch["what"] == "return value", run.events
    else:
        assert run.mismatch is None, run.mismatch


RESCALED = '''
    def rescaled(xs):
        top = max(xs)
        return [x / top for x in xs]
'''


@pytest.mark.parametrize("rewrite, what", [
    ("inv = 1.0 / top\nreturn [x * inv for x in xs]", None),
    ("inv = 1.0 / top\nout = [x * inv for x in xs]\nout[3] *= 1 + 1e-6\nreturn out", "return value[3]"),
])
def test_elements_of_a_list_are_held_to_the_scale_of_that_list_not_of_the_input(tmp_path: Path, rewrite: str,
                                                                                 what: str | None):
    """The input sums to about 10^5, the result's values are about 1: one of them off by a
    relative 1e-6 is a mismatch."""
    candidate = swap(RESCALED, "return [x / top for x in xs]", rewrite)
    run = ran(check(tmp_path, RESCALED, candidate, """
        import mod
        mod.rescaled([1.0 + (i % 97) / 1000.0 for i in range(100000)])
    """, name="rescaled"))
    assert run.checked == 1
    assert (run.mismatch or {}).get("what") == what, run.events


PREFIX = '''
    import numpy as np

    def prefix_sums(a):
        return np.cumsum(a)

    def total(a):
        return a.sum()
'''
BLOCKED_PREFIX = """
    inner = np.cumsum(a.reshape(-1, 256), axis=1)
    offsets = np.concatenate([np.zeros(1, a.dtype), np.cumsum(inner[:, -1])[:-1]])
    return (inner + offsets[:, None]).ravel()
"""
FLOAT32_DATA = """
    import random
    import numpy as np
    import mod
    rng = random.Random(7)
    xs = [rng.uniform(-2.0, 2.0) for _ in range(65536)]
    a = np.array(xs, dtype=np.float32)
    a -= a.mean()
"""


@pytest.mark.parametrize("name, old, new, what", [
    ("prefix_sums", "return np.cumsum(a)", BLOCKED_PREFIX, None),
    ("prefix_sums", "return np.cumsum(a)", BLOCKED_PREFIX.replace("[:-1]])", "[:-1] - a[255]])"),
     "return value[256]"),  # blocks after the first miss a term
    ("total", "return a.sum()", "return np.cumsum(a)[-1]", None),
    ("total", "return a.sum()", "return a.reshape(-1, 256).sum(axis=1).sum()", None),
    ("total", "return a.sum()", "return a[1:].sum()", "return value"),
])
def test_float32_partial_sums_in_another_order_pass_and_a_wrong_term_is_caught(tmp_path: Path, name: str, old: str,
                                                                                new: str, what: str | None):
    run = ran(check(tmp_path, PREFIX, swap(PREFIX, old, new), textwrap.dedent(FLOAT32_DATA) + textwrap.dedent(f"""
        mod.{name}(a)
        if {what is None}:   # the old rule (rtol_f32, atol_f32 alone) would have called this a mismatch
            o, r = np.cumsum(a) if "{name}" == "prefix_sums" else a.sum(), mod.{name}(a)
            assert not np.all(np.abs(o - r) <= 1e-6 + 1e-4 * np.maximum(np.abs(o), np.abs(r))), (o, r)
    """), name=name))
    assert run.checked >= 1
    assert (run.mismatch or {}).get("what") == what, run.events


STATS = '''
    class Stats:
        def __init__(self, values):
            self.values = list(values)
            self.total = 0.0

        def refresh(self):
            s = 0.0
            for v in self.values:
                s += v
            self.total = s
'''


@pytest.mark.parametrize("rewrite, what", [
    ("import math\nself.total = math.fsum(self.values)", None),
    ("import math\nself.total = math.fsum(self.values[1:])", "self.total"),
])
def test_a_float_attribute_is_held_to_the_magnitudes_of_the_object_s_own_data(tmp_path: Path, rewrite: str,
                                                                              what: str | None):
    candidate = swap(STATS, """
        s = 0.0
        for v in self.values:
            s += v
        self.total = s""", rewrite)
    run = ran(check(tmp_path, STATS, candidate, """
        import math, random
        import mod
        rng = random.Random(3)
        xs = [rng.uniform(-100.0, 100.0) for _ in range(20001)]
        mean = sum(xs) / len(xs)
        xs = [x - mean for x in xs]
        naive = 0.0
        for x in xs:
            naive += x
        assert abs(naive - math.fsum(xs)) > 1e-11   # the old rule's false alarm
        mod.Stats(xs).refresh()
    """, name="Stats.refresh"))
    assert run.checked == 1
    assert (run.mismatch or {}).get("what") == what, run.events


# ---- [check] ignore ------------------------------------------------------------------------------

SMOOTH = '''
    def smooth(xs, work):
        """Moving sums of three; `work` is a scratch buffer the caller lends."""
        for i in range(len(xs)):
            work[i] = xs[i] + (xs[i - 1] if i else 0) + (xs[i + 1] if i + 1 < len(xs) else 0)
        return work[:len(xs)]
'''
SMOOTH_BODY = """
    for i in range(len(xs)):
        work[i] = xs[i] + (xs[i - 1] if i else 0) + (xs[i + 1] if i + 1 < len(xs) else 0)
    return work[:len(xs)]
"""
NO_SCRATCH = "padded = [0] + list(xs) + [0]\nreturn [padded[i] + padded[i + 1] + padded[i + 2] for i in range(len(xs))]"


@pytest.mark.parametrize("ignore, rewrite, what", [
    ((), NO_SCRATCH, "work"),  # the scratch buffer is compared unless ignored
    (("work",), NO_SCRATCH, None),
    (("smooth.work",), NO_SCRATCH, None),
    (("other.work",), NO_SCRATCH, "work"),  # another function's parameter
    (("work",), NO_SCRATCH.replace("+ padded[i + 2]", ""), "return value"),  # the result is still compared
])
def test_ignored_parameters_get_their_own_copies_but_are_not_compared(tmp_path: Path, ignore: tuple[str, ...],
                                                                      rewrite: str, what: str | None):
    run = ran(check(tmp_path, SMOOTH, swap(SMOOTH, SMOOTH_BODY, rewrite), """
        import mod
        work = [0] * 8
        mod.smooth([1, 2, 3], work)
        assert work == [0] * 8   # the caller's buffer saw only the rewrite, which does not touch it
    """, name="smooth", settings=CheckSettings(ignore=ignore)))
    assert run.checked == 1
    assert (run.mismatch or {}).get("what") == what, run.events
    applies = ignore in (("work",), ("smooth.work",))
    assert (("work", "ignored by [check] ignore") in run.instrumented.not_compared) == applies
    assert ("work" in run.instrumented.compared) != applies


def test_a_self_that_is_a_cache_can_be_ignored_and_a_scratch_original_sees_its_own_copy(tmp_path: Path):
    module = '''
        class Solver:
            def __init__(self):
                self.cache = {}

            def solve(self, n, scratch):
                scratch.append(n)
                if n not in self.cache:
                    self.cache[n] = n * n
                return self.cache[n] + len(scratch)
    '''
    candidate = swap(module, """
        scratch.append(n)
        if n not in self.cache:
            self.cache[n] = n * n
        return self.cache[n] + len(scratch)""", """
        scratch.append(n)
        return n * n + len(scratch)""")
    run = ran(check(tmp_path, module, candidate, """
        import mod
        s, buf = mod.Solver(), []
        assert s.solve(3, buf) == 10 and buf == [3] and s.cache == {}
        assert s.solve(3, buf) == 11 and buf == [3, 3]
    """, name="Solver.solve", settings=CheckSettings(ignore=("Solver.solve.self", "scratch"))))
    assert (run.checked, run.mismatch) == (2, None)
    assert run.instrumented.compared == ["return value", "n", "exception"]
    assert run.instrumented.not_compared == [("self", "ignored by [check] ignore"),
                                             ("scratch", "ignored by [check] ignore")]


@pytest.mark.parametrize("key, ignored", [
    ("Pool.fill.buffers", True), ("fill.buffers", True), ("buffers", True), ("Other.fill.buffers", False),
    ("Pool.fill.buf", False),
])
def test_ignore_keys_name_a_parameter_plainly_or_by_the_method_s_qualified_or_bare_name(key: str, ignored: bool):
    text = "class Pool:\n    def fill(self, n, *buffers, **options):\n        return n\n"
    result = instrument(locate(text, "python", "m.py", name="Pool.fill"), text, CheckSettings(ignore=(key,)))
    assert (("buffers", "ignored by [check] ignore") in result.not_compared) == ignored
    assert ("buffers" in result.compared) != ignored
    assert ("ignore=['buffers']" in result.text) == ignored


def test_an_ignored_star_parameter_leaves_every_argument_it_collects_uncompared(tmp_path: Path):
    module = '''
        def pad_all(n, *buffers):
            for b in buffers:
                b.extend([0] * n)
            return n
    '''
    candidate = swap(module, "for b in buffers:\n    b.extend([0] * n)\nreturn n", "return n")
    driver = "import mod\nassert mod.pad_all(2, [], [1]) == 2\n"
    run = ran(check(tmp_path, module, candidate, driver, name="pad_all"))
    assert run.mismatch["what"] == "buffers[0]"
    run = ran(check(tmp_path, module, candidate, driver, name="pad_all", settings=CheckSettings(ignore=("buffers",))))
    assert (run.checked, run.mismatch) == (1, None)
