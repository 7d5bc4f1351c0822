"""Replies shaped the way models really answer: helpers in blocks of their own (combined with the
function's block when the function uses them, never a `main()` driver or a usage example), and
code left out behind placeholders (refused before any build, as a REJECTED verdict whose lesson
says so). The reply corpus (tests/fixtures/replies, 37-51) holds the end-to-end cases."""
from __future__ import annotations

from pathlib import Path

import pytest

from lessonl import prompts
from lessonl.code import ElisionError, extract, list_functions, locate, splice
from lessonl.code.elision import is_placeholder_comment
from lessonl.code.reply import code_blocks
from lessonl.engine.candidates import make_candidate, rejected_verdict
from lessonl.engine.target import Target
from lessonl.errors import ExtractionError
from lessonl.records import Outcome, Verdict

F = "```"

CPP = """\
#include <vector>

namespace img {

int clamp255(int v) { return v < 0 ? 0 : v > 255 ? 255 : v; }

void brighten(std::vector<int>& px, int by) {
    for (auto& p : px) p = clamp255(p + by);
}

}  // namespace img
"""

PY = """\
import math


class Series:
    def __init__(self, xs):
        self.xs = list(xs)

    def norm(self):
        return math.sqrt(sum(x * x for x in self.xs))


def total(xs):
    s = 0
    for x in xs:
        s += x
    return s
"""


def cpp_ref():
    return locate(CPP, "cpp", "img.cpp", name="img::brighten")


# ---- combining blocks ------------------------------------------------------------------------

def test_a_helper_block_after_the_function_is_combined_too():
    reply = (f"{F}cpp\nvoid brighten(std::vector<int>& px, int by) {{\n    for (auto& p : px) p = lut_add(p, by);\n}}\n{F}\n"
             f"It relies on this helper:\n{F}cpp\nstatic inline int lut_add(int p, int by) {{ return clamp255(p + by); }}\n{F}")
    extraction = extract(reply, cpp_ref(), "cpp")
    assert extraction.helpers == ["static inline int lut_add(int p, int by) { return clamp255(p + by); }"]
    assert "took `lut_add` from another code block of the reply" in extraction.notes
    new = splice(CPP, cpp_ref(), extraction)
    assert new.index("lut_add(int p") < new.index("void brighten")
    assert [r.qualified_name for r in list_functions(new, "cpp")] == ["img::clamp255", "img::lut_add", "img::brighten"]


def test_what_a_borrowed_helper_needs_comes_along_but_unrelated_blocks_do_not():
    reply = (f"{F}cpp\n#include <array>\nconstexpr int kMax = 255;\nstatic int sat(int v) {{ return v > kMax ? kMax : v; }}\n{F}\n"
             f"{F}cpp\nstruct Unused {{ int x; }};\nstatic int unrelated(int v) {{ return v; }}\n{F}\n"
             f"{F}cpp\nvoid brighten(std::vector<int>& px, int by) {{\n    for (auto& p : px) p = sat(p + by);\n}}\n{F}\n"
             f"{F}cpp\n#include <cstdio>\nstatic void show(int v) {{ std::printf(\"%d\", v); }}\n"
             f"int main() {{ std::vector<int> v{{1}}; img::brighten(v, 3); show(v[0]); }}\n{F}")
    extraction = extract(reply, cpp_ref(), "cpp")
    assert extraction.helpers == ["constexpr int kMax = 255;", "static int sat(int v) { return v > kMax ? kMax : v; }"]
    assert extraction.includes == ["#include <array>"]
    assert "unrelated" not in extraction.code and "show" not in extraction.code and "main" not in extraction.code


def test_a_block_of_includes_only_is_combined_but_a_usage_examples_includes_are_not():
    reply = (f"{F}cpp\n#include <algorithm>\n{F}\n"
             f"{F}cpp\nvoid brighten(std::vector<int>& px, int by) {{\n"
             f"    std::transform(px.begin(), px.end(), px.begin(), [by](int p) {{ return clamp255(p + by); }});\n}}\n{F}\n"
             f"{F}cpp\n#include <iostream>\nint main() {{ std::cout << 1; }}\n{F}")
    assert extract(reply, cpp_ref(), "cpp").includes == ["#include <algorithm>"]


