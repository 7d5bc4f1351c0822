"""Lesson bank at scale: open and select with 100,000 lessons (targets: open < 100 ms, select < 50 ms).

Prints the figures; run with `python benchmarks/store_selection.py [--lessons N]`.
"""
from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from lessonl_store import Lesson, LessonBank, make_relevance

TOPICS = [
    ("loop interchange makes the inner loop walk rows of the matrix", "matmul", "void matmul(const double* a, const double* b, double* c, int n)"),
    ("counting in one pass over the data avoids rescanning it per bin", "histogram", "std::vector<int> histogram(const std::vector<int>& data, int bins)"),
    ("a running total replaces the quadratic recomputation of prefix sums", "prefix_sum", "std::vector<long> prefix_sum(const std::vector<long>& in)"),
    ("str.join builds the string once instead of copying it per word", "join_words", "def join_words(words, separator):"),
    ("a set makes membership tests constant time", "find_duplicates", "def find_duplicates(items):"),
    ("reading the file in large blocks cuts system calls", "read_all", "ssize_t read_all(int fd, char* buf, size_t n)"),
    ("reserving the vector capacity avoids repeated reallocation", "collect", "std::vector<Point> collect(const Grid& g)"),
    ("hoisting the division out of the loop turns it into a multiplication", "normalize", "void normalize(float* v, int n, float s)"),
]
OUTCOMES = ["faster", "slower", "incorrect", "not_compilable", "no_significant_change"]
QUERY = """void matmul(const std::vector<double>& a, const std::vector<double>& b, std::vector<double>& c, int n) {
    for (int i = 0; i < n; ++i) for (int j = 0; j < n; ++j) { double sum = 0.0;
        for (int k = 0; k < n; ++k) sum += a[i * n + k] * b[k * n + j]; c[i * n + j] = sum; } }"""


SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "ta", "vo", "zi", "pe", "su", "do", "fa", "gi", "ho", "ju"]
ACTIONS = ["vectorizing", "hoisting", "caching", "unrolling", "fusing", "batching", "inlining", "reordering",
           "precomputing", "memoizing", "splitting", "tiling"]


def _identifier(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(3))


def fill(path: Path, count: int) -> float:
    """A bank like a busy repository's: thousands of functions, each with its own identifiers."""
    rng = random.Random(7)
    functions = []
    for f in range(3000):
        text, name, code = rng.choice(TOPICS)
        ids = [_identifier(rng) for _ in range(4)]
        functions.append((text, f"{name}_{ids[0]}", code.replace("(", f"_{ids[0]}(") + " // " + " ".join(ids)))
    t0 = time.perf_counter()
    with LessonBank.open(path) as bank:
        batch = []
        for i in range(count):
            text, name, code = rng.choice(functions)
            text = f"{rng.choice(ACTIONS)} {_identifier(rng)}: {text} in {name}"
            outcome = rng.choice(OUTCOMES)
            speedup = rng.uniform(1.0, 4.0) if outcome == "faster" else rng.uniform(0.3, 1.0) if outcome != "incorrect" else 0.0
            batch.append(Lesson(text=f"{text} (variant {i})", outcome=outcome, speedup=speedup, round=i % 4,
                                agent=f"agent-{i % 3}", model="m", file=f"src/f{hash(name) % 300}.cpp", qualified_name=name,
                                function_hash=f"h-{name}", source_code=code, factor=rng.choice([0.9, 1.0, 1.1])))
            if len(batch) == 5000:
                bank.add_many(batch)
                batch = []
        bank.add_many(batch)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lessons", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / ".lessonl"
        print(f"filling a bank with {args.lessons:,} lessons: {fill(path, args.lessons):.1f} s")
        opens = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            LessonBank.open(path).close()
            opens.append(time.perf_counter() - t0)
        bank = LessonBank.open(path)
        relevance = make_relevance({"backend": "lexical"})
        t0 = time.perf_counter()
        bank.select(4, QUERY, relevance)
        first = time.perf_counter() - t0
        selects = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            chosen = bank.select(4, QUERY, relevance)
            selects.append(time.perf_counter() - t0)
        bank.close()
        p95 = lambda xs: sorted(xs)[max(0, int(len(xs) * 0.95) - 1)]
        print(f"open:              median {statistics.median(opens) * 1000:7.1f} ms   p95 {p95(opens) * 1000:7.1f} ms   (target < 100 ms)")
        print(f"first select:      {first * 1000:7.1f} ms (loads the bank and indexes every lesson once per process)")
        print(f"select (k=4):      median {statistics.median(selects) * 1000:7.1f} ms   p95 {p95(selects) * 1000:7.1f} ms   (target < 50 ms)")
        print("chosen:", [f"{l.outcome} {l.speedup:.2f}x {l.text[:40]}" for l in chosen])


if __name__ == "__main__":
    main()
