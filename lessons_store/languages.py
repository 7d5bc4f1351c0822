"""Which lessons of other functions may speak to a function: by language family.

A lesson learned on C code can help C++ code (same memory model, same compilers, mostly the same
idioms), but a lesson about Python's str.join says nothing to a C++ matrix multiply however fast
it was. The extensions are lessonl.filetypes', which imports nothing: the bank needs no parser to decide.
"""
from __future__ import annotations

from lessonl.filetypes import language_for

_FAMILY = {"c": "c-family", "cpp": "c-family", "python": "python"}


def family_of(file: str) -> str | None:
    """"c-family" for C and C++, "python" for Python, None for anything else (no file, unknown)."""
    language = language_for(file)
    return _FAMILY.get(language) if language else None
