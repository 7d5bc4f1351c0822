"""`lessonl batch [--top N | FILE::FUNCTION ...]`: optimize several functions in one go, judge the
wins together on the whole benchmark, and write a report (Markdown, JSON, HTML).

Progress goes to stderr, one line per event, each naming its function. Exit codes as
`optimize`: 0 at least one verified win, 1 none, 2 user error (config, targets, nothing found),
3 agent or internal failure (every function failed so), 130 cancelled (the report of what
finished is still written). `--apply` writes the wins only at the end, only where the function is
unchanged; `--patch DIR` writes one patch per win instead (or as well).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from . import failure, stopping
from .argtypes import non_negative, positive
from .optimize import (EXIT_CANCELLED, EXIT_FAILURE, EXIT_IMPROVED, EXIT_NO_IMPROVEMENT, EXIT_USER, Display,
                       _allows_unisolated, agent_overrides, engine_failure)
from ..cancel import CancelToken
from ..errors import Cancelled, TargetError
from ..records import ProgressEvent


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "batch", help="optimize the hottest (or named) functions in one go, with a report",
        description="Optimizes the N hottest functions of your benchmark's profile (or the functions "
                    "named), one lesson bank for all, then judges the verified wins together on the whole "
                    "benchmark and writes a report (Markdown, JSON, HTML). A second run skips functions "
                    "already done on unchanged code.")
    parser.add_argument("targets", metavar="FILE::FUNCTION", nargs="*",
                        help="functions to optimize (default: the --top N hottest of the profile)")
    parser.add_argument("--top", type=positive, metavar="N", help="the N hottest functions (default 3)")
    parser.add_argument("-C", "--root", metavar="PATH", default=None,
                        help="a folder inside the repository (default: the targets' or the current folder)")
    parser.add_argument("--rounds", type=positive, metavar="R", help="rounds per function (default from config)")
    parser.add_argument("--k", type=non_negative, metavar="K", help="lessons per prompt (default 4)")
    parser.add_argument("--jobs", type=positive, metavar="J", default=3,
                        help="functions in flight at once (default 3; timings never overlap)")
    parser.add_argument("--agents", metavar="NAME,...", help="use only these configured agents")
    parser.add_argument("--base-url", metavar="URL", help="one OpenAI-compatible endpoint for all agents")
    parser.add_argument("--model", metavar="M", help="one model for all agents (with --base-url)")
    parser.add_argument("--api-key-env", metavar="VAR", help="environment variable holding the API key")
    parser.add_argument("--set", metavar="KEY=VALUE", action="append", default=[],
                        help="override a config setting (repeatable)")
    parser.add_argument("--report", metavar="PATH", help="report path (default .lessonl/batch/report.{md,json,html})")
    parser.add_argument("--apply", action="store_true",
                        help="at the end, write the verified wins where the function is unchanged")
    parser.add_argument("--patch", metavar="DIR", help="write one patch per win into DIR (patch -p1)")
    parser.add_argument("--no-resume", action="store_true", help="optimize again functions done on unchanged code")
    parser.add_argument("--no-combine", action="store_true", help="do not judge the wins together at the end")
    parser.add_argument("--no-profile", dest="profile", action="store_false",
                        help="leave each function's hot lines out of the prompts ([profile] prompt = false)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON on stdout")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    ray = parser.add_argument_group("Ray (pip install 'lessonl[ray]')")
    ray.add_argument("--ray", metavar="ADDRESS",
                     help="run each function as a task on the Ray cluster at ADDRESS (HOST:PORT, as `ray start "
                          "--head` prints it); nodes need --resources='{\"lessonl_timing\": 1}'")
    ray.add_argument("--git", metavar="URL@COMMIT",
                     help="with --ray: nodes check out this commit instead of receiving the repository")
    ray.add_argument("--ray-retries", type=non_negative, metavar="N", default=2,
                     help="with --ray: re-runs of a task whose worker died (default 2)")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    out, err = sys.stdout, sys.stderr
    request = None
    try:
        request = build_request(args)
        display = None if args.quiet else BatchDisplay(err)
        result = run_with_ctrl_c(request, display)
    except Cancelled as exc:
        stopping.announce("cancelled; lessons banked so far are kept, the report says what finished")
        return failure.report(args, exc, EXIT_CANCELLED, line="")
    except Exception as exc:
        return engine_failure(args, exc, err)
    from ..engine.batch_apply import apply_wins, write_patches

    patches = write_patches(result, Path(args.patch)) if args.patch else []
    written = apply_wins(result, request.root, _allows_unisolated(request)) if args.apply else []
    if args.json:
        print(json.dumps({**result.to_json(), "patches": [str(p) for p in patches],
                          "applied": [w.to_json() for w in written]}, indent=2), file=out)
    else:
        print_summary(result, out, patches, written)
    return exit_status(result)


def exit_status(result: Any) -> int:
    if result.cancelled:
        return EXIT_CANCELLED
    if any(item.status == "won" or item.is_win for item in result.items):
        return EXIT_IMPROVED
    failed = [item for item in result.items if item.status == "failed"]
    if failed and len(failed) == len(result.items):  # nothing ran to its end: say why by the status
        return EXIT_FAILURE if any(item.exit_code == EXIT_FAILURE for item in failed) else EXIT_USER
    return EXIT_NO_IMPROVEMENT


def build_request(args: argparse.Namespace) -> Any:
    from ..code import parse_spec
    from ..config import find_root, load_config
    from ..config.overrides import parse_overrides
    from ..engine.batch_request import BatchRequest

    if args.git and not args.ray:
        raise TargetError("--git needs --ray ADDRESS", key="--git",
                          hint="lessonl batch --ray HOST:PORT --git URL@COMMIT ...")
    if args.targets and args.top is not None:
        raise TargetError("give either --top N or functions, not both",
                          hint="lessonl batch --top 3, or lessonl batch FILE::FUNCTION ...")
    specs = []
    for text in args.targets:
        if "::" not in text:
            raise TargetError(f"{text!r} does not name a function", hint="write FILE::FUNCTION, e.g. kernels.cpp::matmul")
        file, name, line = parse_spec(text)
        path = Path(file).expanduser()
        specs.append(((path if path.is_absolute() else Path.cwd() / path).resolve(), name, line))
    start = Path(args.root).expanduser().resolve() if args.root else (specs[0][0].parent if specs else Path.cwd())
    root = find_root(start)
    targets = None
    if specs:
        targets = []
        for path, name, line in specs:
            if not path.is_relative_to(root):
                raise TargetError(f"{path} is outside the repository {root}", file=str(path),
                                  hint="a batch optimizes functions of one repository")
            targets.append((path.relative_to(root).as_posix(), name + (f"@{line}" if line else "")))
    overrides: dict[str, Any] = parse_overrides(args.set)
    if args.k is not None:
        overrides["loop"] = {**overrides.get("loop", {}), "k": args.k}
    if not args.profile:
        overrides["profile"] = {**overrides.get("profile", {}), "prompt": False}
    if args.agents or args.base_url or args.model or args.api_key_env:
        overrides["agents"] = agent_overrides(load_config(root, overrides or None).agents, args)
    return BatchRequest(root=root, targets=targets, top=args.top or 3, rounds=args.rounds,
                        overrides=overrides or None, jobs=args.jobs,
                        report=Path(args.report).expanduser().resolve() if args.report else None,
                        resume=not args.no_resume, combine=not args.no_combine,
                        ray_address=args.ray, ray_git=args.git, ray_retries=args.ray_retries)


def run_with_ctrl_c(request: Any, display: "BatchDisplay | None") -> Any:
    """As optimize's: the first Ctrl-C cancels through the token (the report is still written),
    a second one stops at once."""
    from ..engine.batch import run_batch

    cancel = CancelToken()

    def note() -> None:
        if display is not None:
            display.note("cancelling (Ctrl-C again to stop at once)...")

    return stopping.run(run_batch(request, on_progress=display, cancel=cancel), cancel=cancel, on_stop=note)


class BatchDisplay(Display):
    """optimize's lines, each prefixed with its function; the batch's own events in between."""

    def __call__(self, event: ProgressEvent) -> None:
        line = self.render_batch(event)
        if line:
            print(line, file=self.stream, flush=True)

    @classmethod
    def render_batch(cls, event: ProgressEvent) -> str:
        if event.kind.startswith(("batch_", "function_", "combine")):
            name = f"{event.function}: " if event.function else ""
            counter = f"[{event.judged}/{event.total}] " if event.total and event.kind.startswith("function_") else ""
            return f"lessonl: {counter}{name}{event.message}" if event.message or name else ""
        line = cls.render(event)
        if not line or not event.function:
            return line
        return f"{line[:len(line) - len(line.lstrip())]}{event.function}: {line.lstrip()}"


def print_summary(result: Any, out: TextIO, patches: list[Path], written: list[Any]) -> None:
    from ..engine.batch_report import speed_words, verdict_words

    print(file=out)
    width = max((len(i.key) for i in result.items), default=10)
    for item in result.items:
        speed, ci = speed_words(item)
        extra = f"  {speed} ({ci})" if speed != "-" else ""
        why = f"  {item.message}" if item.status in ("failed", "cancelled") and item.message else ""
        where = f"  on {item.node}" + (f" ({len(item.attempts)} attempts)" if len(item.attempts) > 1 else "") \
            if item.attempts else ""  # a Ray batch: the node that timed its verdicts
        print(f"  {item.key:<{width}}  {verdict_words(item)}{extra}{why}{where}", file=out)
    print(file=out)
    print(f"Together: {result.combined.message or 'not judged'}", file=out)
    for key, why in result.combined.conflicts.items():
        print(f"  conflict: {key}: {why}", file=out)
    for agent in result.agents:
        print(f"  agent {agent.agent} ({agent.model}): {agent.attempts} attempts, {agent.wins} verified faster, "
              f"{agent.prompt_tokens + agent.completion_tokens} tokens, {agent.time_s:.1f} s judging", file=out)
    for warning in result.warnings:
        print(f"  warning: {warning}", file=out)
    for path in patches:
        print(f"Patch: {path}", file=out)
    for entry in written:
        print(f"Applied {entry.key} to {entry.path}." if entry.path else f"Not applied {entry.key}: {entry.reason}",
              file=out)
    if result.report_paths:
        print(f"Report: {result.report_paths.get('md')} (also .json, .html); {result.wall_s:.1f} s", file=out)
