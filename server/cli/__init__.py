"""The `lessonl` command: one small module per subcommand, all calling the same engine.

Each module in COMMANDS has `register(subparsers)`, which adds its parser and sets
`handler(args) -> int`. Engine errors become a one-line message and an exit code here,
never a traceback.
"""
from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
from typing import Sequence

from .. import __version__
from ..errors import LessonLError

# Module names under lessonl.cli, in the order they appear in --help.
COMMANDS = [
    "init", "check", "evaluate", "calibrate", "functions", "optimize", "lessons", "serve", "doctor",
]


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """All subcommands, or just `only` when it names one (each imports what it needs, and the
    language server's start-up should not pay for the others)."""
    parser = argparse.ArgumentParser(
        prog="lessonl",
        description="Make a function faster: LLM agents rewrite it, your own build, tests and "
        "benchmarks judge every rewrite, and lessons learned steer the next round.",
    )
    parser.add_argument("--version", action="version", version=f"lessonl {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in ([only] if only in COMMANDS else COMMANDS):
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{__name__}.{name}":
                continue  # command not built yet
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv[0] if argv else None)
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    if args.command != "serve":  # the language server has its own shutdown
        _terminate_like_ctrl_c()
    try:
        return int(args.handler(args) or 0)
    except LessonLError as exc:
        print(f"lessonl: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("lessonl: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `lessonl lessons show ID | head`: the reader left; nothing more to say to it.
        _silence_stdout()
        return 0
    except Exception as exc:  # our bug: one line a person can report, not a traceback
        if os.environ.get("LESSONL_DEBUG"):
            raise
        print(f"lessonl: internal error: {type(exc).__name__}: {exc} "
              "(please report it; set LESSONL_DEBUG=1 to see the traceback)", file=sys.stderr)
        return 3


def _terminate_like_ctrl_c() -> None:
    """SIGTERM (a killed terminal, `timeout`, an editor stopping a task) takes the Ctrl-C path, so
    builds and benchmarks in their own process groups are killed too instead of living on."""
    def on_term(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    try:
        signal.signal(signal.SIGTERM, on_term)
    except ValueError:  # not the main thread (main() called from a test's worker thread)
        pass


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot raise again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
