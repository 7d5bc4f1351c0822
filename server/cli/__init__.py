"""The `lessonl` command: one small module per subcommand, all calling the same engine.

Each module in COMMANDS has `register(subparsers)`, which adds its parser and sets
`handler(args) -> int`. Engine errors become a one-line message and an exit code here,
never a traceback.
"""
from __future__ import annotations

import os
import sys

from . import stopping

# Everything else is imported once the signal handlers are in (see stopping): until then a
# Ctrl-C only has the interpreter's default effect, so this module imports next to nothing.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import Sequence

# Module names under lessonl.cli, in the order they appear in --help.
COMMANDS = [
    "init", "check", "evaluate", "calibrate", "functions", "hotspots", "optimize", "batch", "lessons",
    "bank", "serve", "doctor",
]


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """All subcommands, or just `only` when it names one (each imports what it needs, and the
    language server's start-up should not pay for the others)."""
    import argparse
    import importlib

    from .. import __version__

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
    """Run one command and return its exit status. With no `argv` this is the `lessonl` process
    itself: Ctrl-C or SIGTERM at any moment until it exits makes the status 130, and main()
    ends the process instead of returning (see stopping). With `argv` (a call from inside a
    program) the caller's signal handlers are put back on return."""
    usage_exit = None
    try:
        try:
            stopping.install(whole_process=argv is None)  # first: no window where a signal is lost
            status = _main(argv)
        except SystemExit as exc:  # argparse: --help, --version, a usage error
            usage_exit, status = exc, _exit_status(exc)
        except KeyboardInterrupt:
            raise
        except BaseException as exc:
            if stopping.received() is not None:  # the signal's KeyboardInterrupt, wrapped on its way
                # (Python 3.11 turns what a class body's __set_name__ raises into a RuntimeError)
                raise KeyboardInterrupt from exc
            stopping.release()  # LESSONL_DEBUG's traceback: the caller's handlers go back first
            raise
    except KeyboardInterrupt:  # from one of the clauses above: the run's only one (see stopping)
        stopping.announce()
        status = 130
    try:
        status = stopping.finish(status)
    except KeyboardInterrupt:  # that only one, just before finish() took over
        status = stopping.finish(130)
    if usage_exit is not None:
        if status == usage_exit.code:
            raise usage_exit
        raise SystemExit(status) from None
    return status


def _exit_status(exc: SystemExit) -> int:
    if exc.code is None or isinstance(exc.code, int):
        return exc.code or 0
    print(exc.code, file=sys.stderr)  # what the interpreter would do with it
    exc.code = 1
    return 1


def _main(argv: Sequence[str] | None) -> int:
    if os.name == "nt":  # the judge needs POSIX process groups, resource limits and file locks
        print("lessonl: error: native Windows is not supported; run LessonL inside WSL2 (Linux), where "
              "the sandbox works too (see the README's Platforms section)", file=sys.stderr)
        return 2
    from ..errors import LessonLError

    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv[0] if argv else None)
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    if args.command == "serve":  # the language server has its own shutdown
        stopping.release()
    from . import failure

    try:
        return int(args.handler(args) or 0)
    except LessonLError as exc:
        return failure.report(args, exc, exc.exit_code)
    except KeyboardInterrupt:
        stopping.announce()
        return failure.report(args, None, 130, line="", message="cancelled")
    except BrokenPipeError:
        # `lessonl lessons show ID | head`: the reader left; nothing more to say to it.
        _silence_stdout()
        return 0
    except Exception as exc:  # our bug: one line a person can report, not a traceback
        if stopping.received() is not None:  # a signal's KeyboardInterrupt came back wrapped
            stopping.announce()
            return failure.report(args, None, 130, line="", message="cancelled")
        if os.environ.get("LESSONL_DEBUG"):
            raise
        line = (f"lessonl: internal error: {type(exc).__name__}: {exc} "
                "(please report it; set LESSONL_DEBUG=1 to see the traceback)")
        return failure.report(args, exc, 3, line=line, message=line.removeprefix("lessonl: "))


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
