"""JSON Lines export and import, so a team can share a bank through git."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from .records import Lesson, StoredResult


@dataclass
class ImportReport:
    added: int = 0
    results_added: int = 0
    skipped_duplicates: int = 0
    invalid_lines: list[tuple[int, str]] = field(default_factory=list)  # (1-based line, why)


def check_types(lesson: Lesson) -> None:
    """An imported lesson must be usable by selection: numbers where numbers belong."""
    if not isinstance(lesson.text, str) or not lesson.text.strip():
        raise ValueError("text must be a non-empty string")
    for name in ("speedup", "factor", "created"):
        value = getattr(lesson, name)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"{name} must be a number, got {value!r}")
    for name in ("round", "uses", "judged"):
        value = getattr(lesson, name)
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{name} must be an integer, got {value!r}")
    for name in ("outcome", "file", "qualified_name", "agent", "model", "author", "cpu", "compiler", "commit"):
        if not isinstance(getattr(lesson, name), str):
            raise TypeError(f"{name} must be a string")


def export_lines(lessons: Sequence[Lesson], results: Sequence[StoredResult]) -> list[str]:
    lines = [json.dumps({"kind": "lesson", **l.to_json()}, sort_keys=True, ensure_ascii=False) for l in lessons]
    lines += [json.dumps({"kind": "result", **r.to_json()}, sort_keys=True, ensure_ascii=False) for r in results]
    return lines


def import_lines(lines: Iterable[str], known_ids: set[str], known_texts: set[tuple[str, str, str]],
                 known_results: set[str]) -> tuple[ImportReport, list[Lesson], list[StoredResult]]:
    report = ImportReport()
    lessons: list[Lesson] = []
    results: list[StoredResult] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            kind = data.pop("kind", "lesson")
            if kind == "result":
                result = StoredResult.from_json(data)
                if result.id in known_results:
                    report.skipped_duplicates += 1
                else:
                    known_results.add(result.id)
                    results.append(result)
                    report.results_added += 1
                continue
            lesson = Lesson.from_json(data)
            check_types(lesson)
        except (ValueError, TypeError, KeyError) as exc:
            report.invalid_lines.append((number, f"{exc.__class__.__name__}: {exc}"))
            continue
        identity = (lesson.text, lesson.file, lesson.qualified_name)
        if lesson.id in known_ids or identity in known_texts:
            report.skipped_duplicates += 1
            continue
        known_ids.add(lesson.id)
        known_texts.add(identity)
        lessons.append(lesson)
        report.added += 1
    return report, lessons, results
