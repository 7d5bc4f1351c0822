"""Behaviour check: does it catch wrong rewrites that pass weak tests, and leave correct ones alone?

The suite lives in benchmarks/data/behaviour/<language>/ for C (gcc), C++ (g++) and Python (the
running interpreter, as `{python}`): `repo/` is a small repository whose tests are weak on
purpose and whose benchmark meets the inputs the tests skip (sizes that are not a multiple of 4
or 8, empty inputs, negative values, values near overflow, an output that is its own input);
`wrong/FUNCTION--KIND.md` and `correct/FUNCTION--KIND.md` are model-style replies rewriting one
function (a missing tail, an off-by-one at the end, ...; reassociated float sums, unrolling with
a proper tail, another algorithm with the same results, ...).

For each language the script
1. copies the repository into a temporary folder (with its own XDG_CACHE_HOME);
2. proves that every wrong rewrite passes the tests on its own (spliced into a copy, built and
   tested without LessonL's check): one the tests catch is a bad case, and is said to be;
3. times the plain build once the target file changed, and runs `check_repository` per function:
   the plain tests and benchmark times, and whether the original agrees with itself behind the
   check's wrapper (the reference run);
4. judges every rewrite with the real judge (`evaluate_reply`, timing budget 3 s) and prints one
   row per rewrite: language, function, kind, expected, outcome, behaviour status, and the first
   difference (or why it was not caught);
5. prints, per language and overall, the wrong rewrites caught (by the behaviour check / by the
   tests; target >= 95%), the correct rewrites falsely flagged (target 0), and the behaviour
   check's median time (`Verdict.behaviour.wall_s`: its own build, tests and benchmark) against
   the plain tests + benchmark of the same function, and against plain build + tests + benchmark.

    .venv/bin/python benchmarks/judge_behaviour.py [--language c|cpp|python ...] [--quick]

--quick judges only the first wrong and the first correct rewrite of each function. The whole
suite (35 wrong, 31 correct rewrites) takes about 4 to 6 minutes on a 2-core machine.
"""
from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from judge_common import REPO, cleanup, load, workdir

from lessonl.config import load_config
from lessonl.engine.candidates import make_candidate
from lessonl.engine.evaluate import evaluate_reply
from lessonl.engine.request import OptimizeRequest
from lessonl.engine.target import resolve_target
from lessonl.judge import check_repository, commands
from lessonl.records import Outcome, Verdict

DATA = REPO / "benchmarks" / "data" / "behaviour"
OVERRIDES = {"timing": {"budget": 3, "max_runs": 30}}
LANGUAGES = {"c": ("C", "kernels.c"), "cpp": ("C++", "kernels.cpp"), "python": ("Python", "listkit/ops.py")}
CAUGHT = (Outcome.INCORRECT, Outcome.NOT_COMPILABLE, Outcome.CRASHED, Outcome.TIMEOUT)


@dataclass
class Rewrite:
    """One reply of the suite: wrong/FUNCTION--KIND.md or correct/FUNCTION--KIND.md."""

    language: str
    function: str
    kind: str
    expected: str  # "wrong" | "correct"
    reply: str
    alone: str = ""  # wrong ones: what the tests said of the rewrite on its own
    verdict: Verdict | None = None

    @property
    def caught_by(self) -> str:
        """Who failed it: "check" (the behaviour check), "tests", "build", "benchmark" (while
        timing), "rejected" (the reply could not be used), or "" when it was judged correct."""
        verdict = self.verdict
        if verdict is None or verdict.outcome.is_correct:
            return ""
        if verdict.outcome is Outcome.REJECTED:
            return "rejected"
        mismatch = verdict.behaviour is not None and verdict.behaviour.status == "mismatch"
        if mismatch or "(behaviour check)" in verdict.message \
                or "neither the tests nor the benchmark reached" in verdict.message:
            return "check"
        if verdict.message.startswith("the tests"):
            return "tests"
        return "build" if verdict.outcome is Outcome.NOT_COMPILABLE else "benchmark"


