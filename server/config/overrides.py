"""`--set KEY=VALUE` on the command line, read as the config file would read it.

Values are TOML, so `--set timing.budget=5` is a number and `--set sandbox.network=true` a
boolean; a bare word that is not TOML is a string. Wherever the schema wants a string (a
string setting, an entry of a string table such as `bench.functions.NAME` or `env.NAME`),
the text is kept as typed, so `--set code.flags=-O2`, `--set bench.regex=1` and
`--set bench.functions.matmul=1` mean what they say (and `--set 'x="quoted"'` still works).
A key given both a value and sub-keys is an error whichever comes first: one would silently
drop the other.
"""
from __future__ import annotations

import tomllib
from typing import Any, Mapping, Sequence

from ..errors import LessonLError
from .schema import SECTIONS, Field

# What a path's parts lead to: sections hold fields, tables of strings hold strings.
_TOP: dict[str, Any] = {**SECTIONS, "env": Field("env_map", {})}
_ENTRY_OF = {"str_map": Field("str"), "env_map": Field("str")}


def parse_overrides(items: Sequence[str]) -> dict[str, Any]:
    """`--set timing.budget=5` -> {"timing": {"budget": 5}}."""
    result: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise LessonLError(f"--set {item!r} is not KEY=VALUE", hint="e.g. --set timing.budget=5")
        path = [part.strip() for part in key.strip().split(".")]
        if not all(path):
            raise LessonLError(f"--set {item!r}: {key.strip()!r} has an empty part",
                               hint="name a setting as SECTION.KEY, e.g. timing.budget")
        _put(result, path, _value(raw, path), item)
    return result


def _put(result: dict[str, Any], path: list[str], value: Any, item: str) -> None:
    *parents, leaf = path
    node = result
    for depth, part in enumerate(parents):
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise LessonLError(f"--set {item!r}: {'.'.join(path[:depth + 1])} was already given a value, "
                               "not a table", hint="give either the table's keys or the whole value, not both")
    existing = node.get(leaf)
    if isinstance(existing, dict) and existing and not isinstance(value, Mapping):
        given = ", ".join(".".join([*path, k]) for k in existing)
        raise LessonLError(f"--set {item!r}: {'.'.join(path)} was already given keys ({given}), not a value",
                           hint="give either the table's keys or the whole value, not both")
    if isinstance(existing, dict) and isinstance(value, Mapping):
        existing.update(value)  # `timing={budget=5}` with `timing.min_runs=3`: both count
    else:
        node[leaf] = value


def _value(raw: str, path: list[str]) -> Any:
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw
    spec = field_at(path)
    if spec is not None and spec.kind == "str" and not isinstance(value, str):
        return raw
    return value


def field_at(path: Sequence[str]) -> Field | None:
    """The schema's Field for a dotted path (None when the schema does not know it)."""
    node: Any = _TOP
    for part in path:
        if isinstance(node, Field):
            node = _ENTRY_OF.get(node.kind)
        elif isinstance(node, dict):
            node = node.get(part)
        if node is None:
            return None
    return node if isinstance(node, Field) else None
