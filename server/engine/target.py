"""Find the function a request names, in the file as it is on disk now.

The text is the file's bytes decoded as lessonl.code.source decodes them (UTF-8, UTF-8 with a
BOM, or Latin-1), with its line endings as they are: CRLF stays CRLF all the way to the
scratch copy and to the user's file, so only the function's own bytes ever change.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..code import language_for, locate
from ..code.source import SourceEncoding, read_source
from ..errors import TargetError
from ..records import FunctionRef
from .request import OptimizeRequest


@dataclass(frozen=True)
class Target:
    root: Path
    path: Path  # absolute
    file_rel: str  # POSIX, relative to root
    text: str  # the whole file when the job started
    language: str
    ref: FunctionRef
    encoding: SourceEncoding = field(default_factory=SourceEncoding)  # how the file is stored


def resolve_target(root: Path, request: OptimizeRequest) -> Target:
    path, file_rel = resolve_file(root, request.file_rel)
    language = language_for(path)
    if language is None:
        raise TargetError(f"LessonL cannot optimize {path.suffix or 'extension-less'} files",
                          file=file_rel, hint="supported: C, C++ and Python sources")
    text, encoding = read_source(path, file_rel)
    if request.name is None and request.line is None and request.position is None:
        raise TargetError("no function named", file=file_rel,
                          hint="name it as FILE::FUNCTION, or put the cursor inside it")
    ref = locate(text, language, file_rel, name=request.name, line=request.line,
                 position=request.position)
    return Target(root=root, path=path, file_rel=file_rel, text=text, language=language, ref=ref,
                  encoding=encoding)


def resolve_file(root: Path, file: str) -> tuple[Path, str]:
    """Absolute path and repository-relative POSIX name; the file must lie inside `root`."""
    candidate = Path(file)
    path = (candidate if candidate.is_absolute() else root / candidate).resolve()
    try:
        file_rel = path.relative_to(root).as_posix()
    except ValueError:
        raise TargetError(f"{file} is outside the repository {root}", file=str(file),
                          hint="optimize files inside the folder that holds lessonl.toml") from None
    if not path.is_file():
        raise TargetError("no such file", file=file_rel, hint=f"looked in {root}")
    return path, file_rel
