"""Listing and locating functions: qualified names, spans with their doc comments, positions."""
from __future__ import annotations

from pathlib import Path

import pytest

from lessonl.code import language_for, list_functions, locate, parse_spec
from lessonl.code.functions import text_hash
from lessonl.errors import TargetError

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "code"
CPP = (FIXTURES / "linalg.cpp").read_text(encoding="utf-8")
PY = (FIXTURES / "hotspots.py").read_text(encoding="utf-8")


def _line_of(text: str, needle: str) -> int:
    """1-based line of the first line containing needle."""
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.mark.parametrize("path,language", [
    ("a.c", "c"), ("k.cpp", "cpp"), ("k.cc", "cpp"), ("k.hpp", "cpp"), ("k.h", "cpp"), ("K.CPP", "cpp"),
    ("src/app.py", "python"), ("types.pyi", "python"), ("lib.rs", None), ("Makefile", None),
])
def test_language_for_maps_extensions(path, language):
    assert language_for(path) == language


def test_cpp_qualified_names_cover_namespaces_classes_templates_and_operators():
    names = [r.qualified_name for r in list_functions(CPP, "cpp", "linalg.cpp")]
    for expected in ["linalg::dot", "linalg::norm2", "linalg::Fixed::operator[]", "linalg::Fixed::operator+",
                     "linalg::Matrix::Matrix", "linalg::Matrix::~Matrix", "linalg::Matrix::operator()",
                     "linalg::Matrix::apply", "linalg::Matrix::trace", "linalg::Matrix::operator*",
                     "linalg::detail::transpose_blocked", "linalg::Accumulator::operator+=",
                     "linalg::io::to_string", "linalg_version", "clamp_all", "main"]:
        assert expected in names
    assert names.count("linalg::dot") == 2 and names.count("linalg::matmul") == 2  # overloads
    assert "linalg::Matrix::transpose" in names  # defined out of class, template<typename T>


def test_defaulted_and_declared_only_functions_are_not_listed():
    names = [r.qualified_name for r in list_functions(CPP, "cpp")]
    assert names.count("linalg::Matrix::Matrix") == 1  # `Matrix() = default;` has no body
    assert "linalg::Matrix::operator=" not in names


def test_span_starts_at_the_doc_comment_and_template_header():
    ref = locate(CPP, "cpp", "linalg.cpp", name="linalg::dot", line=_line_of(CPP, "/// Sum of a[i]"))
    assert ref.text.startswith("/// Sum of a[i] * b[i] for i < n.\n/// Used by every other kernel")
    assert ref.text.endswith("return acc;\n}")
    trace = locate(CPP, "cpp", name="Matrix::trace")
    assert trace.text.startswith("template <typename T>\n[[nodiscard]] T Matrix<T>::trace() const {")
    assert trace.signature == "template <typename T> [[nodiscard]] T Matrix<T>::trace() const"


def test_a_comment_separated_by_a_blank_line_is_not_a_doc_comment():
    text = "// file header\n\nint f() { return 1; }\n"
    assert locate(text, "c", name="f").text == "int f() { return 1; }"


def test_trailing_comment_of_a_statement_is_not_a_doc_comment():
    text = "int x = 1; // not about g\nint g() { return x; }\n"
    assert locate(text, "c", name="g").start_line == 2


def test_ref_fields_are_consistent_with_the_text():
    for text, language in ((CPP, "cpp"), (PY, "python")):
        data = text.encode("utf-8")
        for ref in list_functions(text, language, "f"):
            assert data[ref.start_byte:ref.end_byte].decode("utf-8") == ref.text
            assert ref.text_hash == text_hash(ref.text)
            assert text.splitlines()[ref.start_line - 1].strip().startswith(ref.text.splitlines()[0].strip())
            assert ref.end_line - ref.start_line == ref.text.count("\n")
            assert ref.spec == f"f::{ref.qualified_name}@{ref.start_line}"


def test_python_names_cover_classes_nested_functions_and_unicode():
    names = [r.qualified_name for r in list_functions(PY, "python")]
    for expected in ["timed", "timed.wrapper", "retry.decorate.wrapper", "größte_wörter", "λ_smooth",
                     "Document.length", "TextIndex.score", "TextIndex.search.rank", "TextIndex.Stats.vocabulary",
                     "fetch_all", "fetch_all.fetch", "stream_tokens", "make_counter.increment.never_called"]:
        assert expected in names
    assert names.count("accurate_sum") == 2  # defined under if/else


def test_python_span_includes_leading_comments_and_decorators():
    ref = locate(PY, "python", name="tokenize")
    assert ref.text.startswith("# Lower-case words of a text, without stop words.\n# The regex handles")
    assert "@timed\ndef tokenize(" in ref.text
    load = locate(PY, "python", name="TextIndex.load")
    assert load.text.startswith("@retry(times=2)\n    def load(self, path: str) -> int:")
    assert load.signature == "def load(self, path: str) -> int"
    assert locate(PY, "python", name="fetch_all").signature.startswith("async def fetch_all(")


