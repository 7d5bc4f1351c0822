"""From an editor position to the function LessonL would work on, cheaply.

Code actions, hover, code lenses and commands all start here. Parsing a 5,000-line file
costs milliseconds, so the function list is cached per document version; nothing here
talks to an LLM or builds anything. Blocking: call through `ls.off_loop`.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from pygls.uris import to_fs_path

from ..lru import LRU
from . import validation
from .workspaces import INIT_HINT, RootState

if TYPE_CHECKING:
    from .server import LessonLServer

SUPPORTED = "C, C++ and Python"


@dataclass
class Target:
    """What the cursor is on, and, if LessonL cannot optimize it, why not."""

    uri: str
    path: Path
    text: str
    version: int | None
    language: str | None
    state: RootState | None
    file_rel: str | None
    function: Any | None  # lessonl.records.FunctionRef
    problem: str | None  # shown as disabled.reason / in a message

    @property
    def root(self) -> Path | None:
        return self.state.root if self.state else None


class FunctionCache:
    """list_functions() per (uri, version): the same answer for every request on one version."""

    def __init__(self, size: int = 64) -> None:
        self._items: LRU[tuple[str, Any], list[Any]] = LRU(size)

    def functions(self, uri: str, version: int | None, text: str, language: str, file_rel: str) -> list[Any]:
        key = (uri, version if version is not None else hash(text))
        cached = self._items.get(key)
        if cached is not None:
            return cached
        from ..code import list_functions

        found = list_functions(text, language, file_rel)
        self._items.put(key, found)
        return found


_cache = FunctionCache()


def check_known(ls: LessonLServer, uri: str, name: str) -> None:
    """InvalidParams for a URI that is neither open in the editor nor a file (`name`: the
    param, for the message); an editor asks only about documents it has."""
    if unquote(uri) not in ls.workspace.text_documents and not Path(to_fs_path(uri) or uri).is_file():
        raise validation.unknown_document(uri, name)


def document(ls: LessonLServer, uri: str) -> tuple[Path, str, int | None]:
    """Path, current text (the editor's buffer if open, else the file) and version."""
    path = Path(to_fs_path(uri) or uri)
    doc = ls.workspace.get_text_document(uri)
    try:
        text = doc.source
    except OSError:
        text = ""
    return path, text, doc.version


def resolve(ls: LessonLServer, uri: str, line0: int | None = None, character: int = 0, *,
            names: tuple[str, str] = ("params.textDocument.uri", "params.position.line")) -> Target:
    """Everything about `uri` at (line0, character); line0=None: the file only, no function.
    An unknown URI or a line past the end is InvalidParams; `names` name the two params."""
    check_known(ls, uri, names[0])
    path, text, version = document(ls, uri)
    if line0 is not None:
        validation.check_line(text, line0, names[1], path.name)
    target = Target(uri, path, text, version, None, None, None, None, None)
    try:
        from ..code import language_for
    except ImportError as exc:
        target.problem = f"LessonL's code support is not installed ({exc})"
        return target
    target.language = language_for(str(path))
    target.state = ls.workspaces.state_for(path)
    if target.state is not None:
        target.file_rel = path.relative_to(target.state.root).as_posix()
    if target.language is None:
        target.problem = (f"LessonL cannot optimize {path.suffix or path.name} files: "
                          f"supported languages are {SUPPORTED}")
    elif target.state is None:
        target.problem = f"No LessonL configuration for this file: {INIT_HINT}"
    elif not target.state.ok:
        target.problem = f"LessonL configuration is invalid: {target.state.error}"
    if line0 is not None and target.language is not None:
        target.function = function_at(ls, target, line0)
    return target


def functions(ls: LessonLServer, target: Target) -> list[Any]:
    if target.language is None:
        return []
    file_rel = target.file_rel or target.path.name
    try:
        return _cache.functions(target.uri, target.version, target.text, target.language, file_rel)
    except Exception as exc:  # a parser failure must not break hover/code actions
        ls.log(f"LessonL: could not parse {target.path}: {exc}")
        return []


def function_at(ls: LessonLServer, target: Target, line0: int) -> Any | None:
    """The innermost function whose span (doc comment to closing line) holds the line."""
    line1 = line0 + 1
    best = None
    for ref in functions(ls, target):
        if ref.start_line <= line1 <= ref.end_line:
            if best is None or (ref.end_line - ref.start_line) < (best.end_line - best.start_line):
                best = ref
    return best
