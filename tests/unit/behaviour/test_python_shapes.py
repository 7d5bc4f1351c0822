"""Where the target lives and how it is declared: methods of every kind, decorators, async,
recursion, nested functions, and the functions that can only be counted. Also the module text
itself: `from __future__` stays first, CRLF line endings and tab indentation survive.
"""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from lessonl.behaviour.python import instrument
from lessonl.behaviour.records import CheckSettings, InstrumentError
from lessonl.code import locate

from .test_python_protocol import check, ran, swap

ACCOUNT = '''
    class Base:
        def fee(self, amount):
            return amount // 100

    class Account(Base):
        rate = 2

        def __init__(self):
            self.total = 0
            self.log = []

        def deposit(self, amount):
            """Adds `amount` less the fee; returns the new total."""
            self.total += amount - super().fee(amount)
            self.log.append(amount)
            return self.total

        @staticmethod
        def fee_of(amount):
            return amount // 100

        @classmethod
        def scaled(cls, amount):
            return amount * cls.rate

        def __checked(self, amount):
            return amount if amount > 0 else 0

        def safe_deposit(self, amount):
            return self.deposit(self.__checked(amount))
'''
DRIVER = """
    import mod
    a = mod.Account()
    a.deposit(500); a.safe_deposit(-3); a.safe_deposit(250)
    assert mod.Account.fee_of(700) == 7 and a.fee_of(100) == 1
    assert mod.Account.scaled(3) == 6 and a.scaled(1) == 2
"""


@pytest.mark.parametrize("name, calls", [
    ("Account.deposit", 3), ("Account.fee_of", 2), ("Account.scaled", 2), ("Account.__checked", 2),
])
def test_methods_of_every_kind_run_side_by_side_in_their_class(tmp_path: Path, name: str, calls: int):
    """Plain, static and class methods and a name-mangled private one; `super()` still works
    because both copies stay in the class body."""
    run = ran(check(tmp_path, ACCOUNT, None, DRIVER, name=name))
    assert run.instrumented.mode == "dual"
    assert (run.calls, run.checked, run.mismatch) == (calls, calls, None)


def test_a_method_that_forgets_to_update_self_is_a_mismatch_on_that_attribute(tmp_path: Path):
    candidate = swap(ACCOUNT, "self.log.append(amount)", "pass")
    run = ran(check(tmp_path, ACCOUNT, candidate, DRIVER, name="Account.deposit"))
    assert (run.mismatch["what"], run.mismatch["original"], run.mismatch["rewrite"]) == ("self.log", "[500]", "[]")


def test_a_static_method_rewritten_wrongly_is_caught_and_keeps_being_a_static_method(tmp_path: Path):
    candidate = swap(ACCOUNT, """
        def fee_of(amount):
            return amount // 100""", """
        def fee_of(amount):
            return round(amount / 100)""")
    run = ran(check(tmp_path, ACCOUNT, candidate, DRIVER.replace("fee_of(700) == 7", "fee_of(750) == 8"),
                    name="Account.fee_of"))
    assert (run.mismatch["what"], run.mismatch["original"], run.mismatch["rewrite"]) == ("return value", "7", "8")


def test_a_classmethod_leaves_cls_uncompared_and_says_so(tmp_path: Path):
    run = ran(check(tmp_path, ACCOUNT, None, DRIVER, name="Account.scaled"))
    assert run.instrumented.compared == ["return value", "amount", "exception"]
    assert [what for what, _ in run.instrumented.not_compared] == ["cls"]


LRU = '''
    import functools

    @functools.lru_cache(maxsize=None)
    def fib(n):
        return n if n < 2 else fib(n - 1) + fib(n - 2)
'''


def test_an_lru_cached_recursive_function_is_compared_once_per_outer_call_and_keeps_its_cache_api(
        tmp_path: Path):
    candidate = swap(LRU, "return n if n < 2 else fib(n - 1) + fib(n - 2)", """
        a, b = 0, 1
        for _ in range(n):
            a, b = b, a + b
        return a""")
    run = ran(check(tmp_path, LRU, candidate, """
        import mod
        assert [mod.fib(n) for n in (10, 20, 30)] == [55, 6765, 832040]
        assert mod.fib.cache_info().currsize == 3
        mod.fib.cache_clear()
        assert mod.fib.cache_info().currsize == 0
    """, name="fib"))
    assert (run.calls, run.checked, run.mismatch) == (3, 3, None)


