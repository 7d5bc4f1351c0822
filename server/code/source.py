"""Read a source file into text and write text back in the file's own encoding.

Offsets in a FunctionRef are UTF-8 bytes of the decoded text (without a BOM, as editors see it).
Files that are not UTF-8 are read as Latin-1, which maps every byte, so an untouched byte is
written back unchanged; a rewrite that adds a character the encoding cannot hold is refused
rather than written with replacement characters.
"""
from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

from ..errors import SpliceError, TargetError


@dataclass(frozen=True)
class SourceEncoding:
    name: str = "utf-8"  # "utf-8" or "latin-1"
    bom: bool = False


def decode_source(data: bytes) -> tuple[str, SourceEncoding]:
    bom = data.startswith(codecs.BOM_UTF8)
    body = data[len(codecs.BOM_UTF8):] if bom else data
    try:
        return body.decode("utf-8"), SourceEncoding("utf-8", bom)
    except UnicodeDecodeError:
        return data.decode("latin-1"), SourceEncoding("latin-1", False)


def encode_source(text: str, encoding: SourceEncoding, file: str = "") -> bytes:
    try:
        data = text.encode(encoding.name)
    except UnicodeEncodeError as exc:
        line = text.count("\n", 0, exc.start) + 1
        raise SpliceError(f"the new text has {text[exc.start]!r}, which {encoding.name} cannot hold",
                          file=file or None, line=line,
                          hint="the file is not UTF-8; keep the rewrite to characters the file can store") from None
    return (codecs.BOM_UTF8 + data) if encoding.bom else data


def read_source(path: str | Path, shown: str = "") -> tuple[str, SourceEncoding]:
    """The text of a source file; TargetError (naming the file) when it cannot be read."""
    p = Path(path)
    shown = shown or p.as_posix()
    if not p.exists():
        raise TargetError("no such file", file=shown, hint="check the path; it is relative to the current folder")
    if p.is_dir():
        raise TargetError("is a folder, not a source file", file=shown, hint="name one source file")
    try:
        return decode_source(p.read_bytes())
    except OSError as exc:
        raise TargetError(f"cannot be read: {exc.strerror}", file=shown) from None
