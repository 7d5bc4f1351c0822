"""Placeholders in the configured build, test and bench commands, filled in before they run.

`{python}` is the interpreter running LessonL (sys.executable, shell-quoted). Candidate
processes get a scrubbed environment whose PATH is the user's, not LessonL's virtual
environment, so a bare `python3` there may be an interpreter without pytest or without the
project's dependencies; `{python}` names the one that is known to exist. (`{function}` is
filled in by the judge from [bench] functions.)
"""
from __future__ import annotations

import shlex
import sys

PYTHON = "{python}"


def interpreter() -> str:
    """The shell word for the running interpreter (`python3` when Python cannot tell)."""
    return shlex.quote(sys.executable) if sys.executable else "python3"


def expand(command: str) -> str:
    """`command` with every `{python}` replaced; other text, `{function}` included, is kept."""
    return command.replace(PYTHON, interpreter()) if PYTHON in command else command
