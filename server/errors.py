"""Typed errors of the engine. The faces turn them into LSP messages or CLI exit codes.

Each carries what a person needs to fix it: the file, the line or setting, and what to do.
"""
from __future__ import annotations

from lessonl_store import errors as _store


class LessonLError(Exception):
    """Base of every error a user can act on; `str()` is the message to show."""

    exit_code = 2

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 key: str | None = None, hint: str | None = None) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.key = key
        self.hint = hint
        # Exception's own __init__, not super(): the store's error bases (mixed in below) would
        # take the rendered text for the message.
        Exception.__init__(self, self.render())

    def render(self) -> str:
        where = ""
        if self.file:
            where = self.file + (f":{self.line}" if self.line else "") + ": "
        key = f"[{self.key}] " if self.key else ""
        hint = f" ({self.hint})" if self.hint else ""
        return f"{where}{key}{self.message}{hint}"


class ConfigError(LessonLError, _store.StoreConfigError):
    """lessonl.toml / [tool.lessonl] is missing or invalid."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 key: str | None = None, hint: str | None = None, column: int = 1,
                 end_column: int | None = None) -> None:
        self.column = column
        self.end_column = end_column
        super().__init__(message, file=file, line=line, key=key, hint=hint)


class TargetError(LessonLError):
    """The function to optimize cannot be found, or the language is not supported."""


class StaleTargetError(TargetError):
    """The function changed since the job started: the result must not be applied."""


class ExtractionError(LessonLError):
    """A model reply holds no usable function (or changes its signature)."""


class SpliceError(LessonLError):
    """A candidate could not be put into the file without breaking its syntax."""


class BaselineError(LessonLError):
    """The user's own code does not build, pass its tests, or benchmark: nothing can be judged."""


class ToolMissingError(LessonLError):
    """A compiler or other program the config needs is not installed."""


class ProfilerError(LessonLError):
    """A profile could not be taken: the profiler is missing or not permitted, or the benchmark
    ran too briefly to sample (the message says how long it ran and what to do)."""


class AgentError(LessonLError, _store.EndpointError):
    """An LLM endpoint failed in a way retries did not fix."""

    exit_code = 3


class BankError(LessonLError, _store.BankError):
    """The lesson bank could not be opened or written (lessonl_store raises this class: it is
    installed below, and subclasses the store's own BankError)."""

    exit_code = 3


class Cancelled(LessonLError):
    """The user cancelled the job."""

    exit_code = 130


class ReachError(BaselineError):
    """Neither the tests nor the benchmark call the target function in the scratch copy: no
    verdict about it could mean anything (e.g. an editable install imports the user's tree)."""


class UnisolatedError(LessonLError):
    """A rewrite judged without a sandbox is not written into the user's files unless they
    opted in: its candidate could have forged the verdict or changed files on the way."""


# The store stands without lessonl: it raises whatever classes its caller installs.
_store.use_error_classes(bank=BankError, config=ConfigError, endpoint=AgentError)
