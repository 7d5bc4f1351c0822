"""What every bank does the same way on top of the Protocol's primitives: JSON Lines exchange,
the overview, pruning, and the choice of a result to show. Written once so that the diskcache
bank and the PostgreSQL bank cannot drift apart."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Iterable, Sequence

from .errors import bank_error
from .exchange import ImportReport, export_lines, import_lines
from .records import Lesson, StoredResult


def pick_latest(results: Sequence[StoredResult]) -> StoredResult | None:
    """The newest verified result, else the newest."""
    if not results:
        return None
    verified = [r for r in results if r.improved]
    return max(verified or results, key=lambda r: r.created)


def merge_results(own: list[StoredResult], extra: Iterable[StoredResult]) -> list[StoredResult]:
    ids = {r.id for r in own}
    return [*own, *(r for r in extra if r.id not in ids)]


def export_jsonl(bank: Any, path: str | Path) -> int:
    """Lessons and results as JSON Lines (one record per line), for sharing through git."""
    lines = export_lines(bank.lessons(), bank.all_results())
    try:
        Path(path).write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    except OSError as exc:
        raise bank_error(f"cannot write {path}: {exc}", hint="check that the folder exists and is writable") from exc
    return len(lines)


def read_export(path: str | Path) -> list[str]:
    try:
        return Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise bank_error(f"cannot read {path}: {exc}", hint="pass a file written by `lessonl lessons export`") from exc


def import_into(bank: Any, lines: Iterable[str]) -> ImportReport:
    """Merge exported lines: known ids and lessons with the same text for the same function are
    skipped, so importing twice changes nothing."""
    lessons = bank.lessons()
    known_ids = {l.id for l in lessons}
    known_texts = {(l.text, l.file, l.qualified_name) for l in lessons}
    known_results = {r.id for r in bank.all_results()}
    report, new_lessons, results = import_lines(lines, known_ids, known_texts, known_results)
    bank.add_many(new_lessons)
    for result in results:
        bank.save_result(result)
    return report


def copy_bank(source: Any, target: Any) -> ImportReport:
    """Every lesson and result of `source` into `target` (duplicates skipped), with no file."""
    return import_into(target, export_lines(source.lessons(), source.all_results()))


def prune_ids(lessons: Sequence[Lesson], older_than_days: float | None = None, outcome: str | None = None,
              keep_top: int | None = None, function: tuple[str, str] | None = None) -> list[str]:
    """Ids of the lessons matching every filter; `keep_top` keeps the N best by speedup x factor
    among the matching ones."""
    now = time.time()
    matching = [l for l in lessons
                if (older_than_days is None or now - l.created > older_than_days * 86400)
                and (outcome is None or l.outcome == outcome)
                and (function is None or (l.file, l.qualified_name) == function)]
    if keep_top is not None:
        matching.sort(key=lambda l: (-l.score, l.created, l.id))
        matching = matching[keep_top:]
    return [l.id for l in matching]


def stats_of(lessons: Sequence[Lesson], results: int, where: str) -> dict[str, Any]:
    by_outcome: dict[str, int] = {}
    functions: dict[str, int] = {}
    for lesson in lessons:
        by_outcome[lesson.outcome] = by_outcome.get(lesson.outcome, 0) + 1
        name = f"{lesson.file}::{lesson.qualified_name}"
        functions[name] = functions.get(name, 0) + 1
    best = sorted(lessons, key=lambda l: -l.score)[:5]
    return {
        "lessons": len(lessons),
        "by_outcome": by_outcome,
        "functions": functions,
        "results": results,
        "best": [{"id": l.id, "speedup": l.speedup, "factor": l.factor, "function": f"{l.file}::{l.qualified_name}",
                  "text": l.text} for l in best],
        "path": where,
    }
