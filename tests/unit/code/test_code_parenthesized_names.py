"""Functions whose name is written in parentheses, as nanobench.h does to keep Windows' `min`
and `max` macros away: `constexpr uint64_t (Rng::min)()`. They are listed, located, extracted
and spliced under their plain name."""
from __future__ import annotations

import pytest

from lessonl.code import extract, list_functions, locate, splice
from lessonl.code.languages import parse

NANOBENCH = """\
#include <cstdint>
#include <limits>

namespace ankerl {
namespace nanobench {

class Rng final {
public:
    using result_type = uint64_t;

    static constexpr uint64_t(min)();
    static constexpr uint64_t(max)();

    // In-class definitions with the same guard, with and without a space.
    constexpr uint64_t (lo)() const noexcept { return 0; }
    static constexpr uint64_t(hi)() noexcept { return 1; }

    inline uint64_t operator()() noexcept;

private:
    uint64_t mX = 0;
};

// The smallest value the generator returns.
constexpr uint64_t(Rng::min)() {
    return 0;
}

constexpr uint64_t(Rng::max)() {
    return (std::numeric_limits<uint64_t>::max)();
}

uint64_t Rng::operator()() noexcept {
    return mX++;
}

}  // namespace nanobench
}  // namespace ankerl

int (clamp_max)(int a, int b) { return a > b ? a : b; }
"""


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.split("\n"), 1) if needle in line)


def test_parenthesised_names_are_listed_under_their_plain_name():
    names = [(r.qualified_name, r.name) for r in list_functions(NANOBENCH, "cpp")]
    assert names == [
        ("ankerl::nanobench::Rng::lo", "lo"),
        ("ankerl::nanobench::Rng::hi", "hi"),
        ("ankerl::nanobench::Rng::min", "min"),
        ("ankerl::nanobench::Rng::max", "max"),
        ("ankerl::nanobench::Rng::operator()", "operator()"),
        ("clamp_max", "clamp_max"),
    ]
    assert all("(" not in r.qualified_name.replace("operator()", "") for r in list_functions(NANOBENCH, "cpp"))


@pytest.mark.parametrize("name", ["ankerl::nanobench::Rng::min", "nanobench::Rng::min", "Rng::min", "min",
                                  "ankerl.nanobench.Rng.min"])
def test_every_name_form_locates_the_out_of_class_definition(name: str):
    ref = locate(NANOBENCH, "cpp", "nanobench.h", name=name)
    assert ref.qualified_name == "ankerl::nanobench::Rng::min"
    assert ref.start_line == _line_of(NANOBENCH, "// The smallest value")
    assert ref.signature == "constexpr uint64_t(Rng::min)()"


def test_in_class_parenthesised_definitions_locate_by_name():
    assert locate(NANOBENCH, "cpp", name="Rng::lo").signature == "constexpr uint64_t (lo)() const noexcept"
    hi = locate(NANOBENCH, "cpp", name="hi")
    assert hi.qualified_name == "ankerl::nanobench::Rng::hi" and hi.signature.startswith("static constexpr")
    assert locate(NANOBENCH, "cpp", name="clamp_max").name == "clamp_max"


def test_the_cursor_on_the_in_class_declaration_means_the_definition():
    row = _line_of(NANOBENCH, "static constexpr uint64_t(min)();") - 1
    column = NANOBENCH.split("\n")[row].index("min")
    ref = locate(NANOBENCH, "cpp", "nanobench.h", position=(row, column))
    assert ref.qualified_name == "ankerl::nanobench::Rng::min"
    assert ref.start_line == _line_of(NANOBENCH, "// The smallest value")


@pytest.mark.parametrize("written, header", [
    ("constexpr uint64_t(Rng::min)()", "constexpr uint64_t(Rng::min)()"),
    ("constexpr uint64_t (min)()", "constexpr uint64_t (Rng::min)()"),
    ("constexpr uint64_t Rng::min()", "constexpr uint64_t (Rng::min)()"),
    ("constexpr uint64_t min()", "constexpr uint64_t (Rng::min)()"),
])
def test_a_rewrite_is_spliced_back_with_the_files_parenthesised_name(written: str, header: str):
    """Whichever way the model writes the name, the file keeps `(Rng::min)`: the parentheses are
    what stops a `min` macro, and the qualification is what makes it the member."""
    ref = locate(NANOBENCH, "cpp", "nanobench.h", name="Rng::min")
    extraction = extract(f"Sure:\n```cpp\n{written} {{\n    return uint64_t{{0}};\n}}\n```", ref, "cpp")
    assert extraction.function_code == (f"// The smallest value the generator returns.\n{header} {{\n"
                                        "    return uint64_t{0};\n}")
    new = splice(NANOBENCH, ref, extraction)
    assert not parse(new, "cpp").root_node.has_error
    assert f"{header} {{\n    return uint64_t{{0}};\n}}\n\nconstexpr uint64_t(Rng::max)()" in new
    assert [r.qualified_name for r in list_functions(new, "cpp")] == \
        [r.qualified_name for r in list_functions(NANOBENCH, "cpp")]


def test_a_changed_return_type_of_a_parenthesised_function_is_refused():
    from lessonl.errors import ExtractionError

    ref = locate(NANOBENCH, "cpp", name="Rng::min")
    with pytest.raises(ExtractionError, match="changes the return type"):
        extract("```cpp\nconstexpr int64_t (Rng::min)() {\n    return 0;\n}\n```", ref, "cpp")


def test_an_in_class_parenthesised_definition_round_trips():
    ref = locate(NANOBENCH, "cpp", name="Rng::hi")
    extraction = extract("```cpp\nstatic constexpr uint64_t(hi)() noexcept { return 1u; }\n```", ref, "cpp")
    new = splice(NANOBENCH, ref, extraction)
    assert "    static constexpr uint64_t(hi)() noexcept { return 1u; }\n" in new
    assert not parse(new, "cpp").root_node.has_error


def test_a_function_returning_a_function_pointer_is_still_listed():
    """`int (*pick(int))(double)` is no parenthesised name; it is listed (under its declarator) as before."""
    text = "int (*pick(int k))(double) { return k ? nullptr : nullptr; }\n"
    assert len(list_functions(text, "cpp")) == 1


def test_the_kept_parentheses_compile_against_a_min_macro(tmp_path):
    """What the parentheses are for: with `#define min(a, b) ...` in force, the spliced file compiles."""
    import shutil
    import subprocess

    if shutil.which("g++") is None:
        pytest.skip("g++ is not installed")
    ref = locate(NANOBENCH, "cpp", name="Rng::min")
    new = splice(NANOBENCH, ref, extract("```cpp\nconstexpr uint64_t min() {\n    return 0u;\n}\n```", ref, "cpp"))
    source = tmp_path / "nanobench.cpp"
    source.write_text("#define min(a, b) ((a) < (b) ? (a) : (b))\n" + new, encoding="utf-8")
    result = subprocess.run(["g++", "-std=c++17", "-fsyntax-only", str(source)], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
