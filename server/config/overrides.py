"""`--set KEY=VALUE` on the command line, read as the config file would read it.

Values are TOML, so `--set timing.budget=5` is a number and `--set sandbox.network=true` a
boolean; a bare word that is not TOML is a string. A setting the schema knows to be a string
keeps the text as typed, so `--set code.flags=-O2` and `--set bench.regex=1` mean what they say
(and `--set 'x="quoted"'` still works).
"""
from __future__ import annotations

import tomllib
from typing import Any, Sequence

from ..errors import LessonLError
from .schema import SECTIONS


def parse_overrides(items: Sequence[str]) -> dict[str, Any]:
    """`--set timing.budget=5` -> {"timing": {"budget": 5}}."""
    result: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise LessonLError(f"--set {item!r} is not KEY=VALUE", hint="e.g. --set timing.budget=5")
        path = key.strip().split(".")
        value = _value(raw, path)
        *parents, leaf = path
        node = result
        for part in parents:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise LessonLError(f"--set {item!r}: {part} was already given a value, not a table",
                                   hint="give either the table's keys or the whole value, not both")
        node[leaf] = value
    return result


def _value(raw: str, path: list[str]) -> Any:
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw
    if _is_string_setting(path) and not isinstance(value, str):
        return raw
    return value


def _is_string_setting(path: list[str]) -> bool:
    if len(path) != 2:
        return False
    field = SECTIONS.get(path[0], {}).get(path[1])
    return field is not None and field.kind == "str"