def test_a_helper_defined_only_in_a_think_draft_is_not_taken():
    reply = (f"<think>\nMaybe a helper:\n{F}cpp\nstatic int fast_add(int p, int by) {{ return p + by; }}\n{F}\n</think>\n"
             f"{F}cpp\nvoid brighten(std::vector<int>& px, int by) {{\n    for (auto& p : px) p = fast_add(p, by);\n}}\n{F}")
    assert [b.thought for b in code_blocks(reply)] == [True, False]
    assert extract(reply, cpp_ref(), "cpp").helpers == []


def test_the_later_of_two_definitions_of_a_helper_wins_and_the_quoted_original_is_not_taken():
    reply = (f"Original:\n{F}cpp\nvoid brighten(std::vector<int>& px, int by) {{\n    for (auto& p : px) p = clamp255(p + by);\n}}\n{F}\n"
             f"{F}cpp\nstatic int add(int p, int by) {{ return p + by; }}\n{F}\nBetter:\n"
             f"{F}cpp\nstatic int add(int p, int by) {{ return clamp255(p + by); }}\n{F}\n"
             f"{F}cpp\nvoid brighten(std::vector<int>& px, int by) {{\n    for (auto& p : px) p = add(p, by);\n}}\n{F}")
    extraction = extract(reply, cpp_ref(), "cpp")
    assert extraction.helpers == ["static int add(int p, int by) { return clamp255(p + by); }"]


def test_a_recursive_function_does_not_pull_in_another_copy_of_itself():
    ref = locate(PY, "python", "s.py", name="total")
    reply = (f"{F}python\ndef total(xs):\n    return sum(xs)\n{F}\n"
             f"{F}python\ndef total(xs):\n    return xs[0] + total(xs[1:]) if xs else 0\n{F}")
    extraction = extract(reply, ref, "python")
    assert extraction.helpers == [] and "total(xs[1:])" in extraction.function_code


def test_python_blocks_bring_imports_and_constants_the_function_uses_not_example_statements():
    ref = locate(PY, "python", "s.py", name="total")
    reply = (f"{F}python\nfrom functools import reduce\nimport operator as op\n\nSTART = 0\n{F}\n"
             f"{F}python\ndef total(xs):\n    result = reduce(op.add, xs, START)\n    return result\n{F}\n"
             f"Usage:\n{F}python\nxs = [1, 2, 3]\nresult = total(xs)\nprint(result)\n{F}")
    extraction = extract(reply, ref, "python")
    assert extraction.includes == ["from functools import reduce", "import operator as op"]
    assert extraction.helpers == ["START = 0"]
    new = splice(PY, ref, extraction)
    compile(new, "s.py", "exec")
    assert "xs = [1, 2, 3]" not in new and "print(result)" not in new


def test_a_self_method_from_another_block_joins_the_class():
    ref = locate(PY, "python", "s.py", name="Series.norm")
    reply = (f"{F}python\ndef _sumsq(self):\n    return math.fsum(x * x for x in self.xs)\n{F}\n"
             f"{F}python\ndef norm(self):\n    return math.sqrt(self._sumsq())\n{F}\n"
             f"Try it:\n{F}python\nxs = [3.0, 4.0]\n_sumsq = None\nprint(Series(xs).norm())\n{F}")
    extraction = extract(reply, ref, "python")
    assert extraction.member_helpers == ["def _sumsq(self):\n    return math.fsum(x * x for x in self.xs)"]
    assert extraction.helpers == [], "`self.xs` and `self._sumsq` are attributes, not the example's globals"
    new = splice(PY, ref, extraction)
    assert "    def _sumsq(self):\n        return math.fsum" in new
    assert "Series._sumsq" in {r.qualified_name for r in list_functions(new, "python")}


# ---- code left out ---------------------------------------------------------------------------

@pytest.mark.parametrize("comment", [
    "// ... rest unchanged ...", "// ... same as before ...", "/* ... */", "// ...", "// …",
    "# ... rest of the code ...", "# ... existing code ...", "// ...existing code...", "// rest of code omitted for brevity",
    "// existing code here", "# your implementation goes here", "/* ... rest of the loop is the same ... */",
])
def test_placeholder_comments(comment: str):
    assert is_placeholder_comment(comment, own_line=True)


