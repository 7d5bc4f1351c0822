"""`lessonl hotspots`: where the benchmark's time goes, by function.

Runs the configured benchmark (and with --tests the tests) under a profiler in a scratch copy,
ranks the functions the locator finds by their share of the run, prints a table (or --json for
tools) and keeps the result in the bank folder (`.lessonl/hotspots.json`) with the commit and
file hashes it was measured on. `--saved` prints the kept figures without profiling, saying
which files changed since. Progress lines go to stderr.
Exit codes: 0 ok, 2 user error (config, baseline, profiler), 3 internal failure, 130 cancelled.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from . import failure, stopping
from .argtypes import positive
from ..cancel import CancelToken
from ..errors import Cancelled, LessonLError, TargetError

EXIT_OK, EXIT_USER, EXIT_FAILURE, EXIT_CANCELLED = 0, 2, 3, 130
PROFILERS = ("auto", "perf", "callgrind", "cprofile")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "hotspots", help="rank functions by their share of the benchmark's time",
        description="Run the configured benchmark under a profiler (perf or callgrind for C/C++, cProfile "
                    "for Python) in a scratch copy and rank the repository's functions by their share of "
                    "its time, inclusive (with what they call) and self. The result is kept in .lessonl/ "
                    "with the commit and file hashes it was measured on.")
    parser.add_argument("-C", "--root", metavar="DIR", default=".",
                        help="the repository (default: the folder holding lessonl.toml above the current one)")
    parser.add_argument("--json", action="store_true", help="print the hotspots as JSON on stdout")
    parser.add_argument("--tests", action="store_true", help="profile the tests as well as the benchmark")
    parser.add_argument("--profiler", choices=PROFILERS, default="auto",
                        help="auto: perf for C/C++ (callgrind if perf cannot run), cProfile for Python")
    parser.add_argument("--top", type=positive, default=15, metavar="N", help="functions to show (default 15)")
    parser.add_argument("--lines", action="append", default=[], metavar="FILE::FUNC",
                        help="also show the hot lines and callers of this function (repeatable)")
    parser.add_argument("--saved", action="store_true",
                        help="show the kept figures without profiling (and which files changed since)")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    out, err = sys.stdout, sys.stderr
    try:
        hotspots, root, stale = _measure(args, err)
    except Cancelled as exc:
        stopping.announce("cancelled")
        return failure.report(args, exc, EXIT_CANCELLED, line="")
    except LessonLError as exc:
        code = exc.exit_code if exc.exit_code in (EXIT_USER, EXIT_FAILURE, EXIT_CANCELLED) else EXIT_USER
        return failure.report(args, exc, code, err=err)
    except Exception as exc:  # our bug: one line, not a traceback
        line = f"lessonl: internal error: {type(exc).__name__}: {exc}"
        return failure.report(args, exc, EXIT_FAILURE, line=line, message=line.removeprefix("lessonl: "), err=err)
    if args.json:
        data = hotspots.to_json()
        data["functions"] = data["functions"][:args.top] + [
            f for f in data["functions"][args.top:] if any(_names(f["file"], f["qualified_name"], s) for s in args.lines)]
        data["stale_files"] = stale
        print(json.dumps(data, indent=2, ensure_ascii=False), file=out)
        return EXIT_OK
    render(hotspots, stale, args.top, args.lines, out)
    return EXIT_OK


def _measure(args: argparse.Namespace, err: TextIO) -> tuple[Any, Path, list[str]]:
    from ..config import find_root, load_config
    from ..profile import bank_dir_for, load_hotspots, save_hotspots, stale_files

    start = Path(args.root).resolve()
    if not start.is_dir():
        raise TargetError("is not a folder", file=args.root, hint="give the repository's folder with -C")
    root = find_root(start)
    config = load_config(root)
    lines_for = [_spec(root, s) for s in args.lines] or None
    bank = bank_dir_for(root, config)
    if args.saved:
        hotspots = load_hotspots(bank)
        if hotspots is None:
            raise TargetError("no hotspots are kept for this repository yet", file=str(bank / "hotspots.json"),
                              hint="run `lessonl hotspots` (without --saved) to measure them")
        return hotspots, root, stale_files(root, hotspots)
    from ..profile import profile_benchmark

    cancel = CancelToken()

    def log(text: str) -> None:
        if not args.quiet:
            print(f"lessonl: {text}", file=err, flush=True)

    def note() -> None:
        log("cancelling (Ctrl-C again to stop at once)...")

    work = profile_benchmark(root, config, tests=args.tests, profiler=args.profiler, lines_for=lines_for,
                             cancel=cancel, log=log)
    hotspots = stopping.run(work, cancel=cancel, on_stop=note)
    save_hotspots(bank, hotspots)  # a whole-benchmark run, --lines or not: the new ranking
    return hotspots, root, stale_files(root, hotspots)


def _spec(root: Path, text: str) -> tuple[str, str]:
    file, sep, name = text.partition("::")
    if not sep or not file or not name:
        raise TargetError(f"--lines wants FILE::FUNCTION, got {text!r}", hint="e.g. --lines src/k.cpp::matmul")
    path = Path(file)
    path = path if path.is_absolute() else Path.cwd() / path
    if not path.exists():
        path = root / file
    try:
        rel = path.resolve().relative_to(root).as_posix()
    except ValueError:
        raise TargetError(f"{file} is outside the repository {root}", file=file) from None
    return rel, name.split("@", 1)[0]


def _names(file: str, name: str, spec: str) -> bool:
    f, _, n = spec.partition("::")
    return n.split("@", 1)[0] == name and (file == f or file.endswith("/" + f.lstrip("./")) or f.endswith(file))


def render(hotspots: Any, stale: list[str], top: int, lines: list[str], out: TextIO) -> None:
    """The table people read: rank, inclusive and self share, function, file:line."""
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(hotspots.measured_at))
    commit = f" at {hotspots.commit[:10]}" if hotspots.commit else ""
    print(f"Hotspots of `{hotspots.command}`{' (with the tests)' if hotspots.tests_included else ''}", file=out)
    print(f"profiler: {hotspots.profiler} ({hotspots.total_samples} {hotspots.unit}), run {hotspots.wall_s:.2f} s, "
          f"measured {when}{commit}", file=out)
    if stale:
        print(f"STALE: changed since measured: {', '.join(stale)} (run `lessonl hotspots` again)", file=out)
    for warning in hotspots.warnings:
        print(f"warning: {warning}", file=out)
    shown = hotspots.functions[:top]
    if not shown:
        print("no time was spent in functions of this repository", file=out)
    else:
        name_width = min(44, max(len(f.qualified_name) for f in shown))
        print(f"\n{'#':>3}  {'incl':>6}  {'self':>6}  {'function':<{name_width}}  where", file=out)
        for rank, f in enumerate(shown, 1):
            flag = " *" if f.file in stale else ""
            print(f"{rank:>3}  {f.inclusive_share * 100:5.1f}%  {f.self_share * 100:5.1f}%  "
                  f"{f.qualified_name:<{name_width}}  {f.file}:{f.start_line}{flag}", file=out)
    if hotspots.unmapped:
        print("\nnot in the repository's functions (self share):", file=out)
        for u in hotspots.unmapped[:8]:
            print(f"     {u.share * 100:5.1f}%  {u.symbol[:60]}  ({u.reason})", file=out)
    wanted = [f for f in hotspots.functions if any(_names(f.file, f.qualified_name, s) for s in lines)] if lines \
        else [f for f in shown if f.lines]
    for f in wanted:
        print(f"\n{f.qualified_name} ({f.file}:{f.start_line}-{f.end_line}): "
              f"{f.inclusive_share * 100:.1f}% of the run", file=out)
        if not f.lines:
            print("   no line figures", file=out)
        for line in sorted(f.lines, key=lambda x: -x.share)[:8]:
            print(f"   {line.line:>5}  {line.share * 100:5.1f}%  {line.text.strip()[:80]}", file=out)
        for caller in f.callers:
            loop = ", in a loop" if caller.in_loop else ""
            print(f"   called from {caller.qualified_name} ({caller.file}): {caller.share * 100:.0f}%{loop}", file=out)
