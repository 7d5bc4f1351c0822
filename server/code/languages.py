"""Which language a file is in, and one cached tree-sitter parser per language.

A real parser (not regexes) is the only way to find function spans reliably in C++
templates, macros and Python decorators; parsers are cached because creating one per call
would dominate the cost of locating a function in a small file.
"""
from __future__ import annotations

import threading
from functools import lru_cache

import tree_sitter as ts

from ..filetypes import EXTENSIONS, language_for  # noqa: F401 - language_for is lessonl.code's
from ..lru import LRU

LANGUAGES = ("c", "cpp", "python")

DISPLAY_NAMES = {"c": "C", "cpp": "C++", "python": "Python"}


def supported_extensions() -> list[str]:
    return sorted({ext.lower() for ext in EXTENSIONS})


@lru_cache(maxsize=None)
def ts_language(language: str) -> ts.Language:
    if language == "c":
        import tree_sitter_c as grammar
    elif language == "cpp":
        import tree_sitter_cpp as grammar
    elif language == "python":
        import tree_sitter_python as grammar
    else:
        raise ValueError(f"unsupported language {language!r}; expected one of {', '.join(LANGUAGES)}")
    return ts.Language(grammar.language())


_local = threading.local()  # tree-sitter parsers are not thread-safe: one per thread


def _parser(language: str) -> ts.Parser:
    parsers = _local.__dict__.setdefault("parsers", {})
    if language not in parsers:
        parsers[language] = ts.Parser(ts_language(language))
    return parsers[language]


def parse(source: bytes | str, language: str) -> ts.Tree:
    """Parse UTF-8 source; byte offsets in the tree are offsets into `source.encode()`.

    The last few trees are kept: locating a function, building its prompt context and splicing
    a candidate all look at the same text, and a full parse of a large file costs tens of ms.
    Cached trees are shared, so callers must never `edit()` one (copy it first).
    """
    data = source.encode("utf-8") if isinstance(source, str) else source
    tree = _cache.get((language, data))
    if tree is not None:
        return tree
    tree = _parser(language).parse(data)
    remember(data, language, tree)
    return tree


def reparse(data: bytes, language: str, old_tree: ts.Tree) -> ts.Tree:
    """Incremental parse of `data`; `old_tree` must already carry the edits (see Tree.edit)."""
    tree = _parser(language).parse(data, old_tree)
    remember(data, language, tree)
    return tree


def remember(data: bytes, language: str, tree: ts.Tree) -> None:
    _cache.put((language, data), tree)


_cache: LRU[tuple[str, bytes], ts.Tree] = LRU(8)


def comment_prefixes(language: str) -> tuple[str, ...]:
    return ("#",) if language == "python" else ("//", "/*")
