"""Every text LessonL sends to a model, in one place so it can be read and reviewed as prose.

Two kinds of request (see ../shared/lessonl-algorithm.md):
- the CODE prompt: the ORIGINAL function, its surroundings, and the selected lessons, each
  introduced by what it did ("significantly improves the code performance", ...), asking for a
  faster rewrite in one fenced code block;
- the LESSON prompt: Code A (original) and Code B (the attempt), what the judge measured or why
  it failed, asking for one or two sentences explaining it.
The phrases follow the paper's reference implementation; changing them changes model behaviour,
so tests in tests/unit/prompts/ pin their structure.

Beyond the paper, the code prompt may carry a profile of the user's own benchmark (issue 13):
the function's share of the run time, its hot lines and, when it is called from a loop, who
calls it. A model that sees only the code guesses where the time goes; this tells it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

from .records import FunctionRef, Outcome, Verdict

if TYPE_CHECKING:  # annotations only: the prompt reads the record, never runs a profiler
    from .profile.records import FunctionShare

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

PROFILE_HEADING = "### Where the time goes (profile of your benchmark)"
PROFILE_FOCUS = ("Put your effort where the time goes: the hot lines are what a rewrite must make cheaper; "
                 "lines with a small share are not worth changing for speed.")
PROFILE_COVER = 0.9  # hot lines are listed until they account for this much of the function's own time
PROFILE_LINE_CHARS = 120  # a longer source line is cut (the model has the whole function above)
PROFILE_CALLERS = 3

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
                  persona: str = "", significant: float = 1.1, profile: FunctionShare | None = None,
                  profile_min_share: float = 0.02, profile_max_lines: int = 8) -> list[Message]:
    """The code prompt: rewrite the ORIGINAL function for speed, steered by `lessons` and, when
    given, by `profile` (the function's figures from a profile of the user's benchmark)."""
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
    if profile is not None:
        parts.append(profile_section(ref, profile, min_share=profile_min_share, max_lines=profile_max_lines))
    if lessons:
        parts.append(f"### Lessons\n{LESSONS_PREAMBLE}\n\n{format_lessons(lessons, significant)}")
        parts.append(OTHER_STRATEGIES)
    parts.append(answer_format(ref, language))
    return [system_message(persona), {"role": "user", "content": "\n\n".join(parts)}]


def profile_section(ref: FunctionRef, share: FunctionShare, *, min_share: float = 0.02,
                    max_lines: int = 8) -> str:
    """Where the benchmark's time goes in this function, compactly: its share of the run, a
    table of its hottest lines (Code A's line number, share of the function's own time, the
    line) until they cover PROFILE_COVER of it or `max_lines` are shown, and the callers whose
    loops call it. Lines that are not in Code A as it is now (a stale figure) are left out."""
    name = ref.qualified_name
    total, own = _percent(share.inclusive_share), _percent(share.self_share)
    if share.inclusive_share - share.self_share >= 0.005:
        summary = (f"`{name}` takes {total} of your benchmark's run time: {own} in its own lines, "
                   "the rest in the functions it calls.")
    else:
        summary = f"`{name}` takes {total} of your benchmark's run time, nearly all of it in its own lines."
    parts = [PROFILE_HEADING, summary]
    rows = hot_lines(ref, share, min_share=min_share, max_lines=max_lines)
    if rows:
        table = ["| line | time | code |", "|---:|---:|---|"]
        table += [f"| {number} | {_percent(part)} | {_code_cell(text)} |" for number, part, text in rows]
        parts.append("Its hottest lines, with their share of the time spent in its own lines "
                     "(line 1 is the first line of Code A):\n" + "\n".join(table))
    else:
        parts.append("The profile has no line-level figures for it.")
    loops = sorted((c for c in share.callers if c.in_loop and c.share >= min_share), key=lambda c: -c.share)
    if loops:
        callers = "; ".join(f"`{c.qualified_name}` in `{c.file}` ({_percent(c.share)} of this function's time)"
                            for c in loops[:PROFILE_CALLERS])
        parts.append(f"It is called from inside a loop: {callers}. Whatever each call costs before its "
                     "real work starts (allocations, setup, copies) is paid on every trip of that loop.")
    parts.append(PROFILE_FOCUS)
    return "\n".join(parts[:2]) + "\n\n" + "\n\n".join(parts[2:])


def hot_lines(ref: FunctionRef, share: FunctionShare, *, min_share: float = 0.02,
              max_lines: int = 8) -> list[tuple[int, float, str]]:
    """(line of Code A, share, text) of the hottest lines, hottest first: those at or above
    `min_share` until PROFILE_COVER of the function's own time is covered, at most `max_lines`.
    A measured line is placed by its offset from the measured function's first line, and kept
    only if Code A has that text there (else the one line of Code A with that text, if unique)."""
    code_lines = [line.strip() for line in ref.text.splitlines()]
    rows: list[tuple[int, float, str]] = []
    covered = 0.0
    for measured in sorted(share.lines, key=lambda l: -l.share):
        if len(rows) >= max_lines or covered >= PROFILE_COVER or measured.share < min_share:
            break
        text = measured.text.strip()
        number = measured.line - share.start_line + 1
        if not (1 <= number <= len(code_lines) and code_lines[number - 1] == text):
            same = [i + 1 for i, line in enumerate(code_lines) if line == text]
            if len(same) != 1 or not text:
                continue
            number = same[0]
        rows.append((number, measured.share, text))
        covered += measured.share
    return rows


def _percent(share: float) -> str:
    value = share * 100
    return "<1%" if 0 < value < 0.5 else f"{value:.0f}%"


def _code_cell(text: str) -> str:
    """A source line as one Markdown table cell: cut to length, `|` escaped, in a code span."""
    if len(text) > PROFILE_LINE_CHARS:
        text = text[: PROFILE_LINE_CHARS - 3] + "..."
    text = text.replace("|", "\\|")
    return f"`` {text} ``" if "`" in text else f"`{text}`"


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
