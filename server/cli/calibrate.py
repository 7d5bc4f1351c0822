"""`lessonl calibrate [PATH]`: the noise floor of this machine for this benchmark.

Times the unchanged code against an identical copy with the same rules as a real
evaluation; the interval it reports is the smallest effect worth asking for (min_effect).
"""
from __future__ import annotations

import argparse
import json

from . import stopping
from ..judge import calibrate_repository
from .argtypes import add_repository_arguments
from .preflight import repository_at
from ..config.overrides import parse_overrides
from ..judge.render import calibration_text


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "calibrate", help="time the baseline against itself: the noise floor",
        description="Run the baseline against an identical copy, interleaved, and report the interval of "
        "the (ideally 1.0x) speedup and each case's spread: effects smaller than this are noise here.")
    add_repository_arguments(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    repository_at(args.path, parse_overrides(args.set))
    report = stopping.run(calibrate_repository(args.path, function=args.function,
                                               overrides=parse_overrides(args.set) or None))
    if args.json:
        print(json.dumps(report.to_json()))
    else:
        print(calibration_text(report))
    return 0

