"""The store's own errors, so that `lessonl_store` stands without `lessonl`.

A caller with its own error hierarchy (LessonL's `lessonl.errors`) subclasses these and installs
its classes with `use_error_classes`: the store then raises the caller's class, so the caller's
`except` clauses and exit codes keep working, and `except lessonl_store.BankError` still
catches it (the installed class must be a subclass of the store's).
"""
from __future__ import annotations

from typing import Any


class StoreError(Exception):
    """Base of the store's errors: a message, where it happened, and what to do."""

    exit_code = 3

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 key: str | None = None, hint: str | None = None) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.key = key
        self.hint = hint
        super().__init__(self.render())

    def render(self) -> str:
        where = ""
        if self.file:
            where = self.file + (f":{self.line}" if self.line else "") + ": "
        key = f"[{self.key}] " if self.key else ""
        hint = f" ({self.hint})" if self.hint else ""
        return f"{where}{key}{self.message}{hint}"


class BankError(StoreError):
    """The lesson bank could not be opened, migrated, read or written."""


class StoreConfigError(StoreError):
    """A setting handed to the store is invalid (an unknown backend, a password in a URL...)."""

    exit_code = 2


class EndpointError(StoreError):
    """A relevance endpoint (embeddings) failed."""


_CLASSES: dict[str, type[StoreError]] = {"bank": BankError, "config": StoreConfigError, "endpoint": EndpointError}


def use_error_classes(*, bank: type[BankError] | None = None, config: type[StoreConfigError] | None = None,
                      endpoint: type[EndpointError] | None = None) -> None:
    """Raise these (subclasses of the store's own) instead of the store's classes."""
    for name, cls, base in (("bank", bank, BankError), ("config", config, StoreConfigError),
                            ("endpoint", endpoint, EndpointError)):
        if cls is not None:
            if not issubclass(cls, base):
                raise TypeError(f"{cls.__name__} must subclass lessonl_store.errors.{base.__name__}")
            _CLASSES[name] = cls


def bank_error(message: str, **where: Any) -> StoreError:
    return _CLASSES["bank"](message, **where)


def config_error(message: str, **where: Any) -> StoreError:
    return _CLASSES["config"](message, **where)


def endpoint_error(message: str, **where: Any) -> StoreError:
    return _CLASSES["endpoint"](message, **where)
