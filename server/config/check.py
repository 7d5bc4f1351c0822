"""All problems of a config text at once, with exact ranges, for editor diagnostics."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError
from .positions import TomlPositions
from .schema import dotted
from .source import PYPROJECT, PYPROJECT_PREFIX, parse_toml, select_prefix


@dataclass(frozen=True)
class ConfigIssue:
    line: int  # 1-based
    column: int  # 1-based
    end_column: int  # 1-based, exclusive
    key: str
    message: str
    severity: str = "error"  # error | warning


def check_config_text(path: str | Path, text: str) -> list[ConfigIssue]:
    """Every problem in `text` (the content of lessonl.toml or pyproject.toml)."""
    from .loader import validate  # loader imports this module's siblings; keep the cycle lazy

    path = Path(path)
    prefix = PYPROJECT_PREFIX if path.name == PYPROJECT else ()
    try:
        data = parse_toml(path, text)
    except ConfigError as exc:
        return [ConfigIssue(exc.line or 1, exc.column or 1, exc.end_column or (exc.column or 1) + 1,
                            "", exc.message)]
    if prefix and not select_prefix(data, prefix):
        return []  # a pyproject.toml without [tool.lessonl] is not ours to judge
    _, problems = validate(select_prefix(data, prefix))
    positions = TomlPositions(text, prefix)
    issues = []
    for problem in problems:
        pos = positions.find(problem.path, problem.at_key)
        line, column, end = (pos.line, pos.column, pos.end_column) if pos else (1, 1, 2)
        issues.append(ConfigIssue(line, column, end, dotted(problem.path), problem.message, problem.severity))
    return sorted(issues, key=lambda i: (i.line, i.column))