@dataclass
class Plain:
    """One function's `check_repository`: the unchanged code tested and benchmarked once."""

    tests_s: float
    bench_s: float
    reference: str  # the reference run's status and summary


@dataclass
class Suite:
    """One language: its repository copy, its rewrites, and the plain times of its functions."""

    language: str
    repo: Path  # the temporary copy the judge works on
    file_rel: str
    rewrites: list[Rewrite]
    plain: dict[str, Plain] = field(default_factory=dict)
    build_s: float = 0.0  # the plain build after the target file changed (what a rewrite's build costs)

    @property
    def label(self) -> str:
        return LANGUAGES[self.language][0]

    @property
    def functions(self) -> list[str]:
        return list(dict.fromkeys(r.function for r in self.rewrites))


def load_suite(language: str, base: Path, quick: bool) -> Suite:
    """The language's repository copied under `base`, and its rewrites (wrong ones first)."""
    source = DATA / language
    repo = base / language
    shutil.copytree(source / "repo", repo)
    rewrites = []
    for expected in ("wrong", "correct"):
        taken: set[str] = set()
        for path in sorted((source / expected).glob("*.md")):
            function, kind = path.stem.split("--")
            if quick and function in taken:
                continue
            taken.add(function)
            rewrites.append(Rewrite(language, function, kind, expected, path.read_text(encoding="utf-8")))
    return Suite(language, repo, LANGUAGES[language][1], rewrites)


# ---- step 2: the wrong rewrites against the tests alone ----------------------------------------

def spliced_text(root: Path, file_rel: str, function: str, reply: str) -> str:
    """The file with the reply spliced in, exactly as `evaluate_reply` does it."""
    target = resolve_target(root, OptimizeRequest(root, str(root / file_rel), name=function))
    candidate = make_candidate(target, agent="bench", model="", round_=0, reply=reply, prompt_lesson_ids=[])
    if candidate.new_file_text is None:
        raise ValueError(f"the reply cannot be used: {candidate.rejection}")
    return candidate.new_file_text


def tests_alone(suite: Suite, base: Path) -> None:
    """Build and test each wrong rewrite in a plain copy, without the check: a weak test must
    let it pass, or the case proves nothing about the check."""
    copy = base / f"{suite.language}-alone"
    shutil.copytree(suite.repo, copy)
    config = load_config(copy)
    build = config.build.command if config.build is not None else ""
    steps = [step for step in (build, config.test.command) if step]
    path = copy / suite.file_rel
    original = path.read_text(encoding="utf-8")
    suite.build_s = _timed_build(copy, build, path)
    for rewrite in suite.rewrites:
        if rewrite.expected != "wrong":
            continue
        try:
            path.write_text(spliced_text(copy, suite.file_rel, rewrite.function, rewrite.reply), encoding="utf-8")
        except ValueError as exc:
            rewrite.alone = str(exc)
            continue
        rewrite.alone = "passes"
        try:
            for step in steps:
                done = subprocess.run(commands.expand(step), shell=True, cwd=copy, capture_output=True, text=True,
                                      timeout=300)
                if done.returncode != 0:
                    tail = (done.stdout + done.stderr).strip().splitlines()[-3:]
                    rewrite.alone = f"`{step}` fails (exit status {done.returncode}): " + " | ".join(tail)
                    break
        finally:
            path.write_text(original, encoding="utf-8")


def _timed_build(copy: Path, build: str, target: Path) -> float:
    """Seconds the plain build takes once the target file changed (incremental builds keep the rest):
    what building a rewrite costs without the check."""
    if not build:
        return 0.0
    subprocess.run(commands.expand(build), shell=True, cwd=copy, capture_output=True, check=True, timeout=300)
    target.touch()
    started = time.monotonic()
    subprocess.run(commands.expand(build), shell=True, cwd=copy, capture_output=True, check=True, timeout=300)
    return time.monotonic() - started


# ---- steps 3 and 4: the judge ---------------------------------------------------------------