@pytest.mark.parametrize("comment", [
    "// fast path", "// Handle the remaining elements...", "// sum over [...] of a_i", "// x = a0 + a1 + ... + an",
    "// process the rest...", "// Same as before, but unrolled by four", "// TODO: vectorize",
    "// iterate over [0, n)", "/** Computes the dot product ... of a and b. */", "// Original implementation",
    "# keep the original order", "// rest unchanged",  # followed by code: it describes that code
])
def test_comments_that_describe_code_are_not_placeholders(comment: str):
    assert not is_placeholder_comment(comment, own_line=True, nothing_follows=False)


def test_a_dots_comment_after_code_on_its_line_annotates_it():
    assert not is_placeholder_comment("// ...", own_line=False)
    assert is_placeholder_comment("/* ... */", own_line=False)  # `f(a, /* ... */)`


def test_a_comment_without_dots_is_a_placeholder_only_where_code_should_follow():
    ref = cpp_ref()
    at_end = f"{F}cpp\nvoid brighten(std::vector<int>& px, int by) {{\n    if (by == 0) return;\n    // rest unchanged\n}}\n{F}"
    with pytest.raises(ElisionError, match="line 4 of the reply is the placeholder `// rest unchanged`"):
        extract(at_end, ref, "cpp")
    followed = at_end.replace("    // rest unchanged\n", "    // rest unchanged\n    for (auto& p : px) p = clamp255(p + by);\n")
    assert "for (auto& p : px)" in extract(followed, ref, "cpp").function_code


def test_the_elision_error_is_an_extraction_error_that_says_what_where_and_what_to_do():
    reply = f"Faster:\n\n{F}cpp\nvoid brighten(std::vector<int>& px, int by) {{\n    // ... same loop as before ...\n}}\n{F}"
    with pytest.raises(ExtractionError) as info:
        extract(reply, cpp_ref(), "cpp")
    error = info.value
    assert isinstance(error, ElisionError)
    assert error.message == ("the reply leaves code out of `brighten`: line 5 of the reply is the placeholder "
                             "`// ... same loop as before ...` where code should be")
    assert error.file == "img.cpp" and error.line == cpp_ref().start_line
    assert "never stand in for code with `...`" in error.hint and "it is not a patch" in error.hint


def test_a_placeholder_the_original_itself_has_is_kept():
    text = "int f(int x) {\n    // ...\n    return x + 1;\n}\n"
    ref = locate(text, "c", "f.c", name="f")
    assert "// ..." in extract(f"{F}c\nint f(int x) {{\n    // ...\n    return x + 2 - 1;\n}}\n{F}", ref, "c").function_code


def test_a_placeholder_comment_right_above_the_function_stays_out_of_the_file():
    reply = (f"{F}cpp\n#include <vector>\n// ... other functions unchanged ...\n"
             f"void brighten(std::vector<int>& px, int by) {{\n    for (int& p : px) p = clamp255(p + by);\n}}\n{F}")
    extraction = extract(reply, cpp_ref(), "cpp")
    assert extraction.function_code.startswith("void brighten(")
    assert "unchanged" not in splice(CPP, cpp_ref(), extraction)


def test_an_earlier_complete_rewrite_is_used_when_a_later_variant_leaves_code_out():
    reply = (f"{F}cpp\nvoid brighten(std::vector<int>& px, int by) {{\n    for (int& p : px) p = clamp255(p + by);\n}}\n{F}\n"
             f"With OpenMP:\n{F}cpp\nvoid brighten(std::vector<int>& px, int by) {{\n    #pragma omp parallel for\n"
             f"    // ... same loop as above ...\n}}\n{F}")
    extraction = extract(reply, cpp_ref(), "cpp")
    assert "for (int& p : px)" in extraction.function_code
    assert "left out a later version of `brighten` that leaves code out" in extraction.notes


