"""Placeholders in the configured build, test and bench commands, filled in before they run.

`{python}` is the project's interpreter (lessonl.judge.interpreter: the configured one, the
editor's, the repository's virtual environment, else the one running LessonL), shell-quoted.
A bare `python3` on the user's PATH may be one without pytest or without the project's
dependencies. `{function}` in the bench command: `bench_command`.
"""
from __future__ import annotations

import shlex
import sys
from typing import Any

PYTHON = "{python}"


def interpreter() -> str:
    """The shell word for the running interpreter (`python3` when Python cannot tell)."""
    return shlex.quote(sys.executable) if sys.executable else "python3"


def expand(command: str, python: str | None = None) -> str:
    """`command` with every `{python}` replaced by `python` (default: the running interpreter);
    other text, `{function}` included, is kept."""
    if PYTHON not in command:
        return command
    return command.replace(PYTHON, shlex.quote(python) if python else interpreter())


def bench_command(bench: Any, python: str | None, function: str | None) -> str:
    """The [bench] command with `{function}` filled in: "" for the whole benchmark (a profile, a
    batch's wins judged together), else the text [bench] functions gives the function, else its
    bare name (shell-quoted), so one command can run just that function's cases."""
    functions = dict(getattr(bench, "functions", None) or {})
    if function is None:
        text = ""
    elif function in functions:
        text = functions[function]
    else:
        bare = function.replace("::", ".").rsplit(".", 1)[-1]
        text = functions.get(bare, shlex.quote(bare))
    return expand(bench.command, python).replace("{function}", text)
