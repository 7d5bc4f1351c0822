"""Which lessons of other functions may speak to a function: by language family.

A lesson learned on C code can help C++ code (same memory model, same compilers, mostly the same
idioms), but a lesson about Python's str.join says nothing to a C++ matrix multiply however fast
it was. Which language a file is in comes from the caller (`hooks.configure(language_of=...)`;
LessonL hands in lessonl.filetypes.language_for): the bank needs no parser to decide.
"""
from __future__ import annotations

from functools import lru_cache

from . import hooks

_FAMILY = {"c": "c-family", "cpp": "c-family", "python": "python"}
FAMILIES = ("c-family", "python")


@lru_cache(maxsize=65536)
def family_of(file: str) -> str | None:
    """"c-family" for C and C++, "python" for Python, None for anything else (no file, unknown)."""
    language = hooks.language_of(file) if file else None
    return _FAMILY.get(language) if language else None
