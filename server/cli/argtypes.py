"""Argument types shared by the subcommands, so a bad number reads the same everywhere."""
from __future__ import annotations

import argparse


def whole_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None


def positive(text: str) -> int:
    value = whole_number(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {value}")
    return value


def non_negative(text: str) -> int:
    value = whole_number(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def add_repository_arguments(parser: argparse.ArgumentParser) -> None:
    """PATH, --function, --json and --set: what every command that runs the baseline takes."""
    parser.add_argument("path", metavar="PATH", nargs="?", default=".", help="a folder inside the repository")
    parser.add_argument("--function", metavar="NAME", help="fill {function} in [bench] command with this name; "
                        "`check` also takes FILE::NAME and then says how often the tests and the benchmark "
                        "call it and whether its behaviour can be checked call by call")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--set", metavar="KEY=VALUE", action="append", default=[],
                        help="override a config setting (repeatable)")
