"""Prompt context: what the model needs to keep the function compiling, signatures only, bounded."""
from __future__ import annotations

from pathlib import Path

from lessonl.code import locate, prompt_context

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "code"
CPP = (FIXTURES / "linalg.cpp").read_text(encoding="utf-8")
PY = (FIXTURES / "hotspots.py").read_text(encoding="utf-8")
C = (FIXTURES / "imgproc.c").read_text(encoding="utf-8")


def test_cpp_context_has_standard_flags_includes_and_used_declarations_without_bodies():
    ref = locate(CPP, "cpp", "linalg.cpp", name="linalg::forward_substitute")
    ctx = prompt_context(CPP, ref, "cpp", standard="c++17", flags="-O2 -march=native")
    assert ctx.startswith("// Language: C++; standard: c++17; compiler flags: -O2 -march=native")
    assert ctx.index("#include <algorithm>") < ctx.index('#include "linalg.hpp"')  # file order
    assert "static const double kEpsilon = 1e-12;" in ctx
    assert "forward_substitute" not in ctx  # the function itself travels separately
    assert "matmul" not in ctx  # not used by it


def test_method_context_shows_its_class_with_fields_and_member_signatures_only():
    ref = locate(CPP, "cpp", name="Matrix::frobenius")
    ctx = prompt_context(CPP, ref, "cpp")
    assert "template <typename T> class Matrix {" in ctx
    assert "std::vector<T> data_;" in ctx
    assert "  Matrix transpose() const;" in ctx and "// (the function being optimized)" in ctx
    assert "for (std::size_t r = 0" not in ctx  # no bodies


def test_out_of_class_method_gets_its_class_and_used_helpers():
    ref = locate(CPP, "cpp", name="Accumulator::total")
    ctx = prompt_context(CPP, ref, "cpp")
    assert "class Accumulator final {" in ctx and "std::vector<double> values_;" in ctx
    assert "Accumulator::Accumulator(std::size_t capacity)" not in ctx


def test_c_context_includes_used_macros_types_and_functions():
    ref = locate(C, "c", name="median3x3")
    ctx = prompt_context(C, ref, "c", standard="c99")
    assert ctx.startswith("// Language: C; standard: c99")
    assert "#define IMG_CLAMP(x, lo, hi)" in ctx and "#define IMG_MIN(a, b)" in ctx  # macros it expands to
    assert "static inline uint8_t px(const image_t *img, size_t x, size_t y);" in ctx
    assert "static int cmp_u8(const void *a, const void *b);" in ctx
    assert "typedef struct image {" in ctx and "size_t stride;" in ctx


def test_python_context_has_imports_class_members_and_used_module_names():
    ref = locate(PY, "python", name="TextIndex.score")
    ctx = prompt_context(PY, ref, "python", standard="3.11")
    assert ctx.startswith("# Language: Python; standard: 3.11")
    assert "from __future__ import annotations" in ctx.split("\n")[3]
    assert "# instance attributes: self._docs, self._postings" in ctx
    assert "    def idf(self, word: str) -> float: ..." in ctx
    assert "def tokenize(text: str, *, keep_stop_words: bool = False) -> list[str]: ..." in ctx
    tok = prompt_context(PY, locate(PY, "python", name="tokenize"), "python")
    assert 'WORD_RE = re.compile(r"\\w+", re.UNICODE)' in tok and "STOP_WORDS = frozenset(" in tok


def test_context_is_bounded_by_whole_lines_and_says_what_was_cut():
    ref = locate(CPP, "cpp", name="Matrix::frobenius")
    full = prompt_context(CPP, ref, "cpp")
    for limit in (200, 500, 800):
        ctx = prompt_context(CPP, ref, "cpp", limit_chars=limit)
        assert len(ctx) <= limit
        assert "more lines left out for length" in ctx
        assert all(line in full.split("\n") or "left out" in line for line in ctx.split("\n"))
    assert "more lines left out for length" not in full