def test_recursion_goes_straight_to_the_running_version_and_counts_once(tmp_path: Path):
    module = '''
        def depth(tree):
            return 0 if not tree else 1 + max(depth(child) for child in tree)
    '''
    candidate = swap(module, "return 0 if not tree else 1 + max(depth(child) for child in tree)", """
        if not tree:
            return 0
        return 1 + max(map(depth, tree)) + (len(tree) > 2)""")
    run = ran(check(tmp_path, module, candidate, """
        import mod
        mod.depth([[[]], []]); mod.depth([]); mod.depth([[], [], [[]]])
    """, name="depth"))
    assert (run.calls, run.checked) == (3, 3)
    assert run.mismatch["call"] == 3 and run.mismatch["what"] == "return value"


def test_an_async_function_gets_an_async_wrapper(tmp_path: Path):
    module = '''
        import asyncio

        async def total(xs):
            s = 0
            for x in xs:
                await asyncio.sleep(0)
                s += x
            return s
    '''
    candidate = swap(module, """
        s = 0
        for x in xs:
            await asyncio.sleep(0)
            s += x
        return s""", "return sum(xs[1:])")
    run = ran(check(tmp_path, module, candidate, """
        import asyncio, inspect
        import mod
        assert inspect.iscoroutinefunction(mod.total)
        async def main():
            return await asyncio.gather(mod.total([1, 2]), mod.total([0, 5]))
        assert asyncio.run(main()) == [2, 5]
    """, name="total"))
    assert run.instrumented.mode == "dual"
    assert run.calls == 2 and run.mismatch["what"] == "return value"


def test_a_nested_function_is_checked_where_it_is_defined(tmp_path: Path):
    module = '''
        def by_weight(items, weights):
            def key(item):
                return (weights.get(item, 0), item)
            return sorted(items, key=key)
    '''
    candidate = swap(module, "return (weights.get(item, 0), item)", "return weights.get(item, 0)")
    run = ran(check(tmp_path, module, candidate, """
        import mod
        assert mod.by_weight(["b", "a"], {}) == ["b", "a"]   # the rewrite's key: a stable sort by weight alone
    """, name="by_weight.key"))
    assert run.instrumented.mode == "dual"
    assert run.calls == 2
    assert (run.mismatch["what"], run.mismatch["original"], run.mismatch["rewrite"]) == \
        ("type(return value)", "tuple", "int")


GENERATOR = '''
    def pairs(xs):
        """Adjacent pairs."""
        for i in range(len(xs) - 1):
            yield xs[i], xs[i + 1]
'''


def test_a_generator_function_is_only_counted_and_the_reason_says_why(tmp_path: Path):
    candidate = swap(GENERATOR, """
        for i in range(len(xs) - 1):
            yield xs[i], xs[i + 1]""", "yield from zip(xs, xs[1:])")
    run = ran(check(tmp_path, GENERATOR, candidate, """
        import mod
        assert list(mod.pairs([1, 2, 3])) == [(1, 2), (2, 3)]
        list(mod.pairs([]))
    """, name="pairs"))
    assert run.instrumented.mode == "count" and "generator" in run.instrumented.reason
    assert '"""Adjacent pairs."""\n    __import__(\'_lessonl_check\').hit(\'pkg/mod.py::pairs\')\n    yield from' \
        in run.instrumented.text
    assert (run.calls, run.checked, run.of("mismatch")) == (2, 0, [])


@pytest.mark.parametrize("module, name, words", [
    ('''
        class C:
            @property
            def size(self):
                return 3
    ''', "C.size", "attribute"),
    ('''
        import atexit

        @atexit.register
        def bye():
            return 1
    ''', "bye", "`@atexit.register`"),
    ('''
        class C:
            def __eq__(self, other):
                return True
    ''', "C.__eq__", "special method"),
])
def test_what_cannot_run_twice_faithfully_is_counted_with_a_reason(module: str, name: str, words: str):
    text = textwrap.dedent(module)
    result = instrument(locate(text, "python", "m.py", name=name), text, CheckSettings())
    assert result.mode == "count" and words in result.reason
    assert "__import__('_lessonl_check').hit('m.py::" in result.text


def test_a_compiled_function_cannot_even_be_counted():
    text = "from numba import njit\n\n@njit(cache=True)\ndef f(x):\n    return x + 1\n"
    with pytest.raises(InstrumentError, match="njit"):
        instrument(locate(text, "python", "m.py", name="f"), text, CheckSettings())


