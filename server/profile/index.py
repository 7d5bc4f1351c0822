"""The repository's functions, as the locator sees them, looked up the ways a profiler names
code: by source file and line (perf's srcline, callgrind's fl=, a Python code object's file and
first line) and by symbol name (a demangled C++ symbol, a Python function name).

Profilers report the paths the build or the interpreter used: relative to where the compiler
ran (`kernels.cpp`, `src/k.cpp`), absolute inside the scratch copy, or with `./` in front. They
are turned into repository-relative paths here, never by guessing beyond a unique suffix match.
"""
from __future__ import annotations

import os
import re
from pathlib import Path, PurePosixPath
from typing import Iterable

from ..code import language_for, list_functions
from ..code.source import read_source
from ..records import FunctionRef

MAX_FILES = 5000
SKIP_DIRS = {".git", ".lessonl", ".venv", "venv", "__pycache__", ".pytest_cache", "node_modules", ".tox", "build"}


class FunctionIndex:
    """Functions of the repository's files in `languages` ("c", "cpp", "python")."""

    def __init__(self, root: Path, languages: Iterable[str], copies: Iterable[Path] = (),
                 excluded: "object | None" = None) -> None:
        self.root = Path(root).resolve()
        self.languages = set(languages)
        self.copies = [Path(c) for c in copies]  # scratch copies whose paths mean the repository's
        self._excluded = excluded
        self.files = self._list_files()
        self._by_base: dict[str, list[str]] = {}
        for rel in self.files:
            self._by_base.setdefault(PurePosixPath(rel).name, []).append(rel)
        self._functions: dict[str, list[FunctionRef]] = {}
        self._names: dict[str, list[FunctionRef]] | None = None
        self._paths: dict[str, str | None] = {}
        self._texts: dict[str, str] = {}

    def _list_files(self) -> list[str]:
        found: list[str] = []
        for dirpath, dirnames, filenames in os.walk(self.root):
            rel_dir = Path(dirpath).relative_to(self.root).as_posix()
            rel_dir = "" if rel_dir == "." else rel_dir
            dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not self._skip(f"{rel_dir}/{d}".lstrip("/"), True))
            for name in sorted(filenames):
                rel = f"{rel_dir}/{name}".lstrip("/")
                if language_for(Path(name)) in self.languages and not self._skip(rel, False):
                    found.append(rel)
                    if len(found) >= MAX_FILES:
                        return found
        return found

    def _skip(self, rel: str, is_dir: bool) -> bool:
        rules = self._excluded
        return bool(rules is not None and rules.excluded(rel, is_dir))  # type: ignore[attr-defined]

    # -- files --------------------------------------------------------------------------------

    def text(self, rel: str) -> str:
        """The file's text ("" when unreadable)."""
        if rel not in self._texts:
            try:
                self._texts[rel] = read_source(self.root / rel, rel)[0]
            except Exception:  # unreadable or undecodable: no functions, the rest still works
                self._texts[rel] = ""
        return self._texts[rel]

    def functions(self, rel: str) -> list[FunctionRef]:
        if rel not in self._functions:
            language = language_for(Path(rel))
            text = self.text(rel)
            try:
                self._functions[rel] = list_functions(text, language, rel) if language and text else []
            except Exception:  # unparsable: no functions, the rest still works
                self._functions[rel] = []
        return self._functions[rel]

    def resolve(self, path: str) -> str | None:
        """The repository-relative file a profiler's path names, or None (a system header, a
        file outside the repository, an ambiguous bare name)."""
        if not path or path.startswith("["):
            return None
        if path in self._paths:
            return self._paths[path]
        found = self._resolve(path)
        self._paths[path] = found
        return found

    def _resolve(self, path: str) -> str | None:
        posix = path.replace("\\", "/")
        if os.path.isabs(posix):
            real = Path(os.path.normpath(posix))
            for base in [*self.copies, self.root]:
                try:
                    rel = real.relative_to(base).as_posix()
                except ValueError:
                    continue
                return rel if rel in self._by_base.get(PurePosixPath(rel).name, []) else None
            # a build that copies sources elsewhere: fall through to the suffix match
        posix = posix.lstrip("./") if posix.startswith("./") else posix
        candidates = self._by_base.get(PurePosixPath(posix).name, [])
        if posix in candidates:
            return posix
        suffix = [c for c in candidates if posix.endswith("/" + c) or c.endswith("/" + posix)]
        if len(suffix) == 1:
            return suffix[0]
        if len(candidates) == 1 and "/" not in posix:
            return candidates[0]
        return None

    # -- lookups ------------------------------------------------------------------------------

    def at(self, rel: str, line: int) -> FunctionRef | None:
        """The innermost function whose span holds `line` of `rel`."""
        best: FunctionRef | None = None
        for ref in self.functions(rel):
            if ref.start_line <= line <= ref.end_line:
                if best is None or ref.end_line - ref.start_line < best.end_line - best.start_line:
                    best = ref
        return best

    def named(self, name: str) -> list[FunctionRef]:
        """Functions whose qualified name is `name`, or ends with `::name` / `.name`."""
        if self._names is None:
            self._names = {}
            for rel in self.files:
                for ref in self.functions(rel):
                    self._names.setdefault(ref.qualified_name, []).append(ref)
                    self._names.setdefault("~" + ref.name, []).append(ref)
        exact = self._names.get(name)
        if exact:
            return exact
        bare = re.split(r"::|\.", name)[-1]
        return [ref for ref in self._names.get("~" + bare, [])
                if name.endswith(ref.qualified_name) or ref.qualified_name.endswith(name)]


def symbol_name(symbol: str) -> str:
    """A demangled symbol as a qualified name: parameters, template arguments, ABI tags and
    compiler clone suffixes dropped (`ns::Box<int>::area(int) const [clone .isra.0]` ->
    `ns::Box::area`)."""
    text = re.sub(r"\s*\[clone [^\]]*\]", "", symbol.strip())
    text = re.sub(r"\.(constprop|isra|part|cold|lto_priv|localalias)(\.\d+)*", "", text)
    out: list[str] = []
    depth_angle = depth_paren = 0
    for char in text:
        if char == "<":
            depth_angle += 1
        elif char == ">" and depth_angle:
            depth_angle -= 1
        elif char == "(":
            depth_paren += 1
            if depth_angle == 0 and depth_paren == 1:
                # `operator()` keeps its parentheses; a parameter list ends the name
                if not "".join(out).endswith("operator"):
                    break
            out.append(char) if depth_angle == 0 else None
        elif char == ")" and depth_paren:
            depth_paren -= 1
            out.append(char) if depth_angle == 0 else None
        elif depth_angle == 0 and depth_paren == 0:
            out.append(char)
    name = "".join(out).strip()
    name = re.sub(r"\[abi:[^\]]*\]", "", name)
    return name.split(" ")[-1] if " " in name and "operator" not in name else name
