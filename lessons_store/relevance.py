"""How relevant a lesson is to the function being optimized: pluggable backends.

The paper ranks lessons by embedding similarity (CodeBERT) between lesson and code. We ship an
offline default that needs no model (lexical), an OpenAI-compatible embeddings endpoint, and a
registry so that a local embedding model plugs in with one line.
"""
from __future__ import annotations

import threading
from typing import Any, Callable, Protocol, Sequence

from .errors import config_error
from .records import Lesson


class Relevance(Protocol):
    """A backend. Optionally also: `floor` (the score a lesson of ANOTHER function needs to be a
    candidate; 0 when absent), `top(code, lessons, n, exclude)` and `above(code, lessons, floor,
    exclude) -> {id: score}`, which selection uses instead of scoring every lesson when present."""

    name: str

    def scores(self, code: str, lessons: Sequence[Lesson]) -> list[float]:
        """One score per lesson, higher = more relevant to `code`."""
        ...


def lesson_document(lesson: Lesson) -> str:
    """What a lesson is about: its text and the code it was learned on."""
    return "\n".join((lesson.text, lesson.qualified_name, lesson.source_code, lesson.candidate_code))


_BACKENDS: dict[str, Callable[[Any, Any], Relevance]] = {}


def register_backend(name: str, factory: Callable[[Any, Any], Relevance]) -> None:
    """`factory(relevance_config, bank_or_None) -> Relevance`."""
    _BACKENDS[name] = factory


def _field(config: Any, name: str, default: Any = "") -> Any:
    if config is None:
        return default
    if isinstance(config, dict):
        return config.get(name, default)
    return getattr(config, name, default)


def make_relevance(config: Any = None, bank: Any = None) -> Relevance:
    """The backend named by `config.backend` (lexical when absent)."""
    name = _field(config, "backend", "lexical") or "lexical"
    _load_builtin_backends()
    if name not in _BACKENDS:
        raise config_error(f"unknown relevance backend '{name}'", key="relevance.backend",
                          hint="use one of: " + ", ".join(sorted(_BACKENDS)))
    return _BACKENDS[name](config, bank)


_BUILTINS_LOADED = False
_BUILTINS_LOCK = threading.Lock()  # two jobs of the language server may ask at once


def _load_builtin_backends() -> None:
    """Import the built-in backends (each registers itself) once, whichever was imported first."""
    global _BUILTINS_LOADED
    if _BUILTINS_LOADED:
        return
    with _BUILTINS_LOCK:
        if _BUILTINS_LOADED:
            return
        from . import embeddings, lexical  # noqa: F401  (they register themselves)

        try:
            from . import relevance_local  # noqa: F401  (optional: needs onnxruntime)
        except ImportError:
            pass
        _BUILTINS_LOADED = True