@pytest.mark.parametrize("source, expected", [
    ("def f(x): return x\n", "def f(x): __import__('_lessonl_check').hit('m.py::f'); return x\n"),
    ('def f(x):\n    "doc"\n', "def f(x):\n    \"doc\"\n    __import__('_lessonl_check').hit('m.py::f')\n"),
    ("def f(x):\n\t# why\n\treturn x\n",
     "def f(x):\n\t# why\n\t__import__('_lessonl_check').hit('m.py::f')\n\treturn x\n"),
])
def test_the_counter_goes_first_in_the_body_at_its_indentation(source: str, expected: str):
    result = instrument(locate(source, "python", "m.py", name="f"), source, CheckSettings(), dual=False)
    assert (result.mode, result.text, result.reason) == ("count", expected, "")


def test_future_imports_stay_first_and_crlf_line_endings_survive(tmp_path: Path):
    module = ("from __future__ import annotations\r\n\r\n\r\nclass Bag:\r\n    def add(self, x: int) -> list[int]:\r\n"
              "        self.items = getattr(self, 'items', []) + [x]\r\n        return self.items\r\n")
    run = ran(check(tmp_path, module, None, """
        import mod
        b = mod.Bag(); b.add(1); b.add(2)
        assert b.items == [1, 2]
    """, name="Bag.add"))
    text = run.instrumented.text
    assert text.startswith("from __future__ import annotations\r\n") and "\n" not in text.replace("\r\n", "")
    assert (run.calls, run.checked, run.mismatch) == (2, 2, None)


def test_tab_indentation_is_kept(tmp_path: Path):
    module = "class Bag:\n\tdef size(self, xs):\n\t\tn = 0\n\t\tfor _ in xs:\n\t\t\tn += 1\n\t\treturn n\n"
    candidate = module.replace("\t\tn = 0\n\t\tfor _ in xs:\n\t\t\tn += 1\n\t\treturn n\n", "\t\treturn len(xs)\n")
    run = ran(check(tmp_path, module, candidate, "import mod\nassert mod.Bag().size('abc') == 3\n",
                    name="Bag.size"))
    assert "\n\tsize = __import__('_lessonl_check').dual(" in run.instrumented.text
    assert "\n\tdef _lessonl_cand_size(self, xs):\n\t\treturn len(xs)\n" in run.instrumented.text
    assert (run.calls, run.checked, run.mismatch) == (1, 1, None)


def test_effects_outside_the_arguments_are_listed_as_hints():
    text = textwrap.dedent('''
        import random
        CACHE = {}
        hits = 0

        def lookup(key):
            global hits
            hits += 1
            print("lookup", key)
            CACHE.setdefault(key, random.random())
            return CACHE[key]
    ''')
    result = instrument(locate(text, "python", "m.py", name="lookup"), text, CheckSettings())
    assert result.effects == ["uses `global hits`", "assigns the global `hits`", "calls print",
                              "changes the module-level `CACHE`", "calls random.random"]
    assert result.mode == "dual" and ("uses `global hits`", "state outside the arguments, shared by both versions") \
        in result.not_compared


def test_the_reference_run_shows_a_function_that_differs_from_itself(tmp_path: Path):
    """The judge first runs the unchanged module against itself: state outside the arguments
    (here the random generator) makes the original disagree with its own second run."""
    module = '''
        import random

        def jitter(x):
            return x + random.random()
    '''
    run = ran(check(tmp_path, module, None, "import mod\nmod.jitter(1.0)\n", name="jitter"))
    assert run.mismatch["what"] == "return value" and run.instrumented.effects == ["calls random.random"]


def test_a_rewrite_that_changes_the_kind_of_method_is_only_counted():
    text = "class C:\n    def f(self, x):\n        return x\n"
    candidate = "class C:\n    @staticmethod\n    def f(self, x):\n        return x\n"
    result = instrument(locate(text, "python", "m.py", name="C.f"), candidate, CheckSettings())
    assert result.mode == "count" and "staticmethod" in result.reason


def test_a_module_without_the_target_s_signature_cannot_be_instrumented():
    text = "def f(x):\n    return x\n"
    with pytest.raises(InstrumentError, match="no definition `def f\\(x\\)`"):
        instrument(locate(text, "python", "m.py", name="f"), "def f(x, y):\n    return x\n", CheckSettings())
