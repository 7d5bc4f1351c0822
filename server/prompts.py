"""Every text LessonL sends to a model, in one place so it can be read and reviewed as prose.

Two kinds of request (see ../shared/lessonl-algorithm.md):
- the CODE prompt: the ORIGINAL function, its surroundings, and the selected lessons, each
  introduced by what it did ("significantly improves the code performance", ...), asking for a
  faster rewrite in one fenced code block;
- the LESSON prompt: Code A (original) and Code B (the attempt), what the judge measured or why
  it failed, asking for one or two sentences explaining it.
The phrases follow the paper's reference implementation; changing them changes model behaviour,
so tests in tests/unit/prompts/ pin their structure.
"""
from __future__ import annotations

from typing import Any, Sequence

from .records import FunctionRef, Outcome, Verdict

Message = dict[str, str]

# Headings that start the user message; tests and the fake server route on them.
CODE_TASK = "## Task: make this function faster"
LESSON_TASK = "## Task: explain the result of a rewrite"

FENCE = {"c": "c", "cpp": "cpp", "python": "python"}
LANGUAGE_NAMES = {"c": "C", "cpp": "C++", "python": "Python"}

SYSTEM = (
    "You are an expert performance engineer. You rewrite code to run faster on a single machine "
    "while keeping its observable behaviour exactly the same: same results, same side effects, "
    "same signature. You answer precisely and briefly."
)

# What a lesson did, as the prompt introduces it (paper wording).
SIGNIFICANT = "significantly improves the code performance"
MARGINAL = "slightly improves the code performance, but the speedup is only marginal"
DEGRADES = "degrades the code performance"
NOT_EQUIVALENT = "compromises code equivalence"
NOT_COMPILABLE = "produces non-compilable code"
# Not built at all (code left out behind `// ...`, a changed signature, no code): the lesson says why.
REJECTED = "comes from an attempt that was rejected before it could be built"

LESSONS_PREAMBLE = (
    "Here are lessons learned from earlier attempts to optimize this or similar code. In the "
    "lessons, \"Code A\" refers to the given code and \"Code B\" refers to an attempted rewrite, "
    "which may be better or worse than Code A. Use what helped and avoid what failed."
)

OTHER_STRATEGIES = (
    "Besides what the lessons suggest, also consider other optimization strategies that could "
    "improve the performance more."
)

LOG_LINES = 20  # first lines of compiler errors / test output put into a lesson prompt
LOG_CHARS = 2000


def system_message(persona: str = "") -> Message:
    text = SYSTEM if not persona.strip() else f"{SYSTEM}\n{persona.strip()}"
    return {"role": "system", "content": text}


def lesson_intro(outcome: str, speedup: float, significant: float = 1.1) -> str:
    """The phrase that introduces a lesson, from the outcome and effective speedup of its attempt.

    Only a verified `faster` attempt may be called an improvement, and a significant one only
    above `significant`: a "no significant change" attempt whose point speedup happened to be
    1.12 was not shown to be faster, so it is introduced as marginal (point speedup >= 1) or as
    degrading (< 1); a verified `slower` one degrades."""
    kind = Outcome(outcome)
    if kind is Outcome.REJECTED:
        return REJECTED
    if kind is Outcome.NOT_COMPILABLE:
        return NOT_COMPILABLE
    if not kind.is_correct:
        return NOT_EQUIVALENT
    if kind is Outcome.FASTER:
        return SIGNIFICANT if speedup > significant else MARGINAL
    if kind is Outcome.SLOWER or speedup < 1.0:
        return DEGRADES
    return MARGINAL


def format_lessons(lessons: Sequence[Any], significant: float = 1.1) -> str:
    """Numbered lessons, each introduced by what it did; `lessons` are lessonl_store Lesson objects."""
    lines = []
    for number, lesson in enumerate(lessons, 1):
        intro = lesson_intro(lesson.outcome, lesson.speedup, significant)
        lines.append(f"Lesson {number} (this lesson {intro}):\n{lesson.text.strip()}")
    return "\n\n".join(lines)


def code_messages(ref: FunctionRef, context: str, lessons: Sequence[Any], language: str, *,
                  persona: str = "", significant: float = 1.1) -> list[Message]:
    """The code prompt: rewrite the ORIGINAL function for speed, steered by `lessons`."""
    name = LANGUAGE_NAMES.get(language, language)
    fence = FENCE.get(language, "")
    parts = [
        CODE_TASK,
        f"Rewrite the {name} function `{ref.qualified_name}` from `{ref.file}` so that it runs "
        "faster, without changing its input/output behaviour. Every caller, test and benchmark "
        "must keep working unchanged.",
    ]
    if context.strip():
        parts.append(f"### Context (read-only, for reference)\n{context.strip()}")
    parts.append(f"### The function to optimize (Code A)\n```{fence}\n{ref.text.rstrip()}\n```")
    if lessons:
        parts.append(f"### Lessons\n{LESSONS_PREAMBLE}\n\n{format_lessons(lessons, significant)}")
        parts.append(OTHER_STRATEGIES)
    parts.append(answer_format(ref, language))
    return [system_message(persona), {"role": "user", "content": "\n\n".join(parts)}]


def answer_format(ref: FunctionRef, language: str) -> str:
    fence = FENCE.get(language, "")
    extras = ("#include lines and helper functions" if language in ("c", "cpp")
              else "imports and helper functions")
    return (
        "### Answer format\n"
        f"Answer with the complete rewritten function inside ONE fenced code block (```{fence}). "
        f"Keep the name `{ref.name}`, the parameters and the return type exactly as they are. "
        f"If you need {extras}, put them in the same block before the function. "
        "Do not include a main function, tests, or any other existing code."
    )


