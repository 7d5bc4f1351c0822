"""Lesson bank at scale: open and select with 100,000 lessons (targets: open < 100 ms, select < 50 ms).

The bank is like a busy repository's: thousands of functions, mostly C++ with some Python, each
function's lessons about one topic. Selection is the loop's: for one target function (its own
lessons follow the paper, lessons of other functions join when they are C/C++ and relevant),
exact at any size. Figures:
- open: LessonBank.open (lazy);
- cold select, new process: the first select of a `lessonl optimize` run: loads the bank and
  the lexical index kept in it (built when the lessons were added), then selects;
- cold select, index not stored yet: the same for a bank written before the index was kept
  (the first run after an upgrade builds and stores it once);
- warm select: selecting again (the language server's next job on the same bank);
- select after a round's writes: the loop's next round, after it banked lessons and adjusted
  factors (the in-memory copy is updated in place, not rebuilt).

Run with `python benchmarks/store_selection.py [--lessons N]`.
"""
from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

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
    ("a list comprehension with a bound method avoids attribute lookups per item", "py:collect_names", "def collect_names(rows):"),
    ("numpy's @ hands the matrix multiply to BLAS", "py:matmul_lists", "def matmul_lists(a, b):"),
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


def bank_functions(rng: random.Random) -> list[tuple[str, str, str, str]]:
    """3,000 functions (topic text, name, code, file), mostly C++ with some Python, each with its
    own identifiers: the functions a busy repository's lessons are about."""
    functions = []
    for f in range(3000):
        text, name, code = rng.choice(TOPICS)
        ids = [_identifier(rng) for _ in range(4)]
        python = name.startswith("py:")
        name = name.removeprefix("py:")
        comment = " # " if python else " // "
        file = f"src/f{f % 300}.py" if python else f"src/f{f % 300}.cpp"
        functions.append((text, f"{name}_{ids[0]}", code.replace("(", f"_{ids[0]}(") + comment + " ".join(ids), file))
    return functions


def fill(path: Path, count: int) -> float:
    """A bank like a busy repository's: thousands of functions, each with its own identifiers."""
    rng = random.Random(7)
    functions = bank_functions(rng)
    t0 = time.perf_counter()
    with LessonBank.open(path) as bank:
        batch = []
        for i in range(count):
            text, name, code, file = rng.choice(functions)
            text = f"{rng.choice(ACTIONS)} {_identifier(rng)}: {text} in {name}"
            outcome = rng.choice(OUTCOMES)
            speedup = rng.uniform(1.0, 4.0) if outcome == "faster" else rng.uniform(0.3, 1.0) if outcome != "incorrect" else 0.0
            batch.append(Lesson(text=f"{text} (variant {i})", outcome=outcome, speedup=speedup, round=i % 4,
                                agent=f"agent-{i % 3}", model="m", file=file, qualified_name=name,
                                function_hash=f"h-{name}", source_code=code, factor=rng.choice([0.9, 1.0, 1.1])))
            if len(batch) == 5000:
                bank.add_many(batch)
                batch = []
        bank.add_many(batch)
    return time.perf_counter() - t0


TARGET = ("src/kernels.cpp", "matmul")  # a function with no lessons yet: every candidate is another's


def timed_select(path: Path, repeats: int, rounds: int = 0) -> dict:
    """In this process: first select (cold), `repeats` more (warm), then `rounds` loop rounds:
    the round's writes (uses, three new lessons, factors), then the next round's select."""
    from lessonl_store import LessonBank, make_relevance

    started = time.perf_counter()
    bank = LessonBank.open(path)
    relevance = make_relevance({"backend": "lexical"}, bank)
    chosen = bank.select(4, QUERY, relevance, function=TARGET)
    cold = time.perf_counter() - started
    warm, after_writes = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        chosen = bank.select(4, QUERY, relevance, function=TARGET)
        warm.append(time.perf_counter() - t0)
    for round_ in range(rounds):
        bank.mark_used([l.id for l in chosen])
        for agent in range(3):
            bank.add(Lesson(text=f"round {round_}: interchanging the loops walks rows of b", outcome="faster",
                            speedup=1.2 + agent / 10, round=round_, agent=f"agent-{agent}", model="m",
                            file=TARGET[0], qualified_name=TARGET[1], function_hash="h-matmul",
                            source_code=QUERY))
        bank.adjust_factors([l.id for l in chosen], [1.3, 0.9, 1.6])
        t0 = time.perf_counter()
        chosen = bank.select(4, QUERY, relevance, function=TARGET)
        after_writes.append(time.perf_counter() - t0)
    bank.close()
    return {"cold": cold, "warm": warm, "after_writes": after_writes,
            "chosen": [f"{l.outcome} {l.speedup:.2f}x {l.file} {l.text[:44]}" for l in chosen]}


def in_new_process(path: Path, repeats: int, rounds: int = 0) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", str(path), "--repeats", str(repeats),
                          "--rounds", str(rounds)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lessons", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=4, help="loop rounds (writes, then select) to time")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(timed_select(Path(args.child), args.repeats, args.rounds)))
        return
    from lessonl_store import LessonBank

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / ".lessonl"
        print(f"filling a bank with {args.lessons:,} lessons: {fill(path, args.lessons):.1f} s")
        opens = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            LessonBank.open(path).close()
            opens.append(time.perf_counter() - t0)
        unindexed = in_new_process(path, 0)  # nothing stored yet: builds and stores the index
        runs = [in_new_process(path, args.repeats, args.rounds) for _ in range(3)]  # index read from the bank
        cold = [r["cold"] for r in runs]
        warm = [w for r in runs for w in r["warm"]]
        rounds = [w for r in runs for w in r["after_writes"]]
        p95 = lambda xs: sorted(xs)[max(0, int(len(xs) * 0.95) - 1)]
        ms = lambda x: f"{x * 1000:7.1f} ms"
        print(f"open:                               median {ms(statistics.median(opens))}   p95 {ms(p95(opens))}   (target < 100 ms)")
        print(f"cold select, new process:           median {ms(statistics.median(cold))}   (of {len(cold)} processes; loads the bank and its stored index)")
        print(f"cold select, index not stored yet:         {ms(unindexed['cold'])}   (once per bank, e.g. after an upgrade)")
        print(f"warm select (k=4):                  median {ms(statistics.median(warm))}   p95 {ms(p95(warm))}   (target < 50 ms)")
        if rounds:
            print(f"select after a round's writes:      median {ms(statistics.median(rounds))}   max {ms(max(rounds))}   "
                  "(uses, 3 new lessons, factors written first)")
        print("chosen:", runs[-1]["chosen"])
        shutil.rmtree(path, ignore_errors=True)


if __name__ == "__main__":
    main()
