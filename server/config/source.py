"""Finding and reading the configuration file of a repository."""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError

CONFIG_NAME = "lessonl.toml"
PYPROJECT = "pyproject.toml"
PYPROJECT_PREFIX = ("tool", "lessonl")


@dataclass(frozen=True)
class ConfigSource:
    path: Path
    text: str
    prefix: tuple[str, ...]  # ("tool", "lessonl") inside pyproject.toml, else ()


def _has_tool_lessonl(pyproject: Path) -> bool:
    try:
        text = pyproject.read_text(encoding="utf-8")
    except OSError:
        return False
    return re.search(r"^\s*\[\[?\s*tool\s*\.\s*lessonl\b", text, re.MULTILINE) is not None


def config_file_in(folder: Path) -> Path | None:
    if (folder / CONFIG_NAME).is_file():
        return folder / CONFIG_NAME
    if (folder / PYPROJECT).is_file() and _has_tool_lessonl(folder / PYPROJECT):
        return folder / PYPROJECT
    return None


def find_root(path: str | Path) -> Path:
    """The nearest folder at or above `path` that holds the LessonL configuration."""
    start = Path(path).resolve()
    folder = start if start.is_dir() else start.parent
    if not folder.is_dir():  # a mistyped path would otherwise be searched from / and blamed on the config
        raise ConfigError(f"{path} does not exist", hint="check the path; it is relative to the current folder")
    for candidate in (folder, *folder.parents):
        if config_file_in(candidate):
            return candidate
    raise ConfigError(f"no {CONFIG_NAME} (or [tool.lessonl] in {PYPROJECT}) in {folder} or any folder above it",
                      hint="run `lessonl init` in the repository root to write one")


def read_source(root: Path) -> ConfigSource:
    path = config_file_in(root)
    if path is None:
        raise ConfigError(f"no {CONFIG_NAME} (or [tool.lessonl] in {PYPROJECT}) in {root}",
                          hint="run `lessonl init` to write one")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the configuration: {exc}", file=str(path)) from exc
    prefix = PYPROJECT_PREFIX if path.name == PYPROJECT else ()
    return ConfigSource(path, text, prefix)


def parse_toml(path: Path | str, text: str) -> dict[str, Any]:
    """tomllib with the position of a syntax error turned into a ConfigError."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = re.search(r"\(at line (\d+), column (\d+)\)", message)
        line, column = (int(match.group(1)), int(match.group(2))) if match else (1, 1)
        reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", message) or "invalid TOML"
        raise ConfigError(f"TOML syntax error: {reason}", file=str(path), line=line, column=column,
                          end_column=column + 1, hint="fix the syntax; see https://toml.io") from exc


def select_prefix(data: dict[str, Any], prefix: tuple[str, ...]) -> dict[str, Any]:
    for part in prefix:
        data = data.get(part, {}) if isinstance(data, dict) else {}
    return data if isinstance(data, dict) else {}
