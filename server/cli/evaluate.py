"""`lessonl evaluate FILE[::FUNCTION] --candidate PATH [--function NAME] [--json]`: judge one candidate.

With FILE, PATH holds a full replacement for FILE. With FILE::FUNCTION (or FILE::FUNCTION@LINE),
PATH holds a model's reply or a bare function, spliced in by lessonl.code as the loop would. The handler only reads arguments and prints: finding
the repository, loading its config and judging all happen in lessonl.judge, so that a later
FILE::FUNCTION form (a model reply spliced in by lessonl.code) changes nothing here but input.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from . import stopping
from ..code.source import decode_source
from ..errors import LessonLError
from ..judge import evaluate_file
from .preflight import repository_at
from ..config.overrides import parse_overrides
from ..judge.render import verdict_text


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "evaluate", help="build, test and time one candidate against your code",
        description="Judge a candidate: PATH replaces FILE in a scratch copy of the repository, which is "
        "built, tested and timed against the unchanged code. Exit status 0 whenever a verdict was reached.")
    parser.add_argument("file", metavar="FILE[::FUNCTION]",
                        help="the file the candidate replaces (relative to the current folder), or "
                        "FILE::FUNCTION[@LINE] to splice a rewritten function into it")
    parser.add_argument("--candidate", metavar="PATH", required=True,
                        help="the full replacement text of FILE, or with FILE::FUNCTION a model's reply "
                        "or the rewritten function")
    parser.add_argument("--function", metavar="NAME", help="the function being optimized: fills {function} in "
                        "[bench] command so only its benchmark runs")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a summary")
    parser.add_argument("--set", metavar="KEY=VALUE", action="append", default=[],
                        help="override a config setting, e.g. --set timing.budget=5 (repeatable)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    overrides = parse_overrides(args.set) or None
    repository_at(args.file.split("::", 1)[0], overrides)
    text = _read_candidate(Path(args.candidate))
    if "::" in args.file:
        from ..engine.evaluate import evaluate_reply

        verdict = stopping.run(evaluate_reply(args.file, text, overrides=overrides))
    else:
        verdict = stopping.run(evaluate_file(args.file, text, function=args.function, overrides=overrides))
    print(json.dumps(verdict.to_json()) if args.json else verdict_text(verdict))
    return 0


def _read_candidate(path: Path) -> str:
    """The candidate as written: its line endings kept (a CRLF replacement stays CRLF), decoded
    as source files are (UTF-8, BOM, or Latin-1)."""
    try:
        return decode_source(path.read_bytes())[0]
    except FileNotFoundError:
        raise LessonLError("the candidate file does not exist", file=str(path),
                           hint="--candidate takes the path of a file holding the full replacement text") from None
    except OSError as exc:
        raise LessonLError(f"the candidate file cannot be read: {exc.strerror or exc}", file=str(path)) from None