def lesson_messages(ref: FunctionRef, candidate_code: str, verdict: Verdict, *, persona: str = "",
                    significant: float = 1.1) -> list[Message]:
    """The lesson prompt for one judged attempt; the question depends on the outcome."""
    fence = FENCE.get(ref.language, "")
    code_b = candidate_code.strip() or "(no code could be extracted from the reply)"
    parts = [
        LESSON_TASK,
        f"Code A is the original function `{ref.qualified_name}`:\n```{fence}\n{ref.text.rstrip()}\n```",
        f"Code B is an attempted faster rewrite of it:\n```{fence}\n{code_b}\n```",
        outcome_statement(verdict, significant),
        "Answer with the explanation only, in plain sentences, without code.",
    ]
    return [system_message(persona), {"role": "user", "content": "\n\n".join(parts)}]


def outcome_statement(verdict: Verdict, significant: float = 1.1) -> str:
    """What the judge found, and the question the lesson must answer."""
    kind = verdict.outcome
    if kind in (Outcome.FASTER, Outcome.SLOWER, Outcome.NO_SIGNIFICANT_CHANGE):
        speedup = verdict.speedup or 0.0
        measured = f"a measured speedup of {speedup:.2f}x{_interval(verdict)}"
        mixed = _regressions(verdict)
        if kind is Outcome.FASTER:
            if mixed:
                return (f"Code B is correct and faster than Code A overall, with {measured}, but {mixed}. "
                        "Explain why Code B is faster overall and why it is slower on those cases, in one or "
                        "two sentences.")
            return (f"Code B is correct and faster than Code A, with {measured}. "
                    "Explain why Code B is faster than Code A, in one or two sentences.")
        if kind is Outcome.SLOWER:
            return (f"Code B is correct but slower than Code A, with {measured}. "
                    "Explain why Code B is slower than Code A, in one or two sentences.")
        if mixed:
            return (f"Code B is correct, but it is not counted as faster than Code A ({measured}) because "
                    f"{mixed}. Explain why Code B is slower on those cases, in one or two sentences.")
        return (f"Code B is correct, but it is not measurably faster than Code A ({measured}, "
                "within measurement noise). Explain why Code B does not run faster than Code A, "
                "in one or two sentences.")
    if kind is Outcome.NOT_COMPILABLE:
        return ("Code B does not compile. The first compiler errors were:\n"
                f"```\n{first_lines(verdict.log_tail)}\n```\n"
                "Explain why Code B does not compile, in one or two sentences.")
    if kind is Outcome.TIMEOUT and verdict.stage == "build":
        return (f"Code B did not finish compiling: {verdict.message}. The end of the build log was:\n"
                f"```\n{first_lines(verdict.log_tail)}\n```\n"
                "Explain what in Code B makes the compiler take so long, in one or two sentences.")
    behaviour = verdict.behaviour
    if kind is Outcome.INCORRECT and behaviour is not None and behaviour.status == "mismatch":
        return ("Code B compiles and may pass the tests, but it does not behave like Code A: both were run "
                "side by side on every call the tests and the benchmark make, and "
                f"{behaviour.difference}. "
                "Explain why Code B is not equivalent to Code A, in one or two sentences.")
    if kind is Outcome.REJECTED and verdict.stage in ("bench", "check"):
        reason = verdict.message or first_lines(verdict.log_tail) or "unknown reason"
        return (f"Code B compiles and passes the tests, but its benchmark results were refused, because: {reason}\n"
                "Explain what in Code B caused this, in one or two sentences; a rewrite must make the "
                "benchmark's own work faster, not change what the benchmark reports.")
    if kind is Outcome.REJECTED:
        reason = verdict.message or first_lines(verdict.log_tail) or "unknown reason"
        return (f"Code B was rejected before it could be built, because: {reason}\n"
                "Explain what in Code B or in its answer caused this, in one or two sentences.")
    failure = {
        Outcome.INCORRECT: "Code B compiles but fails the tests, so it is not equivalent to Code A.",
        Outcome.TIMEOUT: "Code B compiles but did not finish within the time limit, so it is not "
                         "equivalent to Code A.",
        Outcome.CRASHED: "Code B compiles but crashed when run, so it is not equivalent to Code A.",
    }[kind]
    output = first_lines(verdict.log_tail)
    shown = f" The test output was:\n```\n{output}\n```\n" if output else " "
    return f"{failure}{shown}Explain why Code B is not equivalent to Code A, in one or two sentences."


def _regressions(verdict: Verdict) -> str:
    """"case X is 1.39x slower" for each case whose whole interval lies below 1."""
    slow = [case for case in verdict.cases if case.name in set(verdict.case_regressions)]
    if not slow:
        return ""
    return "; ".join(f"benchmark case {case.name} is {1 / case.speedup:.2f}x slower" for case in slow
                     if case.speedup)


def first_lines(text: str, lines: int = LOG_LINES, chars: int = LOG_CHARS) -> str:
    """The head of a log: the first compiler error is the one that matters."""
    head = "\n".join(text.strip().splitlines()[:lines])
    return head if len(head) <= chars else head[: chars - 3] + "..."


def _interval(verdict: Verdict) -> str:
    if not verdict.ci:
        return ""
    low, high = verdict.ci
    return f" (95% interval {low:.2f}x to {high:.2f}x)"
