"""Placeholders in the configured build, test and bench commands, filled in before they run.

`{python}` is the project's interpreter (lessonl.judge.interpreter: the configured one, the
editor's, the repository's virtual environment, else the one running LessonL), shell-quoted.
A bare `python3` on the user's PATH may be one without pytest or without the project's
dependencies. (`{function}` is filled in by the judge from [bench] functions.)
"""
from __future__ import annotations

import shlex
import sys

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
