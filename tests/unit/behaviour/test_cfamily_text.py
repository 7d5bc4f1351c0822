"""The C/C++ generator's decisions, read from the text and records it returns (no compiler):
where the runtime goes, when both versions can run and why not, what is compared, and the
effects a quick read of the body shows."""
from __future__ import annotations

import dataclasses

import pytest

from lessonl.behaviour.cfamily import COUNT_ONLY, instrument
from lessonl.behaviour.cfamily_extent import IGNORED_WHY, UNKNOWN_WHY
from lessonl.behaviour.cfamily_runtime import C_GUARD, CPP_GUARD
from lessonl.behaviour.records import CheckSettings, InstrumentError
from lessonl.code import locate


def check(source: str, name: str, language: str = "cpp", rewrite: tuple[str, str] | None = None,
          settings: CheckSettings | None = None, dual: bool = True, line: int | None = None):
    ref = locate(source, language, "f." + ("c" if language == "c" else "cpp"), name=name, line=line)
    candidate = source.replace(*rewrite) if rewrite else source
    return instrument(ref, candidate, settings or CheckSettings(), dual=dual)


# ---- where things go --------------------------------------------------------------------------------

NAMESPACED = """#define _GNU_SOURCE
#include <vector>
#include "local.h"

static int helper(int x) { return x; }

namespace outer {
namespace inner {
// Doubles every element.
void twice(std::vector<int>& v) {
    for (int& x : v) x = helper(2 * x);
}
}  // namespace inner
}  // namespace outer
"""


def test_the_runtime_goes_after_the_users_includes_and_before_the_outermost_namespace():
    result = check(NAMESPACED, "outer::inner::twice")
    text = result.text
    runtime = text.index(f"#ifndef {CPP_GUARD}")
    assert text.index('#include "local.h"') < text.index("static int helper") < runtime
    assert runtime < text.index("namespace outer {")
    inside = text[text.index("namespace outer {"):]
    assert "#include" not in inside
    assert result.site == "f.cpp::outer::inner::twice" and result.mode == "dual"


def test_the_wrapper_keeps_the_name_and_the_copies_stay_in_the_same_scope():
    text = check(NAMESPACED, "outer::inner::twice").text
    inner = text[text.index("namespace inner {"):text.index("}  // namespace inner")]
    for header in ("void __lessonl_cand_twice(std::vector<int>& v) {",
                   "void __lessonl_orig_twice(std::vector<int>& v) {", "void twice(std::vector<int>& v) {"):
        assert header in inner


def test_the_runtime_stays_inside_an_include_guard():
    header = ("#ifndef K_H\n#define K_H\n#include <stddef.h>\n\n"
              "static inline int sq(int x) { return x * x; }\n\n#endif\n")
    text = check(header, "sq", "c").text
    assert text.index("#define K_H") < text.index(f"#ifndef {C_GUARD}") < text.rindex("#endif\n")


def test_count_mode_adds_one_statement_at_the_top_of_the_body_and_nothing_else():
    source = "#include <stdio.h>\n\nint add(int a, int b) {\n    return a + b;\n}\n"
    result = check(source, "add", "c", dual=False)
    assert (result.mode, result.reason) == ("count", COUNT_ONLY)
    before, _, after = result.text.partition("int add(int a, int b) { int __lessonl_prev")
    assert before.startswith("#include <stdio.h>\n") and after.endswith(";\n    return a + b;\n}\n")
    assert result.compared == [] and result.not_compared == []


# ---- when both versions cannot run side by side -------------------------------------------------------

@pytest.mark.parametrize("source,name,language,reason", [
    ("struct A { int v; int get() const; };\nint A::get() const { return v; }\n", "A::get", "cpp",
     "defined outside its class"),
    ("#include <stdarg.h>\nint sum(int n, ...) { va_list ap; va_start(ap, n); va_end(ap); return n; }\n", "sum", "c",
     "variadic"),
    ("int add(a, b) int a; int b; { return a + b; }\n", "add", "c", "K&R"),
    ("template <class... Ts> int count(Ts... xs) { return sizeof...(xs); }\n", "count", "cpp", "parameter pack"),
    ("struct P { int x; P(int v) : x(v) { x += 1; } };\n", "P::P", "cpp", "constructor"),
    ("template <class T> int f(T) { return 1; }\ntemplate <> int f<int>(int) { return 2; }\n", "f", "cpp",
     "specialization"),
    ("struct V { int x; friend int g(V v) { return v.x; } };\n", "V::g", "cpp", "friend"),
    ("auto fact(int n) { if (n < 2) return 1; return n * fact(n - 1); }\n", "fact", "cpp", "deduced"),
    ("int x; decltype(auto) ref() { return (x); }\n", "ref", "cpp", "decltype(auto)"),
    ("#include <stdlib.h>\n_Noreturn void die(int c) { exit(c); }\n", "die", "c", "never returns"),
    ("inline int twice(int x) { return 2 * x; }\n", "twice", "c", "C `inline` function with external linkage"),
    ("int main(void) { return 0; }\n", "main", "c", "entry point"),
])
def test_what_cannot_run_twice_is_counted_with_the_reason(source, name, language, reason):
    line = next(i for i, text in enumerate(source.splitlines(), 1) if "<>" in text) if "<>" in source else None
    result = check(source, name, language, line=line)
    assert result.mode == "count"
    assert reason in result.reason
    assert "__lessonl_count_" in result.text or "lessonl_count(" in result.text