def test_locate_by_name_accepts_bare_qualified_and_dotted_forms():
    assert locate(CPP, "cpp", name="transpose_blocked").qualified_name == "linalg::detail::transpose_blocked"
    assert locate(CPP, "cpp", name="Matrix.frobenius").qualified_name == "linalg::Matrix::frobenius"
    assert locate(PY, "python", name="TextIndex.idf").name == "idf"
    assert locate(PY, "python", name="Stats.vocabulary").qualified_name == "TextIndex.Stats.vocabulary"


def test_overloads_need_a_line_and_the_error_lists_them():
    with pytest.raises(TargetError) as info:
        locate(CPP, "cpp", "linalg.cpp", name="matmul")
    message = str(info.value)
    assert "ambiguous" in message and "linalg.cpp::linalg::matmul@" in message
    second = _line_of(CPP, "// Overload: rectangular")
    ref = locate(CPP, "cpp", name="matmul", line=second)
    assert ref.start_line == second and "int m, int k, int n" in ref.signature
    inside = locate(CPP, "cpp", name="matmul", line=second + 4)  # a line inside the body works too
    assert inside == ref


def test_unknown_name_lists_what_exists():
    with pytest.raises(TargetError) as info:
        locate(PY, "python", "hotspots.py", name="nope")
    assert "no function named 'nope'" in str(info.value) and "tokenize" in str(info.value)


def test_position_anywhere_in_signature_body_or_doc_comment():
    first = _line_of(CPP, "/// Sum of a[i]") - 1
    for line0, char in [(first, 0), (first + 1, 5), (first + 2, 40), (first + 5, 12), (first + 8, 1)]:
        assert locate(CPP, "cpp", position=(line0, char)).start_line == first + 1


def test_position_prefers_the_innermost_function():
    rank_line = _line_of(PY, "def rank(doc_id") - 1
    assert locate(PY, "python", position=(rank_line + 1, 20)).qualified_name == "TextIndex.search.rank"
    assert locate(PY, "python", position=(rank_line - 2, 8)).qualified_name == "TextIndex.search"
    assert locate(PY, "python", position=(rank_line, 0)).qualified_name == "TextIndex.search.rank"


def test_position_counts_utf16_code_units():
    text = 'int a() { return 0; }\nconst char* s = "😀😀"; int b() { return 1; }\n'
    column_of_b = len('const char* s = "😀😀"; int '.encode("utf-16-le")) // 2
    assert locate(text, "cpp", position=(1, column_of_b + 1)).name == "b"
    with pytest.raises(TargetError):
        locate(text, "cpp", position=(1, 5))  # inside the string before b: not a function


def test_position_outside_any_function_is_a_clear_error():
    with pytest.raises(TargetError) as info:
        locate(CPP, "cpp", "linalg.cpp", position=(0, 0))
    assert info.value.line == 1 and "not inside a function" in str(info.value)


def test_crlf_file_lines_and_spans():
    text = (FIXTURES / "win_strings.cpp").read_bytes().decode("utf-8")
    ref = locate(text, "cpp", name="PathBuilder::join")
    assert ref.text.startswith("// Joins with a backslash") and "\r\n" in ref.text
    assert text.split("\r\n")[ref.start_line - 1].strip().startswith("// Joins")


@pytest.mark.parametrize("spec,expected", [
    ("src/k.cpp::matmul@12", ("src/k.cpp", "matmul", 12)),
    ("k.cpp::ns::Matrix::operator()@3", ("k.cpp", "ns::Matrix::operator()", 3)),
    ("app.py::Cache.get", ("app.py", "Cache.get", None)),
    (" k.c::f @ 7 ", ("k.c", "f", 7)),
])
def test_parse_spec(spec, expected):
    assert parse_spec(spec) == expected


@pytest.mark.parametrize("spec", ["k.cpp", "k.cpp::", "::f", "k.cpp::f@x", "k.cpp::f@0", "k.cpp::@3"])
def test_parse_spec_rejects_malformed_specs_with_a_hint(spec):
    with pytest.raises(TargetError) as info:
        parse_spec(spec)
    assert "FILE::NAME" in str(info.value)


def test_position_on_a_member_declaration_means_its_out_of_class_definition():
    lines = CPP.split("\n")
    declared = next(i for i, line in enumerate(lines) if "double total() const noexcept;" in line)
    ref = locate(CPP, "cpp", position=(declared, 12))
    assert ref.qualified_name == "linalg::Accumulator::total" and ref.start_line > declared + 1
    trace_decl = next(i for i, line in enumerate(lines) if "[[nodiscard]] T trace() const;" in line)
    assert locate(CPP, "cpp", position=(trace_decl, 20)).qualified_name == "linalg::Matrix::trace"
    data_member = next(i for i, line in enumerate(lines) if "std::vector<double> values_;" in line)
    with pytest.raises(TargetError):
        locate(CPP, "cpp", position=(data_member, 10))
