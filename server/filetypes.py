"""Which language a file is in, by its extension: one table for the engine and the lesson bank.

Kept free of imports (no parser) so that the bank can decide which lessons may speak to a
function without loading tree-sitter.
"""
from __future__ import annotations

from pathlib import PurePath

# .h is parsed as C++: the C++ grammar accepts C declarations, the C grammar rejects classes.
EXTENSIONS = {
    ".c": "c",
    ".h": "cpp", ".hh": "cpp", ".hpp": "cpp", ".hxx": "cpp", ".h++": "cpp", ".inl": "cpp", ".ipp": "cpp",
    ".cc": "cpp", ".cpp": "cpp", ".cxx": "cpp", ".c++": "cpp", ".cp": "cpp", ".C": "cpp", ".tpp": "cpp",
    ".py": "python", ".pyw": "python", ".pyi": "python",
}


def language_for(path: str | PurePath) -> str | None:
    """The language of a file by its extension, or None when LessonL cannot optimize it."""
    suffix = PurePath(path).suffix
    return EXTENSIONS.get(suffix) or EXTENSIONS.get(suffix.lower())
