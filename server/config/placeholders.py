"""Commands `lessonl init` could not guess are written as "EDIT ME: ..." placeholders.

Left in place they would be run as shell commands and fail with "EDIT is not installed";
naming the line and the step to fill in is the useful message, before anything is built.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Mapping

from ..errors import ConfigError
from .source import config_file_in

PLACEHOLDER = "EDIT ME"
_COMMAND = re.compile(r"""^\s*command\s*=\s*["']EDIT ME\b""")
_SECTION = re.compile(r"^\s*\[\s*(?:tool\s*\.\s*lessonl\s*\.\s*)?([A-Za-z_]+)\s*\]")


def placeholder_error(root: Path, overrides: Mapping[str, Any] | None = None) -> ConfigError | None:
    """The first `command = "EDIT ME..."` left in the repository's config (and not replaced by
    an override such as `--set bench.command=...`), as an error to raise."""
    path = config_file_in(Path(root))
    if path is None:
        return None
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None  # load_config reports an unreadable file
    section = ""
    for number, line in enumerate(lines, 1):
        header = _SECTION.match(line)
        if header:
            section = header.group(1)
        elif _COMMAND.match(line) and not _overridden(overrides, section):
            step = {"test": "a command whose exit status 0 means the code is correct",
                    "bench": "a command that runs the benchmark, with {function} where a function "
                             "name selects its cases",
                    "build": "the command that builds the code"}.get(section, "a shell command")
            return ConfigError("still the placeholder written by `lessonl init`",
                               file=str(path), line=number, key=f"{section}.command",
                               hint=f"replace it with {step}; then run `lessonl check`")
    return None


def _overridden(overrides: Mapping[str, Any] | None, section: str) -> bool:
    table = (overrides or {}).get(section)
    return isinstance(table, Mapping) and "command" in table


def refuse_placeholders(root: Path, overrides: Mapping[str, Any] | None = None) -> None:
    error = placeholder_error(root, overrides)
    if error is not None:
        raise error

