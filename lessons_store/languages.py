"""Which lessons of other functions may speak to a function: by language family.

A lesson learned on C code can help C++ code (same memory model, same compilers, mostly the same
idioms), but a lesson about Python's str.join says nothing to a C++ matrix multiply however fast
it was. The extensions mirror lessonl.code.languages (a test keeps the two in step); they are
repeated here so that the bank needs no parser to decide.
"""
from __future__ import annotations

from pathlib import PurePath

_LANGUAGE = {
    ".c": "c",
    ".h": "cpp", ".hh": "cpp", ".hpp": "cpp", ".hxx": "cpp", ".h++": "cpp", ".inl": "cpp", ".ipp": "cpp",
    ".cc": "cpp", ".cpp": "cpp", ".cxx": "cpp", ".c++": "cpp", ".cp": "cpp", ".C": "cpp", ".tpp": "cpp",
    ".py": "python", ".pyw": "python", ".pyi": "python",
}
_FAMILY = {"c": "c-family", "cpp": "c-family", "python": "python"}


def language_of(file: str) -> str | None:
    suffix = PurePath(file).suffix
    return _LANGUAGE.get(suffix) or _LANGUAGE.get(suffix.lower())


def family_of(file: str) -> str | None:
    """"c-family" for C and C++, "python" for Python, None for anything else (no file, unknown)."""
    language = language_of(file)
    return _FAMILY.get(language) if language else None