async def plain_times(suite: Suite) -> None:
    """`check_repository` per function: the baseline for the check's time, and the reference run,
    which must match for the check to compare anything."""
    for function in suite.functions:
        spec = f"{suite.repo / suite.file_rel}::{function}"
        _, report = await check_repository(suite.repo, function=spec, overrides=OVERRIDES)
        behaviour = report.behaviour
        reference = "none" if behaviour is None else f"{behaviour.status}: {behaviour.summary()}"
        suite.plain[function] = plain = Plain(report.test.wall_s, report.bench.wall_s, reference)
        print(f"  {function:<15} tests {plain.tests_s:5.2f} s, benchmark {plain.bench_s:5.2f} s; "
              f"reference run {reference}", flush=True)


async def judge_all(suite: Suite) -> None:
    for rewrite in suite.rewrites:
        rewrite.verdict = await evaluate_reply(f"{suite.file_rel}::{rewrite.function}", rewrite.reply,
                                               cwd=suite.repo, overrides=OVERRIDES)
        print_row(suite, rewrite)


def print_row(suite: Suite, rewrite: Rewrite) -> None:
    verdict = rewrite.verdict
    assert verdict is not None
    behaviour = verdict.behaviour
    status = behaviour.status if behaviour is not None else "-"
    if rewrite.expected == "wrong" and rewrite.caught_by == "check" and behaviour is not None \
            and behaviour.difference:
        detail = behaviour.difference
    elif rewrite.expected == "wrong" and not rewrite.caught_by:
        detail = f"NOT CAUGHT: {verdict.message}; {behaviour.summary() if behaviour else 'no behaviour report'}"
    elif rewrite.expected == "correct" and not verdict.outcome.is_correct:
        detail = f"FALSE ALARM: {verdict.message}"
    else:
        detail = verdict.message
    alone = "" if rewrite.alone in ("", "passes") else f" [BAD CASE: alone, {rewrite.alone}]"
    print(f"{suite.label:<6} {rewrite.function:<15} {rewrite.kind:<22} {rewrite.expected:<7} "
          f"{verdict.outcome.value:<21} {status:<14} {verdict.wall_s:5.1f}s  {detail}{alone}", flush=True)


# ---- step 5: the tables ----------------------------------------------------------------------

def print_tables(suites: list[Suite]) -> None:
    print("\nwrong rewrites caught (target >= 95%) and correct rewrites flagged (target 0)")
    print(f"{'language':<9} {'caught':>12} {'by check':>9} {'by tests':>9} {'other':>6} {'bad cases':>10} "
          f"{'flagged':>12}")
    rows = [(s.label, s.rewrites) for s in suites]
    if len(suites) > 1:
        rows.append(("all", [r for s in suites for r in s.rewrites]))
    for label, rewrites in rows:
        wrong = [r for r in rewrites if r.expected == "wrong"]
        correct = [r for r in rewrites if r.expected == "correct"]
        caught = [r for r in wrong if r.verdict is not None and r.verdict.outcome in CAUGHT]
        by = [r.caught_by for r in caught]
        bad = sum(1 for r in wrong if r.alone != "passes")
        flagged = sum(1 for r in correct if r.verdict is not None and not r.verdict.outcome.is_correct)
        print(f"{label:<9} {_share(len(caught), len(wrong)):>12} {by.count('check'):>9} {by.count('tests'):>9} "
              f"{len(by) - by.count('check') - by.count('tests'):>6} {bad:>10} {_share(flagged, len(correct)):>12}")
    print("\nbehaviour check time (its own build, tests and benchmark, both versions side by side) against the "
          "plain run of the same function (median seconds)")
    print("(correct rewrites run the whole check; wrong ones stop at the first difference)")
    print(f"{'language':<9} {'check, correct':>15} {'check, wrong':>13} {'plain tests+bench':>18} "
          f"{'plain build':>12} {'x tests+bench':>14} {'x build+tests+bench':>20}")
    for suite in suites:
        full = [r for r in suite.rewrites if r.expected == "correct" and _checked(r)]
        stopped = [r.verdict.behaviour.wall_s for r in suite.rewrites if r.expected == "wrong" and _checked(r)]
        runs = {f: p.tests_s + p.bench_s for f, p in suite.plain.items()}
        over_runs = [r.verdict.behaviour.wall_s / runs[r.function] for r in full]
        over_all = [r.verdict.behaviour.wall_s / (suite.build_s + runs[r.function]) for r in full]
        print(f"{suite.label:<9} {_median([r.verdict.behaviour.wall_s for r in full]):>15} {_median(stopped):>13} "
              f"{_median(list(runs.values())):>18} {suite.build_s:>10.2f} s {_median(over_runs, 'x'):>14} "
              f"{_median(over_all, 'x'):>20}")


