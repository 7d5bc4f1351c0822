"""Extraction details the reply corpus does not pin down: names written the other way round,
indentation and line endings of replies, decorators, several candidates in one block."""
from __future__ import annotations

import pytest

from lessonl.code import extract, locate, splice
from lessonl.errors import ExtractionError

CPP = """\
#include <vector>

struct Grid {
    int w = 0;
    std::vector<float> cells;

    float sum() const {
        float s = 0;
        for (float c : cells) s += c;
        return s;
    }
    float mean() const;
};

float Grid::mean() const {
    return cells.empty() ? 0.0f : sum() / cells.size();
}
"""

PY = """\
import functools


class Cache:
    def __init__(self):
        self.data = {}

    @functools.lru_cache(maxsize=None)
    def get(self, key):
        return self.data.get(key)

    @property
    def size(self):
        n = 0
        for _ in self.data:
            n += 1
        return n
"""


def test_out_of_class_style_reply_for_an_in_class_method_is_written_back_in_class():
    ref = locate(CPP, "cpp", "grid.cpp", name="Grid::sum")
    reply = "```cpp\nfloat Grid::sum() const {\n    float s = 0;\n    for (std::size_t i = 0; i < cells.size(); ++i) s += cells[i];\n    return s;\n}\n```"
    extraction = extract(reply, ref, "cpp")
    assert extraction.function_code.startswith("float sum() const {")
    assert "    float sum() const {\n        float s = 0;\n        for (std::size_t i" in splice(CPP, ref, extraction)


def test_in_class_style_reply_for_an_out_of_class_method_gets_its_qualification():
    ref = locate(CPP, "cpp", "grid.cpp", name="Grid::mean")
    extraction = extract("```cpp\nfloat mean() const {\n    return cells.empty() ? 0.0f : sum() / float(cells.size());\n}\n```",
                         ref, "cpp")
    assert extraction.function_code.startswith("float Grid::mean() const {")


def test_reply_with_crlf_and_two_space_indentation_is_normalised_to_the_file():
    ref = locate(PY, "python", "cache.py", name="Cache.size")
    reply = "Sure:\r\n\r\n```python\r\nclass Cache:\r\n  @property\r\n  def size(self):\r\n    return len(self.data)\r\n```\r\n"
    new = splice(PY, ref, extract(reply, ref, "python"))
    assert "    @property\n    def size(self):\n      return len(self.data)\n" in new
    assert "\r" not in new


def test_decorators_missing_from_the_reply_are_kept_and_given_ones_replace_them():
    ref = locate(PY, "python", "cache.py", name="Cache.get")
    kept = extract("```python\ndef get(self, key):\n    return self.data[key] if key in self.data else None\n```",
                   ref, "python")
    assert kept.function_code.startswith("@functools.lru_cache(maxsize=None)\ndef get(self, key):")
    replaced = extract("```python\n@functools.cache\ndef get(self, key):\n    return self.data.get(key)\n```",
                       ref, "python")
    assert replaced.function_code.startswith("@functools.cache\ndef get(self, key):")


def test_renamed_python_parameter_is_a_changed_signature():
    ref = locate(PY, "python", "cache.py", name="Cache.get")
    with pytest.raises(ExtractionError) as info:
        extract("```python\ndef get(self, k):\n    return self.data.get(k)\n```", ref, "python")
    assert "changes parameter 2 from `key` to `k`" in str(info.value)
    assert "keep the signature exactly `def get(self, key)`" in str(info.value)


def test_renamed_cpp_parameter_is_fine_but_a_changed_type_is_not():
    ref = locate(CPP, "cpp", "grid.cpp", name="Grid::mean")
    extract("```cpp\nfloat Grid::mean() const { return 0.0f; }\n```", ref, "cpp")
    text = "int add(int a, int b) { return a + b; }\n"
    add = locate(text, "c", name="add")
    assert "x + y" in extract("```c\nint add(int x, int y) { return x + y; }\n```", add, "c").function_code
    with pytest.raises(ExtractionError, match="changes parameter 2 from `int` to `long`"):
        extract("```c\nint add(int x, long y) { return x + y; }\n```", add, "c")


def test_unchanged_copy_is_reported_not_refused():
    ref = locate(CPP, "cpp", name="Grid::mean")
    extraction = extract(f"No change needed:\n```cpp\n{ref.text}\n```", ref, "cpp")
    assert extraction.unchanged and "without changes" in extraction.notes[0]


def test_rewrite_is_preferred_over_a_quoted_original_after_it():
    ref = locate(CPP, "cpp", name="Grid::mean")
    reply = ("```cpp\nfloat Grid::mean() const { return sum() / float(cells.size() ? cells.size() : 1); }\n```\n"
             f"For reference, the original was:\n```cpp\n{ref.text}\n```")
    assert "? cells.size() : 1" in extract(reply, ref, "cpp").function_code


def test_a_syntax_error_inside_a_closed_block_is_named_as_such():
    ref = locate(CPP, "cpp", name="Grid::mean")
    with pytest.raises(ExtractionError, match="has a syntax error at line 2 of its code block"):
        extract("```cpp\nfloat Grid::mean() const {\n    return cells.empty() ? 0.0f : ;\n}\n```", ref, "cpp")