def test_a_helper_that_leaves_code_out_is_refused_unless_the_file_has_it_already():
    ref = cpp_ref()
    function = f"{F}cpp\nvoid brighten(std::vector<int>& px, int by) {{\n    for (auto& p : px) p = clamp255(p + by);\n}}\n{F}"
    known = f"{F}cpp\nint clamp255(int v) {{\n    // ... unchanged ...\n}}\n{F}\n" + function
    spliced = splice(CPP, ref, extract(known, ref, "cpp"))  # a whole-file reply repeating what it has
    assert spliced.count("int clamp255(int v)") == 1 and "unchanged" not in spliced
    new = f"{F}cpp\nint clamp_new(int v) {{\n    // ... unchanged ...\n}}\n{F}\n" + function.replace("clamp255", "clamp_new")
    with pytest.raises(ElisionError, match="leaves code out of `clamp_new`: line 3 of the reply"):
        splice(CPP, ref, extract(new, ref, "cpp"))


def test_legitimate_ellipses_are_not_elisions():
    text = "#include <cstdarg>\nint f(int n, ...) {\n    return n;\n}\n"
    ref = locate(text, "cpp", "f.cpp", name="f")
    reply = (f"{F}cpp\ntemplate <typename... Ts>\nint sum_all(Ts... xs) {{ return (0 + ... + xs); }}\n\n"
             "int f(int n, ...) {\n    va_list ap;\n    va_start(ap, n);\n    int s = 0;\n"
             "    try { s = sum_all(n, 1, 2); } catch (...) { s = 0; }  // s = n + 1 + 2, [...] for the rest\n"
             f"    va_end(ap);\n    return s - 3;\n}}\n{F}")
    extraction = extract(reply, ref, "cpp")
    assert "catch (...)" in extraction.function_code and extraction.helpers[0].startswith("template <typename... Ts>")


def test_python_ellipsis_statements_are_placeholders_only_among_real_statements():
    ref = locate(PY, "python", "s.py", name="total")
    stub_helpers = (f"{F}python\nfrom typing import Callable, Protocol\n\n\nclass Adder(Protocol):\n"
                    "    def __call__(self, a: int, b: int) -> int: ...\n\n\n"
                    "def total(xs):\n    add: Callable[..., int] = int.__add__\n    s: tuple[int, ...] = (0,)\n"
                    f"    for x in xs:\n        s = (add(s[0], x),)\n    return s[0]\n{F}")
    assert extract(stub_helpers, ref, "python").function_code.startswith("def total(xs):")
    with pytest.raises(ElisionError, match="line 3 of the reply is the placeholder `...`"):
        extract(f"{F}python\ndef total(xs):\n    ...\n{F}", ref, "python")


# ---- the verdict and the lesson ----------------------------------------------------------------

def test_an_elided_reply_becomes_a_rejected_verdict_whose_lesson_says_not_to_elide(tmp_path: Path):
    ref = cpp_ref()
    target = Target(root=tmp_path, path=tmp_path / "img.cpp", file_rel="img.cpp", text=CPP, language="cpp", ref=ref)
    reply = f"{F}cpp\nvoid brighten(std::vector<int>& px, int by) {{\n    // ... rest unchanged ...\n}}\n{F}"
    candidate = make_candidate(target, "a", "m", 0, reply, [])
    assert candidate.new_file_text is None, "nothing to build"
    verdict = rejected_verdict(candidate)
    assert verdict.outcome is Outcome.REJECTED
    assert "leaves code out of `brighten`" in verdict.message and "never stand in for code" in verdict.message
    statement = prompts.outcome_statement(verdict)
    assert statement.startswith("Code B was rejected before it could be built, because: the reply leaves code out")
    assert prompts.lesson_intro(Outcome.REJECTED.value, 0.0) == prompts.REJECTED
    assert "non-compilable" not in prompts.REJECTED
    assert prompts.outcome_statement(Verdict(Outcome.REJECTED, message=verdict.message)) == statement


def test_a_placeholder_that_breaks_the_parse_is_still_named():
    """`for (...) {` leaves no definition the parser can see; the reason is still the placeholder."""
    reply = f"{F}cpp\nvoid brighten(std::vector<int>& px, int by) {{\n    for (...) {{\n        p += by;\n    }}\n}}\n{F}"
    with pytest.raises(ElisionError, match="line 3 of the reply is the placeholder `...`"):
        extract(reply, cpp_ref(), "cpp")
