"""`lessonl functions FILE [--json]`: the functions LessonL can optimize in a file, with their spans.

People use it to find the exact FILE::NAME@LINE to pass to `optimize`/`evaluate`; editors and
scripts use --json.
"""
from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from ..code import language_for, list_functions
from ..code.languages import supported_extensions
from ..code.source import read_source
from ..errors import TargetError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "functions", help="list the functions of a file that can be optimized",
        description="List the functions of a C, C++ or Python file with their qualified names and "
        "line spans, as FILE::NAME@LINE specs for `lessonl optimize` and `lessonl evaluate`.")
    parser.add_argument("file", metavar="FILE", help="a .c, .cpp/.cc/.h/.hpp or .py file")
    parser.add_argument("--json", action="store_true", help="print a JSON list instead of a table")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    path = Path(args.file)
    shown = _display_path(path)
    if path.is_dir():
        raise TargetError("is a folder, not a source file", file=shown, hint="name one source file")
    language = language_for(path)
    if language is None:
        raise TargetError(f"LessonL cannot optimize {path.suffix or 'extension-less'} files", file=shown,
                          hint="supported extensions: " + " ".join(supported_extensions()))
    text, _encoding = read_source(path, shown)
    refs = list_functions(text, language, shown)
    if args.json:
        rows = [{k: v for k, v in r.to_json().items() if k != "text"} | {"spec": r.spec} for r in refs]
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    if not refs:
        print(f"{shown}: no function definitions found")
        return 0
    width = max(len(f"{r.start_line}-{r.end_line}") for r in refs)
    name_width = min(48, max(len(r.qualified_name) for r in refs))
    for r in refs:
        span = f"{r.start_line}-{r.end_line}"
        print(f"{span:>{width}}  {r.qualified_name:<{name_width}}  {r.spec}")
    return 0


def _display_path(path: Path) -> str:
    """Relative to the current folder when inside it, POSIX separators (the form specs use)."""
    try:
        rel = os.path.relpath(path.resolve(), Path.cwd().resolve())
        if not rel.startswith(".."):
            return Path(rel).as_posix()
    except ValueError:
        pass
    return path.as_posix()
