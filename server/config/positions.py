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
        self.table_order: list[Path_] = []
        self._index(text)

    def _index(self, text: str) -> None:
        current: Path_ = ()
        array_counts: dict[tuple[str, ...], int] = {}
        continuation = _ValueState()  # a value (array, inline table, multi-line string) spanning lines
        for number, line in enumerate(text.splitlines(), start=1):
            if continuation.open:
                continuation = _scan_value(line, 0, continuation)
                continue  # lines inside a value are never headers or keys
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
                self.table_order.append(current)
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
            continuation = _scan_value(line, key.end(), _ValueState())

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
            while e > s + 1 and line[e - 1] in " \t":
                e -= 1
            self.keys[(*path, name)] = Position(number, s + 1, e + 1)

    def find(self, path: Path_, at_key: bool = False) -> Position | None:
        """Position of the value (or the key itself, or the closest enclosing table).

        Inside pyproject.toml a problem of the whole config (a missing [test]) points at the
        first [tool.lessonl...] table rather than at line 1, which belongs to someone else.
        """
        full = (*self.prefix, *path)
        if at_key and full in self.key_names:
            return self.key_names[full]
        while full:
            if full in self.keys:
                return self.keys[full]
            if full in self.tables:
                return self.tables[full]
            if len(full) <= len(self.prefix):
                break
            full = full[:-1]
        return self._first_under_prefix()

    def _first_under_prefix(self) -> Position | None:
        if not self.prefix:
            return None
        for table in self.table_order:
            if table[:len(self.prefix)] == self.prefix:
                return self.tables[table]
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


@dataclass(frozen=True)
class _ValueState:
    depth: int = 0  # open [ and {
    quote: str = ""  # an open multi-line string delimiter: """ or '''

    @property
    def open(self) -> bool:
        return self.depth > 0 or bool(self.quote)


def _scan_value(line: str, start: int, state: _ValueState) -> _ValueState:
    """Carry bracket depth and multi-line strings across lines, so that text inside a value
    (say a '[build]' line in a multi-line command string) is not taken for a header or a key."""
    depth, quote = state.depth, state.quote
    i = start
    while i < len(line):
        if quote:
            close = line.find(quote, i)
            if close < 0:
                return _ValueState(depth, quote)
            i, quote = close + 3, ""
            continue
        ch = line[i]
        if line.startswith(('"""', "'''"), i):
            quote, i = line[i:i + 3], i + 3
        elif ch in "\"'":
            i = _skip_string(line, i)
        elif ch == "#":
            break
        elif ch in "[{":
            depth, i = depth + 1, i + 1
        elif ch in "]}":
            depth, i = max(depth - 1, 0), i + 1
        else:
            i += 1
    return _ValueState(depth, quote)


def _skip_string(line: str, i: int) -> int:
    """Index just past the one-line string starting at line[i]."""
    quote = line[i]
    j = i + 1
    while j < len(line):
        if quote == '"' and line[j] == "\\":
            j += 2
            continue
        if line[j] == quote:
            return j + 1
        j += 1
    return j
