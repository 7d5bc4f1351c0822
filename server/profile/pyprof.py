"""Python: cProfile dumps (one per process, written by lessonl.profile.bootstrap) and the line
timer's files, read into a Tally. cProfile is deterministic: self = tottime, inclusive =
cumtime (recursion counted once, by cProfile itself), callers from its caller table; the run's
total is the sum of tottime over every function of every process.
"""
from __future__ import annotations

import json
import os
import pstats
from pathlib import Path

from ..records import FunctionRef
from .index import FunctionIndex
from .tally import Tally


def bootstrap_source() -> str:
    return (Path(__file__).with_name("bootstrap.py")).read_text(encoding="utf-8")


def write_bootstrap(directory: Path) -> Path:
    """`directory/sitecustomize.py` (the folder to put first on PYTHONPATH)."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / "sitecustomize.py"
    text = bootstrap_source()
    if not target.is_file() or target.read_text(encoding="utf-8") != text:
        target.write_text(text, encoding="utf-8")
    os.chmod(directory, 0o755)
    os.chmod(target, 0o644)
    return target


class PythonMapper:
    """(file, first line, name) of a code object to the locator's function: the innermost one
    of that name whose span holds the first line (decorators included)."""

    def __init__(self, index: FunctionIndex) -> None:
        self.index = index
        self._cache: dict[tuple[str, int, str], FunctionRef | None] = {}

    def map(self, filename: str, line: int, name: str) -> FunctionRef | None:
        key = (filename, line, name)
        if key not in self._cache:
            self._cache[key] = self._map(filename, line, name)
        return self._cache[key]

    def _map(self, filename: str, line: int, name: str) -> FunctionRef | None:
        if filename.startswith(("<", "~")):
            return None
        rel = self.index.resolve(filename)
        if rel is None:
            return None
        found = [r for r in self.index.functions(rel) if r.name == name and r.start_line <= line <= r.end_line]
        if not found:
            return None
        return min(found, key=lambda r: r.end_line - r.start_line)

    def why_unmapped(self, filename: str, name: str) -> str:
        if filename == "~":
            return "built-in (C code of Python or an extension)"
        if filename.startswith("<"):
            return "generated code (exec, eval or a frozen module)"
        if self.index.resolve(filename) is None:
            return f"library: {_library_name(filename)}"
        return "not a function the locator finds (a lambda, a nested or generated function)"


def _library_name(filename: str) -> str:
    parts = Path(filename).parts
    for marker in ("site-packages", "dist-packages"):
        if marker in parts:
            rest = parts[parts.index(marker) + 1:]
            return rest[0] if rest else marker
    return Path(filename).name


def read_stats(paths: list[Path]) -> pstats.Stats | None:
    readable = []
    for path in paths:
        try:
            pstats.Stats(str(path))
            readable.append(str(path))
        except Exception:  # a process killed while dumping: leave its file out
            continue
    return pstats.Stats(*readable) if readable else None


def tally_stats(stats: pstats.Stats, mapper: PythonMapper) -> Tally:
    tally = Tally(scale=1e6)
    entries = stats.stats  # type: ignore[attr-defined]
    tally.total = sum(tt for (_cc, _nc, tt, _ct, _callers) in entries.values())
    for (filename, line, name), (_cc, _nc, tt, ct, callers) in entries.items():
        ref = mapper.map(filename, line, name)
        if ref is None:
            if tt > 0:
                label = name if filename == "~" else f"{name} ({Path(filename).name}:{line})"
                tally.unmapped[(label, mapper.why_unmapped(filename, name))] += tt
            continue
        key = tally.add_ref(ref)
        tally.self_weight[key] += tt
        tally.inclusive[key] += ct
        for (c_file, c_line, c_name), caller_figures in callers.items():
            caller = mapper.map(c_file, c_line, c_name)
            if caller is None or caller == ref:
                continue
            caller_ct = caller_figures[3] if isinstance(caller_figures, tuple) else 0.0
            tally.callers[key][tally.add_ref(caller)] += caller_ct
    for key in list(tally.inclusive):
        tally.inclusive[key] = min(tally.inclusive[key], tally.total)
    return tally


def line_targets(refs: list[FunctionRef], copy_dir: Path) -> list[dict]:
    """The line timer's targets: each function's file in the copy, span and name."""
    return [{"file": str(copy_dir / r.file), "start": r.start_line, "end": r.end_line, "name": r.name} for r in refs]


def add_lines(tally: Tally, refs: list[FunctionRef], paths: list[Path], mapper: PythonMapper) -> None:
    """Line times and call sites from the line timer's files into `tally` (lines replace any
    there; callers' call lines are added)."""
    keys = [tally.add_ref(r) for r in refs]
    for key in keys:
        tally.lines.pop(key, None)
    for path in paths:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        for index, line, seconds in data.get("lines", []):
            if 0 <= index < len(keys):
                tally.lines[keys[index]][int(line)] += float(seconds)
        for index, c_file, c_first, c_name, c_line, count in data.get("calls", []):
            if not 0 <= index < len(keys):
                continue
            caller = mapper.map(c_file, int(c_first), c_name)
            if caller is None or caller == refs[index]:
                continue
            tally.call_lines[(keys[index], tally.add_ref(caller))][int(c_line)] += int(count)
    for key in keys:
        tally.line_base[key] = sum(tally.lines.get(key, {}).values())
