"""Splicing: exactly the span changes; helpers and includes land where they compile; the file's
indentation, line endings, final newline and BOM survive; syntax errors and stale targets are refused."""
from __future__ import annotations

from pathlib import Path

import pytest

from lessonl.code import Extraction, extract, locate, relocate, splice, unified_diff
from lessonl.errors import SpliceError, StaleTargetError

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "code"

CLASS_CPP = """\
#include <vector>

namespace ns {

class Acc {
public:
    // Sum of the values.
    double sum() const {
        double s = 0;
        for (double v : v_) s += v;
        return s;
    }

private:
    std::vector<double> v_;
};

}  // namespace ns
"""


def test_only_the_span_changes_and_indentation_follows_the_class():
    ref = locate(CLASS_CPP, "cpp", "acc.cpp", name="ns::Acc::sum")
    new = splice(CLASS_CPP, ref, extract(
        "```cpp\ndouble sum() const {\n    double s = 0;\n    for (std::size_t i = 0; i < v_.size(); ++i) s += v_[i];\n"
        "    return s;\n}\n```", ref, "cpp"))
    assert new == CLASS_CPP.replace("        for (double v : v_) s += v;\n",
                                    "        for (std::size_t i = 0; i < v_.size(); ++i) s += v_[i];\n")


def test_free_helpers_go_before_the_outermost_class_and_members_into_it():
    ref = locate(CLASS_CPP, "cpp", "acc.cpp", name="sum")
    reply = """```cpp
#include <numeric>

static double add(double a, double b) { return a + b; }

class Acc {
    double first() const { return v_.empty() ? 0 : v_[0]; }
    // Sum of the values.
    double sum() const {
        return std::accumulate(v_.begin(), v_.end(), 0.0, add);
    }
};
```"""
    extraction = extract(reply, ref, "cpp")
    assert extraction.helpers == ["static double add(double a, double b) { return a + b; }"]
    assert extraction.member_helpers == ["double first() const { return v_.empty() ? 0 : v_[0]; }"]
    new = splice(CLASS_CPP, ref, extraction)
    assert new.startswith("#include <vector>\n#include <numeric>\n\nnamespace ns {\n\n"
                          "static double add(double a, double b) { return a + b; }\n\nclass Acc {\npublic:\n"
                          "    double first() const { return v_.empty() ? 0 : v_[0]; }\n\n    // Sum of the values.\n"
                          "    double sum() const {\n        return std::accumulate(")
    assert new.endswith("    std::vector<double> v_;\n};\n\n}  // namespace ns\n")


def test_python_method_keeps_its_indentation_and_imports_go_after_the_last_import():
    text = '"""Doc."""\nimport os\n\n\nclass A:\n    def f(self, xs):\n        return [x * 2 for x in xs]\n'
    ref = locate(text, "python", "a.py", name="A.f")
    new = splice(text, ref, extract(
        "```python\nimport numpy as np\n\ndef f(self, xs):\n    return list(np.asarray(xs) * 2)\n```", ref, "python"))
    assert new == ('"""Doc."""\nimport os\nimport numpy as np\n\n\nclass A:\n    def f(self, xs):\n'
                   '        return list(np.asarray(xs) * 2)\n')


def test_imports_without_existing_ones_go_after_the_module_docstring():
    text = '"""Module."""\n\n\ndef f(n):\n    return sum(range(n))\n'
    ref = locate(text, "python", name="f")
    new = splice(text, ref, Extraction("def f(n):\n    return n * (n - 1) // 2", includes=["import math"]))
    assert new == '"""Module."""\n\n\nimport math\n\ndef f(n):\n    return n * (n - 1) // 2\n'


def test_existing_includes_and_helpers_are_not_duplicated():
    text = "#include <vector>\nstatic int sq(int x) { return x * x; }\nint f(int x) { return sq(x); }\n"
    ref = locate(text, "cpp", name="f")
    ext = Extraction("int f(int x) { return x * x; }", helpers=["static int sq(int x) { return x * x; }"],
                     includes=["#include  <vector>"])
    assert splice(text, ref, ext) == text.replace("return sq(x);", "return x * x;")


def test_crlf_endings_and_missing_final_newline_are_kept():
    text = "int f(int x)\r\n{\r\n    return x + 1;\r\n}\r\n\r\nint g() { return 2; }"
    ref = locate(text, "c", name="f")
    new = splice(text, ref, Extraction("int f(int x)\n{\n    return 1 + x;\n}\n"))
    assert new == text.replace("x + 1", "1 + x")
    ref_g = locate(text, "c", name="g")
    new_g = splice(text, ref_g, Extraction("int g() {\n    return 3;\n}", helpers=["static int h() { return 1; }"]))
    assert new_g.endswith("static int h() { return 1; }\r\n\r\nint g() {\r\n    return 3;\r\n}")
    assert "\n" not in new_g.replace("\r\n", "")


def test_crlf_fixture_keeps_crlf_and_non_ascii_text():
    text = (FIXTURES / "win_strings.cpp").read_bytes().decode("utf-8")
    ref = locate(text, "cpp", name="split")
    reply = ("```cpp\n/// Split on a separator; empty fields are kept (\"a,,b\" → 3 fields).\n"
             "std::vector<std::string> split(const std::string& s, char sep) {\n"
             "    std::vector<std::string> out;\n    std::size_t start = 0;\n"
             "    for (std::size_t i = 0; i <= s.size(); ++i) {\n"
             "        if (i == s.size() || s[i] == sep) { out.emplace_back(s, start, i - start); start = i + 1; }\n"
             "    }\n    return out;\n}\n```")
    new = splice(text, ref, extract(reply, ref, "cpp"))
    assert "\n" not in new.replace("\r\n", "")
    assert "Größe in Bytes → lesbarer Text" in new
    assert new.count("\r\n") == text.count("\r\n") - 6  # 15 lines became 9