@pytest.mark.parametrize("source,name", [
    ("constexpr int sq(int x) { return x * x; }\n", "sq"),
    ("consteval int cube(int x) { return x * x * x; }\n", "cube"),
])
def test_compile_time_functions_cannot_even_be_counted(source, name):
    with pytest.raises(InstrumentError, match="`conste"):
        check(source, name)


def test_a_rewrite_missing_from_the_file_is_an_instrument_error():
    with pytest.raises(InstrumentError, match="not in the file"):
        check("int f(int x) { return x; }\n", "f", rewrite=("int f(int x)", "int g(int x)"))


def test_a_rewrite_that_renames_its_parameters_is_still_found():
    source = "double mul(double a, double b) {\n    return a * b;\n}\n"
    result = check(source, "mul", rewrite=("double mul(double a, double b) {\n    return a * b;",
                                           "double mul(double x, double y) {\n    return y * x;"))
    assert result.mode == "dual"
    assert "double __lessonl_cand_mul(double x, double y) {\n    return y * x;" in result.text
    assert "double mul(double a, double b) {" in result.text


def test_a_recursive_free_function_is_declared_ahead_of_its_copies():
    """The copies call the target by name; with a prototype first, that name is the wrapper."""
    source = "long fib(int n, int unused = 0) {\n    return n < 2 ? n : fib(n - 1) + fib(n - 2);\n}\n"
    text = check(source, "fib").text
    assert text.index("long fib(int n, int unused = 0);") < text.index("long __lessonl_cand_fib(")
    assert "long fib(int n, int unused) {" in text


# ---- what is compared ------------------------------------------------------------------------------

@pytest.mark.parametrize("source,name,settings,compared,not_compared", [
    ("void scale(const double *x, double *y, int n) { for (int i = 0; i < n; ++i) y[i] = 2 * x[i]; }\n",
     "scale", CheckSettings(), ["x[0..n) (unchanged)", "y[0..n)"], []),
    ("void put(double *out, int out_len, int k) { for (int i = 0; i < k; ++i) out[i * 2] = 0; }\n",
     "put", CheckSettings(), ["out[0..out_len)"], []),
    ("void mm(const double *a, double *c, int n) { for (int i = 0; i < n * n; ++i) c[i] = a[i]; }\n",
     "mm", CheckSettings(), ["a[0..n) (unchanged)", "c[0..n)"], []),
    ("void mm(const double *a, double *c, int n) { for (int i = 0; i < n; ++i) c[i * n + i] = a[i]; }\n",
     "mm", CheckSettings(), ["a[0..n) (unchanged)"], [("c", UNKNOWN_WHY)]),
    ("void mm(const double *a, double *c, int n) { for (int i = 0; i < n; ++i) c[i * n + i] = a[i]; }\n",
     "mm", CheckSettings(lengths={"c": "n", "mm.c": "n * n"}), ["a[0..n) (unchanged)", "c[0..n * n)"], []),
    ("void inc(int *counter, int n) { *counter += n; }\n", "inc", CheckSettings(), ["counter[0..1)"], []),
    ("void zero(double *p, int n) { memset(p, 0, n * sizeof *p); }\n", "zero", CheckSettings(), ["p[0..n)"], []),
    ("void zero(double *p, int n) { memset(p, 0, sizeof(float) * n); }\n", "zero", CheckSettings(), [],
     [("p", UNKNOWN_WHY)]),
    ("void cp(int *d, const int *s, int n) { int *t = d; memcpy(t, s, sizeof(int) * n); }\n", "cp", CheckSettings(),
     ["s[0..n) (unchanged)"], [("d", UNKNOWN_WHY)]),
    ("void cp(int *d, const int *s, int n) { memcpy(d, s, (n - 1) * sizeof d[0]); d[n - 1] = 0; }\n", "cp",
     CheckSettings(), ["s[0..(n - 1)) (unchanged)"], [("d", UNKNOWN_WHY)]),
    ("void cp(double *d, const double *s, int r, int c) { memcpy(d, s, r * c * sizeof *s); }\n", "cp",
     CheckSettings(), ["d[0..r * c)", "s[0..r * c) (unchanged)"], []),
    ("void put16(double out[16]) { out[3] = 1; }\n", "put16", CheckSettings(), ["out[0..16)"], []),
    ("double *first(double *v, int n) { return n ? v : 0; }\n", "first", CheckSettings(), [],
     [("v", UNKNOWN_WHY), ("return value", "a returned pointer is not compared (declare its extent as \"return\" "
                                           "in [check] lengths to compare what it points to)")]),
    ("void wipe(void *p, int n) { (void)p; (void)n; }\n", "wipe", CheckSettings(), [],
     [("p", "an untyped pointer (void *): LessonL cannot copy what it points to")]),
])
def test_pointer_extents_come_from_lengths_names_and_how_the_original_indexes(source, name, settings, compared,
                                                                               not_compared):
    """A guess from a parameter name counts only where the original indexes the pointer plainly:
    `c[i * n + i]` or handing it to memset could reach further than the guess."""
    result = check(source, name, "c", settings=settings)
    assert result.mode == "dual"
    assert [c for c in result.compared if c != "return value"] == compared
    assert result.not_compared == not_compared


