"""Multi-root state: every repository root has its own config and its own lesson bank.

A root is the folder holding `lessonl.toml` (or a `pyproject.toml` with `[tool.lessonl]`),
found by walking up from a file, so one editor folder may hold several roots and several
editor folders may share one. Everything here blocks on the disk: call it through
`ls.off_loop(...)`, never from the event loop.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import LessonLError

if TYPE_CHECKING:
    from .server import LessonLServer

CONFIG_FILES = ("lessonl.toml", "pyproject.toml")
INIT_HINT = "run `lessonl init` in the repository root to create lessonl.toml"


@dataclass
class RootState:
    """One repository root: its parsed config (or why it has none) and its bank, once opened."""

    root: Path
    config: Any | None = None  # lessonl.config.ProjectConfig
    error: str | None = None  # a config problem, said so that a person can fix it
    bank: Any | None = None  # lessonl_store.LessonBank, opened on first use
    bank_error: str | None = None
    bank_key: tuple[str, str] | None = field(default=None, repr=False)  # (target, password) it was opened with
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def ok(self) -> bool:
        return self.config is not None


class Workspaces:
    def __init__(self, ls: LessonLServer) -> None:
        self._ls = ls
        self._roots: dict[Path, Path | None] = {}  # folder of a file -> its root (or none)
        self._states: dict[Path, RootState] = {}
        self._lock = threading.Lock()

    def forget_configs(self) -> None:
        """A config file or the settings changed: re-read configs (banks stay open)."""
        with self._lock:
            self._roots.clear()
            for state in self._states.values():
                state.config = None
                state.error = None

    def root_for(self, path: Path) -> Path | None:
        folder = path.parent
        with self._lock:
            if folder in self._roots:
                return self._roots[folder]
        root = _find_root(path)
        with self._lock:
            self._roots[folder] = root
        return root

    def state_for(self, path: Path) -> RootState | None:
        """The root state of the repository holding `path`, or None outside any repository."""
        root = self.root_for(path)
        if root is None:
            return None
        with self._lock:
            state = self._states.setdefault(root, RootState(root))
        with state.lock:
            if state.config is None and state.error is None:
                self._load(state)
        return state

    def states(self) -> list[RootState]:
        with self._lock:
            return list(self._states.values())

    def bank(self, state: RootState) -> Any | None:
        """The root's lesson bank; None (with `bank_error` set) if it cannot be opened.

        Opened again when the bank's URL or the editor's bank password changed since (a new
        lessonl.bank.url or "LessonL: Set Lesson Bank Password"); the old one is left to the jobs
        still holding it, not closed under them."""
        with state.lock:
            if state.config is None:
                return state.bank
            passwords = self._ls.settings.for_root(state.root).bank_passwords
            password = ""
            try:
                from ..bankaccess import bank_target, open_repository_bank, password_for

                target = str(bank_target(state.root, state.config.bank))
                password = password_for(target, passwords) if "://" in target else ""
                key = (target, password)
                if state.bank is not None and key == state.bank_key:
                    return state.bank
                state.bank = None
                state.bank = LockedBank(open_repository_bank(state.root, state.config.bank, password=password))
                state.bank_key = key
                state.bank_error = None
            except LessonLError as exc:
                state.bank_error = _with_password_hint(str(exc), password)
            except Exception as exc:  # e.g. a half-written store: say so, don't crash hover
                state.bank_error = f"cannot open the lesson bank: {type(exc).__name__}: {exc}"
            return state.bank

    def _load(self, state: RootState) -> None:
        settings = self._ls.settings.for_root(state.root)
        from ..bankaccess import give_passwords

        give_passwords(state.root, settings.bank_passwords)  # for the jobs, which open the bank themselves
        try:
            from ..config import load_config

            state.config = load_config(state.root, overrides=settings.overrides or None)
            state.error = None
        except LessonLError as exc:
            state.error = str(exc)
        except ImportError as exc:
            state.error = f"LessonL's config support is not installed ({exc})"


class LockedBank:
    """The bank, one call at a time: hover, code lens and commands run in several executor
    threads, and the bank's in-memory copy is refreshed by whichever call comes first."""

    def __init__(self, bank: Any) -> None:
        self._bank = bank
        self._lock = threading.RLock()

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._bank, name)
        if not callable(attr):
            return attr

        def locked(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                return attr(*args, **kwargs)

        return locked


_ASKS_PASSWORD = ("no password supplied", "password authentication failed")  # libpq's words


def _with_password_hint(message: str, password: str) -> str:
    """A bank that asks for a password the editor did not send for its URL: say where to give it."""
    if password or not any(said in message for said in _ASKS_PASSWORD):
        return message
    return (message + "; the editor has no password for this bank: run \"LessonL: Set Lesson Bank Password\" "
            "for its URL (or set PGPASSWORD for the server)")


def _find_root(path: Path) -> Path | None:
    try:
        from ..config import find_root

        root = find_root(path)
    except (LessonLError, FileNotFoundError, ImportError):
        return None
    return Path(root) if root else None