def test_bom_and_tabs_are_kept():
    text = "\ufeff#include <stdio.h>\n\nint f(void)\n{\n\treturn 1;\n}\n"
    ref = locate(text, "c", name="f")
    assert ref.start_line == 3
    new = splice(text, ref, Extraction("int f(void)\n{\n\treturn 2;\n}"))
    assert new == text.replace("return 1", "return 2")


def test_a_splice_with_a_syntax_error_is_refused_with_file_and_line():
    text = (FIXTURES / "hotspots.py").read_text(encoding="utf-8")
    ref = locate(text, "python", "hotspots.py", name="dedupe")
    with pytest.raises(SpliceError) as info:
        splice(text, ref, Extraction("def dedupe(items: list[str]) -> list[str]:\n    return list(dict.fromkeys(items)"))
    assert info.value.file == "hotspots.py" and ref.start_line <= info.value.line <= ref.end_line + 1
    cpp = (FIXTURES / "linalg.cpp").read_text(encoding="utf-8")
    ref = locate(cpp, "cpp", "linalg.cpp", name="prefix_sum")
    with pytest.raises(SpliceError):
        splice(cpp, ref, Extraction("void prefix_sum(std::vector<long long>& v) {\n    for (;;) {\n}"))


def test_a_file_that_already_has_parse_errors_still_accepts_a_clean_rewrite():
    text = (FIXTURES / "imgproc.c").read_text(encoding="utf-8")
    ref = locate(text, "c", name="convolve3x3")  # IMG_HOT confuses the parser
    code = ref.text.replace("acc *= k->scale;", "acc = acc * k->scale;")
    new = splice(text, ref, Extraction(code))
    assert unified_diff(text, new, "imgproc.c").count("\n+") == 2  # "+++" header and the one line


def test_relocate_follows_edits_elsewhere_and_refuses_edits_inside():
    text = (FIXTURES / "hotspots.py").read_text(encoding="utf-8")
    ref = locate(text, "python", "hotspots.py", name="dedupe")
    edited = text.replace("import asyncio\n", "import asyncio\nimport os\nimport sys\n")
    moved = relocate(edited, ref)
    assert moved.text == ref.text and moved.start_line == ref.start_line + 2
    assert moved.start_byte == ref.start_byte + len("import os\nimport sys\n")
    new = splice(edited, ref, Extraction("def dedupe(items: list[str]) -> list[str]:\n    return list(dict.fromkeys(items))"))
    assert "import sys" in new and "dict.fromkeys" in new
    changed = text.replace("        if it not in result:", "        if it and it not in result:")
    with pytest.raises(StaleTargetError) as info:
        relocate(changed, ref)
    assert "edited after the job started" in str(info.value) and info.value.line == ref.start_line
    with pytest.raises(StaleTargetError):
        splice(changed, ref, Extraction("def dedupe(items: list[str]) -> list[str]:\n    return items"))
    with pytest.raises(StaleTargetError) as gone:
        relocate(text.replace("def dedupe(", "def unique("), ref)
    assert "no longer in the file" in str(gone.value)


def test_the_incremental_reparse_after_a_splice_equals_a_full_parse():
    from lessonl.code import languages

    text = (FIXTURES / "linalg.cpp").read_text(encoding="utf-8")
    ref = locate(text, "cpp", "linalg.cpp", name="linalg::histogram")
    ext = Extraction("std::vector<int> histogram(const std::vector<std::uint8_t>& pixels, int bins) {\n"
                     "    return histogram_lut(pixels, bins);\n}",
                     helpers=["static std::vector<int> histogram_lut(const std::vector<std::uint8_t>& p, int bins) {\n"
                              "    return std::vector<int>(bins, int(p.size()) / bins);\n}"],
                     includes=["#include <array>"])
    new = splice(text, ref, ext)
    kept = languages.parse(new, "cpp")  # the tree splice built incrementally, from the cache
    fresh = languages.ts.Parser(languages.ts_language("cpp")).parse(new.encode("utf-8"))
    assert str(kept.root_node) == str(fresh.root_node)
    assert "#include <array>" in new and new.index("histogram_lut(const") < new.index("histogram(const std::vector")


def test_source_encoding_round_trips_bom_and_latin1_and_refuses_unencodable_text():
    from lessonl.code.source import decode_source, encode_source

    for raw in ("\ufeffint f() { return 1; }\n".encode("utf-8"), b"/* caf\xe9 */\n\nint f() { return 1; }\n",
                "int f() { return 1; } // 日本\n".encode("utf-8")):
        text, encoding = decode_source(raw)
        assert not text.startswith("\ufeff") and encode_source(text, encoding) == raw
        ref = locate(text, "c", name="f")
        new = splice(text, ref, Extraction("int f() { return 2; }"))
        assert encode_source(new, encoding) == raw.replace(b"return 1", b"return 2")
    text, latin1 = decode_source(b"/* caf\xe9 */\n\nint f() { return 1; }\n")
    with pytest.raises(SpliceError) as info:
        encode_source(text.replace("return 1", "return 1; /* \u2192 */"), latin1, "old.c")
    assert info.value.file == "old.c" and info.value.line == 3