def test_cpp_lists_name_references_this_and_what_is_left_alone():
    source = """#include <vector>
struct Acc {
    std::vector<int> v;
    void merge(const std::vector<int>& in, std::vector<int>& spill, std::vector<int>&& give) {
        v.insert(v.end(), in.begin(), in.end());
        spill.clear();
        give.clear();
    }
};
"""
    result = check(source, "Acc::merge")
    assert result.compared == ["in (unchanged)", "spill", "*this"]
    assert result.not_compared == [("give", "an rvalue reference: the original gets a copy it may consume")]


def test_ignored_parameters_are_listed_and_never_compared():
    """[check] ignore: "function.param" or "param"; a scratch buffer still gets its own copy."""
    source = ("void f(const double *x, double *work, double *y, int n) {\n"
              "    for (int i = 0; i < n; ++i) { work[i] = x[i]; y[i] = work[i]; }\n}\n")
    result = check(source, "f", "c", settings=CheckSettings(ignore=("f.work", "x")))
    assert result.compared == ["y[0..n)"]
    assert result.not_compared == [("x", IGNORED_WHY), ("work", IGNORED_WHY)]
    assert "__lessonl_c1 = " in result.text and "lessonl_eq_span(__lessonl_a1" not in result.text
    source = """#include <vector>
namespace ns {
int g(const std::vector<int>& in, std::vector<int>& scratch, std::vector<int>& out) {
    scratch = in;
    out = scratch;
    return 0;
}
}
"""
    result = check(source, "ns::g", settings=CheckSettings(ignore=("ns::g.scratch",)))
    assert result.compared == ["in (unchanged)", "out", "return value"]
    assert result.not_compared == [("scratch", IGNORED_WHY)]
    assert "::lessonl_rt::ignored<::lessonl_rt::slot<decltype(scratch)>>" in result.text
    assert "__lessonl_p1.compare(" not in result.text


# ---- effects -------------------------------------------------------------------------------------------

def test_effects_outside_the_arguments_are_hinted():
    source = """#include <cstdio>
#include <cstdlib>
#include <iostream>
int hits = 0;
namespace cfg { int level = 1; }
int noisy(int x) {
    static int calls = 0;
    int local = 0;
    ++calls;
    hits += x;
    cfg::level = 2;
    local += rand();
    std::printf("%d\\n", x);
    std::cout << x;
    return local;
}
"""
    effects = check(source, "noisy").effects
    assert effects == ["keeps state in the static local `calls`", "assigns the global `hits`",
                       "assigns the global `level`", "calls rand", "calls printf", "uses std::cout"]


def test_a_pure_function_has_no_effects():
    assert check("int add(int a, int b) { int c = a; c += b; return c; }\n", "add", "c").effects == []


def test_a_byte_order_mark_stays_first():
    result = check("\ufeffint first(int x) { return x + 1; }\n", "first", "c")
    assert result.text.startswith("\ufeff#ifndef " + C_GUARD)


def test_an_original_that_does_not_parse_alone_leaves_the_rewrite_counted():
    source = "int f(int x) { return x; }\n"
    ref = dataclasses.replace(locate(source, "c", "f.c", name="f"), text="#define NOT_A_FUNCTION 1\n")
    result = instrument(ref, source, CheckSettings())
    assert result.mode == "count" and "could not be parsed on its own" in result.reason