def print_failures(suites: list[Suite]) -> None:
    """Every case that did not go as expected, with all the verdict says about it."""
    rewrites = [r for s in suites for r in s.rewrites]
    misses = [r for r in rewrites if r.expected == "wrong" and (r.alone != "passes" or not r.caught_by
                                                                   or r.caught_by == "rejected")]
    alarms = [r for r in rewrites if r.expected == "correct" and r.verdict and not r.verdict.outcome.is_correct]
    if not misses and not alarms:
        print("\nevery wrong rewrite passed the tests alone and was caught; no correct rewrite was flagged")
        return
    for title, group in (("wrong rewrites not caught, or bad cases", misses), ("correct rewrites flagged", alarms)):
        if not group:
            continue
        print(f"\n{title}:")
        for r in group:
            verdict = r.verdict
            print(f"- {LANGUAGES[r.language][0]} {r.function} ({r.kind}): tests alone: {r.alone or '-'}")
            if verdict is None:
                continue
            print(f"    outcome {verdict.outcome.value}: {verdict.message}")
            behaviour = verdict.behaviour
            if behaviour is not None:
                print(f"    {behaviour.summary()}")
                if behaviour.reason:
                    print(f"    reason: {behaviour.reason}")
            if verdict.log_tail:
                print("    log: " + " | ".join(verdict.log_tail.strip().splitlines()[-4:]))


def _checked(rewrite: Rewrite) -> bool:
    verdict = rewrite.verdict
    return verdict is not None and verdict.behaviour is not None and verdict.behaviour.wall_s > 0 \
        and verdict.behaviour.status in ("matched", "mismatch")


def _share(part: int, whole: int) -> str:
    return f"{part}/{whole} ({100 * part / whole:.0f}%)" if whole else "-"


def _median(values: list[float], unit: str = "s") -> str:
    return f"{statistics.median(values):.2f} {unit}" if values else "-"


# ---- main ------------------------------------------------------------------------------------

async def main(languages: list[str], quick: bool) -> None:
    base = workdir()
    started = time.monotonic()
    try:
        suites = [load_suite(language, base, quick) for language in languages]
        count = sum(len(s.rewrites) for s in suites)
        print(f"behaviour suite: {count} rewrites in {', '.join(s.label for s in suites)}; "
              f"timing overrides {OVERRIDES}; {load()}")
        for suite in suites:
            print(f"\n{suite.label}: the wrong rewrites against the tests alone")
            tests_alone(suite, base)
            for r in suite.rewrites:
                if r.expected == "wrong":
                    print(f"  {r.function:<15} {r.kind:<22} {r.alone}", flush=True)
            print(f"{suite.label}: plain build once the file changed {suite.build_s:.2f} s; the unchanged code "
                  f"per function (check_repository)")
            await plain_times(suite)
        print(f"\n{'lang':<6} {'function':<15} {'kind':<22} {'expect':<7} {'outcome':<21} {'behaviour':<14} "
              f"{'wall':>6}  first difference / message")
        for suite in suites:
            await judge_all(suite)
        print_tables(suites)
        print_failures(suites)
        print(f"\ntotal {time.monotonic() - started:.0f} s; {load()}")
    finally:
        cleanup(base)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--language", action="append", choices=list(LANGUAGES),
                        help="only this language (repeatable; default: all)")
    parser.add_argument("--quick", action="store_true", help="one wrong and one correct rewrite per function")
    args = parser.parse_args()
    asyncio.run(main(args.language or list(LANGUAGES), args.quick))
