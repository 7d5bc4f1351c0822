"""Time locate + extract + splice + diff on a 10,000-line C++ file and a 10,000-line Python file.

Target: under 50 ms for the whole chain per file (the engine does it once per candidate, the
language server once per result), both from a name (FILE::NAME) and from the cursor (a position
in the function, as the editor's code action has it). Each chain starts with empty parse caches
and is timed end to end. Prints the median and the worst of several runs per step.
Run: .venv/bin/python benchmarks/code_splice.py [--runs N]
"""
from __future__ import annotations

import argparse
import statistics
import time

from lessonl.code import extract, functions, languages, locate, splice, text_edits, unified_diff

TARGET_MS = 50.0


def cpp_file(lines: int = 10_000) -> tuple[str, str]:
    """A namespace of classes with in-class and out-of-class methods and free template functions."""
    out = ["#include <vector>", "#include <cstddef>", "", "namespace bench {", ""]
    i = 0
    while len(out) < lines - 30:
        out += [
            f"// Accumulates block {i}.",
            f"class Block{i} {{",
            "public:",
            f"    explicit Block{i}(std::size_t n) : data_(n, {i}.0f) {{}}",
            "    float sum() const {",
            "        float s = 0.0f;",
            "        for (float v : data_) s += v;",
            "        return s;",
            "    }",
            "    void scale(float f);",
            "private:",
            "    std::vector<float> data_;",
            "};",
            "",
            f"void Block{i}::scale(float f) {{",
            "    for (auto& v : data_) v *= f;",
            "}",
            "",
            "template <typename T>",
            f"T dot{i}(const T* a, const T* b, std::size_t n) {{",
            "    T acc{};",
            "    for (std::size_t k = 0; k < n; ++k) acc += a[k] * b[k];",
            "    return acc;",
            "}",
            "",
        ]
        i += 1
    target = i // 2
    out += ["}  // namespace bench", ""]
    return "\n".join(out), f"bench::dot{target}"


def py_file(lines: int = 10_000) -> tuple[str, str]:
    out = ['"""Generated module."""', "import math", "", ""]
    i = 0
    while len(out) < lines - 10:
        out += [
            f"class Shape{i}:",
            f'    """Shape number {i}."""',
            "",
            "    def __init__(self, r: float) -> None:",
            "        self.r = r",
            "",
            "    @property",
            "    def area(self) -> float:",
            "        return math.pi * self.r ** 2",
            "",
            "    def scaled(self, f: float) -> list[float]:",
            "        out = []",
            "        for k in range(10):",
            "            out.append(self.r * f * k)",
            "        return out",
            "",
            "",
            f"def total{i}(xs: list[float]) -> float:",
            "    s = 0.0",
            "    for x in xs:",
            "        s += x",
            "    return s",
            "",
            "",
        ]
        i += 1
    target = i // 2
    return "\n".join(out) + "\n", f"Shape{target}.scaled"


CPP_REPLY = """Here is a faster version with four accumulators:

```cpp
template <typename T>
T {name}(const T* a, const T* b, std::size_t n) {{
    T s0{{}}, s1{{}}, s2{{}}, s3{{}};
    std::size_t k = 0;
    for (; k + 4 <= n; k += 4) {{
        s0 += a[k] * b[k]; s1 += a[k + 1] * b[k + 1];
        s2 += a[k + 2] * b[k + 2]; s3 += a[k + 3] * b[k + 3];
    }}
    for (; k < n; ++k) s0 += a[k] * b[k];
    return (s0 + s1) + (s2 + s3);
}}
```
It breaks the dependency chain on the accumulator.
"""

PY_REPLY = """Use a list comprehension:

```python
def scaled(self, f: float) -> list[float]:
    rf = self.r * f
    return [rf * k for k in range(10)]
```
"""


def _cold() -> None:
    """Empty the parse caches: the next step pays for a full parse, as a fresh document does."""
    languages._cache.clear()
    functions._scans.clear()


def chain(text: str, language: str, name: str, reply: str, path: str) -> dict[str, float]:
    """Two cold runs of the whole chain, each timed end to end and per step: from a name (the
    CLI's FILE::NAME) and from a cursor position (the editor's code action)."""
    times: dict[str, float] = {}
    _cold()
    t0 = time.perf_counter()
    ref = locate(text, language, path, name=name)
    t1 = time.perf_counter()
    extraction = extract(reply, ref, language)
    t2 = time.perf_counter()
    new = splice(text, ref, extraction)
    t3 = time.perf_counter()
    diff = unified_diff(text, new, path)
    edits = text_edits(text, new)
    t4 = time.perf_counter()
    assert diff and len(edits) == 1, "the benchmark must change exactly one function"
    times["locate(name)"] = (t1 - t0) * 1e3
    times["extract"] = (t2 - t1) * 1e3
    times["splice"] = (t3 - t2) * 1e3
    times["diff+edits"] = (t4 - t3) * 1e3
    times["chain (name)"] = (t4 - t0) * 1e3

    cursor = (ref.start_line + 1, 4)  # a point inside the function's signature or body (0-based line)
    _cold()
    t0 = time.perf_counter()
    at = locate(text, language, path, position=cursor)
    t1 = time.perf_counter()
    new_at = splice(text, at, extract(reply, at, language))
    diff_at, edits_at = unified_diff(text, new_at, path), text_edits(text, new_at)
    t2 = time.perf_counter()
    assert at.qualified_name == ref.qualified_name and new_at == new and diff_at == diff and edits_at == edits
    times["locate(position)"] = (t1 - t0) * 1e3
    times["chain (position)"] = (t2 - t0) * 1e3
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    cpp_text, cpp_name = cpp_file()
    py_text, py_name = py_file()
    cases = [
        ("C++", cpp_text, "cpp", cpp_name, CPP_REPLY.format(name=cpp_name.split("::")[-1]), "bench.cpp"),
        ("Python", py_text, "python", py_name, PY_REPLY, "bench.py"),
    ]
    ok = True
    for label, text, language, name, reply, path in cases:
        chain(text, language, name, reply, path)  # warm-up: grammar loading, imports
        runs = [chain(text, language, name, reply, path) for _ in range(args.runs)]
        lines = text.count("\n")
        print(f"{label}: {lines} lines, {len(text.encode())} bytes, target {name}, {args.runs} runs")
        for step in runs[0]:
            values = [r[step] for r in runs]
            print(f"  {step:<18} median {statistics.median(values):7.2f} ms   max {max(values):7.2f} ms")
        parse_ms = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            languages._parser(language).parse(text.encode("utf-8"))
            parse_ms.append((time.perf_counter() - t0) * 1e3)
        print(f"  {'(one full parse)':<18} median {statistics.median(parse_ms):7.2f} ms   max {max(parse_ms):7.2f} ms")
        for how in ("name", "position"):
            median_chain = statistics.median(r[f"chain ({how})"] for r in runs)
            verdict = "OK" if median_chain < TARGET_MS else "OVER TARGET"
            print(f"  => locate({how})+extract+splice+diff median {median_chain:.2f} ms, "
                  f"{median_chain / statistics.median(parse_ms):.2f} full parses "
                  f"(target < {TARGET_MS:.0f} ms): {verdict}")
            ok &= median_chain < TARGET_MS
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
