"""The few lines of a log that explain a failure.

A compiler's first error is the cause and the rest is often fallout, so build logs are cut
from the top, error lines first. A test program's verdict comes at its end, so test logs
are cut from the bottom. Both are short enough for a model's lesson prompt.
"""
from __future__ import annotations

import re

ERROR_LINE = re.compile(r"\berror\b|\bError \d+|Traceback|SyntaxError|Exception", re.IGNORECASE)
MISSING_TOOL = (
    re.compile(r"^(?:[\w/.-]+: )?(?:\d+: )?([\w.+/-]+): (?:command )?not found\s*$", re.MULTILINE),
    re.compile(r"^make(?:\[\d+\])?: ([\w.+/-]+): No such file or directory\s*$", re.MULTILINE),
)


def compiler_errors(output: str, max_lines: int = 30, context: int = 3) -> str:
    """The first error lines, each with the few lines after it (source line and caret);
    the log's tail when nothing looks like an error."""
    lines = output.splitlines()
    picked: list[int] = []
    for index, line in enumerate(lines):
        if ERROR_LINE.search(line):
            for extra in range(index, min(index + 1 + context, len(lines))):
                if extra not in picked:
                    picked.append(extra)
        if len(picked) >= max_lines:
            break
    if not picked:
        return tail(output, max_lines)
    return "\n".join(lines[i] for i in picked[:max_lines])


# Names of failing tests first (pytest's "FAILED x" summary and "____ test_x ____" headers, a
# program's "FAIL ..."), then the assertion lines that say how they failed.
FAILED_TEST = re.compile(r"^(FAILED |FAIL\b|ERROR |_{3,} .+ _{3,}$)")
FAILURE_LINE = re.compile(r"^(E\s{2,}\S|AssertionError|.*\bassert(ion)?\b.*failed)", re.IGNORECASE)


def test_failures(output: str, max_lines: int = 40) -> str:
    """What failed, then the log's end: test runners print names of failing tests (pytest's
    "FAILED test_x", a program's "FAIL ...") that a long diff above the end would push out."""
    lines = output.rstrip("\n").splitlines()
    named = [line for line in lines if FAILED_TEST.match(line)][: max_lines // 4]
    named += [line for line in lines if FAILURE_LINE.match(line)][: max_lines // 2 - len(named)]
    rest = [line for line in lines[-(max_lines - len(named)):] if line not in named]
    return "\n".join([*named, *rest])


def tail(output: str, max_lines: int = 40) -> str:
    lines = output.rstrip("\n").splitlines()
    return "\n".join(lines[-max_lines:])


def missing_tool(output: str, rc: int | None) -> str | None:
    """The program a shell or make could not find, if that is why a command failed."""
    for pattern in MISSING_TOOL:
        match = pattern.search(output)
        if match:
            return match.group(1)
    if rc == 127:
        return "(a program named in the command)"
    return None
