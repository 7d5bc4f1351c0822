"""Where a key sits in TOML text.

tomllib returns values without positions, but a config error must point at the line and the
value, so we scan the text for table headers and `key = value` lines ourselves. The scan only
has to be good for well-formed files: syntax errors get their position from tomllib.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

Path_ = tuple[str | int, ...]

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*((?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*'))*)\s*=")


@dataclass(frozen=True)
class Position:
    line: int  # 1-based
    column: int  # 1-based
    end_column: int  # 1-based, exclusive


def _split_dotted(text: str) -> list[str]:
    parts = re.findall(r"\"([^\"]*)\"|'([^']*)'|([A-Za-z0-9_-]+)", text)
    return [a or b or c for a, b, c in parts]


def _value_extent(line: str, start: int) -> tuple[int, int]:
    """Columns of the value after '=' up to a comment (quotes respected)."""
    i = start
    while i < len(line) and line[i] in " \t":
        i += 1
    quote = None
    end = len(line)
    for j in range(i, len(line)):
        ch = line[j]
        if quote:
            if ch == quote and line[j - 1] != "\\":
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            end = j
            break
    while end > i and line[end - 1] in " \t\r":
        end -= 1
    return i, max(end, i + 1)


class TomlPositions:
    """Index of `dotted path -> position` for one TOML text (prefix for [tool.lessonl])."""

    def __init__(self, text: str, prefix: tuple[str, ...] = ()) -> None:
        self.prefix = prefix
        self.keys: dict[Path_, Position] = {}
        self.tables: dict[Path_, Position] = {}
        self.key_names: dict[Path_, Position] = {}  # where the key itself is written
        self._index(text)

    def _index(self, text: str) -> None:
        current: Path_ = ()
        array_counts: dict[tuple[str, ...], int] = {}
        for number, line in enumerate(text.splitlines(), start=1):
            header = _HEADER.match(line)
            if header and not _KEY.match(line):
                names = tuple(_split_dotted(header.group(2)))
                if header.group(1) == "[[":
                    index = array_counts.get(names, 0)
                    array_counts[names] = index + 1
                    current = (*names, index)
                else:
                    current = names
                col = line.index("[") + 1
                self.tables[current] = Position(number, col, len(line.rstrip()) + 1)
                continue
            key = _KEY.match(line)
            if not key:
                continue
            path = (*current, *_split_dotted(key.group(1)))
            start, end = _value_extent(line, key.end())
            self.keys[path] = Position(number, start + 1, end + 1)
            key_start = len(line) - len(line.lstrip())
            self.key_names[path] = Position(number, key_start + 1, key_start + len(key.group(1).rstrip()) + 1)
            self._index_inline_table(path, line, number, key.end())

    def _index_inline_table(self, path: Path_, line: str, number: int, start: int) -> None:
        """Keys of `name = { a = 1, b = 2 }` on one line."""
        brace = line.find("{", start)
        if brace < 0:
            return
        for match in re.finditer(r"([A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*')\s*=\s*", line[brace + 1:]):
            name = _split_dotted(match.group(1))[0]
            value_start = brace + 1 + match.end()
            s, e = _value_extent(line, value_start)
            e = min(e, _inline_value_end(line, s))
            self.keys[(*path, name)] = Position(number, s + 1, e + 1)

    def find(self, path: Path_, at_key: bool = False) -> Position | None:
        """Position of the value (or the key itself, or the closest enclosing table)."""
        full = (*self.prefix, *path)
        if at_key and full in self.key_names:
            return self.key_names[full]
        while full:
            if full in self.keys:
                return self.keys[full]
            if full in self.tables:
                return self.tables[full]
            full = full[:-1]
        return None


def _inline_value_end(line: str, start: int) -> int:
    depth = 0
    quote = None
    for j in range(start, len(line)):
        ch = line[j]
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            if depth == 0:
                return j
            depth -= 1
        elif ch == "," and depth == 0:
            return j
    return len(line)
