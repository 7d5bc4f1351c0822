"""`lessonl check [PATH]`: is this repository ready to be judged?

Loads the config (errors name the file, line and key) and runs the unchanged code once:
build, tests, one benchmark run, so problems show up before any model is paid for.
"""
from __future__ import annotations

import argparse
import json

from . import stopping
from ..judge import check_repository
from .argtypes import add_repository_arguments
from .preflight import repository_at
from ..config.overrides import parse_overrides
from ..judge.render import baseline_text


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "check", help="validate the config and run the baseline once",
        description="Validate lessonl.toml (or [tool.lessonl]) and run your unchanged code once in a scratch "
        "copy: build, tests and one benchmark run.")
    add_repository_arguments(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    repository_at(args.path, parse_overrides(args.set))
    judge, report = stopping.run(check_repository(args.path, function=args.function,
                                                  overrides=parse_overrides(args.set) or None))
    if args.json:
        print(json.dumps({"ok": True, "root": str(judge.root), **report.to_json()}))
    else:
        print(f"repository: {judge.root}")
        print(baseline_text(report))
        print("ok: LessonL can judge candidates in this repository")
    return 0
