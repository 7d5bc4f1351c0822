"""`lessonl optimize FILE::FUNCTION`: run the loop with a live progress display.

Progress goes to stderr (one line per event) so that `--json` output on stdout stays clean.
Exit codes: 0 improved, 1 no verified improvement, 2 user error (config, target, baseline,
stale file), 3 agent or internal failure, 130 cancelled. Ctrl-C cancels cleanly: requests are
aborted, the judge's process groups killed, and lessons banked so far kept.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from . import failure, stopping
from .argtypes import non_negative, positive
from ..cancel import CancelToken
from ..errors import AgentError, BankError, Cancelled, ConfigError, LessonLError, TargetError
from ..records import ProgressEvent

EXIT_IMPROVED, EXIT_NO_IMPROVEMENT, EXIT_USER, EXIT_FAILURE, EXIT_CANCELLED = 0, 1, 2, 3, 130


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "optimize", help="make one function faster",
        description="Several LLM agents rewrite the function; every rewrite is built, tested and "
                    "timed against your own benchmarks; lessons learned steer the next round. "
                    "Shows the diff of the fastest verified rewrite.")
    parser.add_argument("target", metavar="FILE::FUNCTION",
                        help="e.g. src/kernels.cpp::matmul, or FILE::NAME@LINE for an overload")
    parser.add_argument("--rounds", type=positive, metavar="N", help="rounds (default from config, 4)")
    parser.add_argument("--k", type=non_negative, metavar="K", help="lessons per prompt (default 4)")
    parser.add_argument("--agents", metavar="NAME,...", help="use only these configured agents")
    parser.add_argument("--base-url", metavar="URL", help="one OpenAI-compatible endpoint for all agents")
    parser.add_argument("--model", metavar="M", help="one model for all agents (with --base-url)")
    parser.add_argument("--api-key-env", metavar="VAR", help="environment variable holding the API key")
    parser.add_argument("--json", action="store_true", help="print the result as JSON on stdout")
    parser.add_argument("--apply", action="store_true",
                        help="write the winning rewrite into the file (only if it is still applicable)")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    parser.add_argument("--no-profile", dest="profile", action="store_false",
                        help="leave the benchmark's profile (the function's hot lines) out of the prompts; "
                             "skips the profiling run ([profile] prompt = false does the same)")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    out, err = sys.stdout, sys.stderr
    try:
        request = build_request(args)
        result = run_with_ctrl_c(request, None if args.quiet else Display(err))
    except Cancelled as exc:
        stopping.announce("cancelled; lessons banked so far are kept")
        return failure.report(args, exc, EXIT_CANCELLED, line="")
    except Exception as exc:
        return engine_failure(args, exc, err)
    applied = None
    if args.apply and result.improved:
        from ..engine import apply_result
        try:
            applied = apply_result(result, request.root, allow_unisolated=_allows_unisolated(request))
        except LessonLError as exc:
            print(f"lessonl: not applied: {exc}", file=err)
            if args.json:
                print(json.dumps({**result.to_json(), "applied": False,
                                  **failure.error_object(exc, EXIT_USER)}, indent=2), file=out)
            return EXIT_USER
    if args.json:
        print(json.dumps({**result.to_json(), "applied": applied is not None}, indent=2), file=out)
    else:
        print_result(result, out, applied)
    return EXIT_IMPROVED if result.improved else EXIT_NO_IMPROVEMENT


def engine_failure(args: argparse.Namespace, exc: Exception, err: TextIO) -> int:
    """The exit code and message of an engine run that failed (Cancelled is handled before):
    3 for the models or the bank, the error's own code (else 2) for other LessonLErrors, and 3
    with one line, not a traceback, for our own bugs. Shared by optimize and batch."""
    if isinstance(exc, (AgentError, BankError)):
        return failure.report(args, exc, EXIT_FAILURE, err=err)
    if isinstance(exc, LessonLError):
        code = exc.exit_code if exc.exit_code in (EXIT_USER, EXIT_FAILURE, EXIT_CANCELLED) else EXIT_USER
        return failure.report(args, exc, code, err=err)
    line = f"lessonl: internal error: {type(exc).__name__}: {exc}"
    return failure.report(args, exc, EXIT_FAILURE, line=line, message=line.removeprefix("lessonl: "), err=err)


def _allows_unisolated(request: Any) -> bool:
    from ..config import load_config

    return bool(load_config(Path(request.root), request.overrides or None).sandbox.allow_unisolated)


def build_request(args: argparse.Namespace) -> Any:
    from ..code import parse_spec
    from ..config import find_root, load_config
    from ..config.placeholders import refuse_placeholders
    from ..engine import OptimizeRequest

    if "::" not in args.target:
        raise TargetError(f"{args.target!r} does not name a function",
                          hint="write FILE::FUNCTION, e.g. kernels.cpp::matmul")
    file, name, line = parse_spec(args.target)
    path = Path(file).expanduser()
    path = (path if path.is_absolute() else Path.cwd() / path).resolve()
    if not path.is_file():
        raise TargetError("no such file", file=file)
    root = find_root(path.parent)
    refuse_placeholders(root)
    overrides: dict[str, Any] = {}
    loop: dict[str, Any] = {}
    if args.rounds is not None:
        loop["rounds"] = args.rounds
    if args.k is not None:
        loop["k"] = args.k
    if loop:
        overrides["loop"] = loop
    if args.agents or args.base_url or args.model or args.api_key_env:
        config = load_config(root, overrides or None)
        overrides["agents"] = agent_overrides(config.agents, args)
    return OptimizeRequest(root=root, file_rel=path.relative_to(root).as_posix(), name=name, line=line,
                           overrides=overrides or None, use_profile=getattr(args, "profile", True))


def agent_overrides(agents: list[Any], args: argparse.Namespace) -> list[dict[str, Any]]:
    """The configured agents, filtered by --agents and pointed at --base-url/--model."""
    chosen = [_as_dict(a) for a in agents]
    from_repository = {a["name"] for a, raw in zip(chosen, agents) if getattr(raw, "from_repository", False)}
    if not chosen and args.base_url:  # nothing configured: the default three agents, on this endpoint
        from ..agents import DEFAULT_AGENTS

        chosen = [dict(a) for a in DEFAULT_AGENTS]
    if args.agents:
        wanted = [n.strip() for n in args.agents.split(",") if n.strip()]
        known = {a["name"]: a for a in chosen}
        missing = [n for n in wanted if n not in known]
        if missing:
            raise ConfigError(f"no agent named {', '.join(missing)}", key="agents",
                              hint=f"configured agents: {', '.join(known) or 'none'}")
        chosen = [known[n] for n in wanted]
    if (args.base_url is None) != (args.model is None):
        raise ConfigError("--base-url and --model go together", key="agents",
                          hint="give both to point every agent at one endpoint and model")
    for agent in chosen:
        if args.base_url:
            agent.update(base_url=args.base_url, model=args.model, preset="custom")
        if args.api_key_env is not None:
            agent["api_key_env"] = args.api_key_env
        if agent["name"] in from_repository and not args.base_url:
            _withhold_untrusted_key(agent)
    return chosen


def _withhold_untrusted_key(agent: dict[str, Any]) -> None:
    """Overrides count as the user's own agents, so an endpoint that came from the repository's
    config (not from --base-url) keeps the repository rule here: no API key to a host the user
    has not trusted."""
    import os

    from ..agents.trust import TRUSTED_HOSTS_ENV, trusted_endpoint

    key = agent.get("api_key_env")
    if key and not trusted_endpoint(agent.get("base_url", ""), agent.get("preset", ""), os.environ):
        agent["api_key_env"] = ""
        print(f"lessonl: warning: agent {agent['name']}: not sending ${key} to {agent.get('base_url')}, an "
              f"endpoint set by the repository's config; add its host to {TRUSTED_HOSTS_ENV} to allow it",
              file=sys.stderr)


def run_with_ctrl_c(request: Any, display: "Display | None") -> Any:
    """Run the engine; the first Ctrl-C (or SIGTERM) cancels it cleanly through its token, so
    requests are aborted and the judge kills its process groups; a second one interrupts at once.
    A signal at any point ends in Cancelled, even one that came after the engine's last check."""
    from ..engine import optimize

    cancel = CancelToken()

    def note() -> None:
        if display is not None:
            display.note("cancelling (Ctrl-C again to stop at once)...")

    return stopping.run(optimize(request, on_progress=display, cancel=cancel), cancel=cancel, on_stop=note)


class Display:
    """One line per event: what people watch while builds and timings run."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def note(self, text: str) -> None:
        print(f"lessonl: {text}", file=self.stream, flush=True)

    def __call__(self, event: ProgressEvent) -> None:
        line = self.render(event)
        if line:
            print(line, file=self.stream, flush=True)

    @staticmethod
    def render(event: ProgressEvent) -> str:
        if event.kind == "started":
            return f"lessonl: {event.message}"
        if event.kind == "round_started":
            return event.message or f"round {event.round + 1}/{event.rounds}"
        if event.kind == "candidate_judged":
            speed = f" {event.speedup:.2f}x" if event.speedup is not None else ""
            best = f"   best {event.best_speedup:.2f}x" if event.best_speedup else ""
            return (f"  [{event.judged}/{event.total}] round {event.round + 1}  {event.agent:<14} "
                    f"{event.outcome.replace('_', ' ')}{speed}{best}")
        if event.kind == "warning":
            return f"  warning: {event.message}"
        if event.kind in ("profiling", "profiled"):
            return f"  {event.message}"
        if event.kind == "finished":
            return f"lessonl: {event.message}"
        return ""  # lesson_banked: shown in the summary


def print_result(result: Any, out: TextIO, applied: Path | None) -> None:
    ref = result.target
    print(file=out)
    if result.improved:
        print(result.diff.rstrip("\n"), file=out)
        print(file=out)
        low, high = result.ci or (result.speedup, result.speedup)
        print(f"Verdict: {ref.qualified_name} is {result.speedup:.2f}x faster "
              f"(95% interval {low:.2f}x to {high:.2f}x), verified by your build, tests and benchmark.",
              file=out)
        verdict = result.best.verdict
        if verdict.case_regressions:
            print(f"  {verdict.message}", file=out)
        if verdict.behaviour is not None:
            print(f"  {verdict.behaviour.summary()}", file=out)
    else:
        print(f"Verdict: no verified improvement for {ref.qualified_name}: {result.message}", file=out)
    if result.justifying_lessons:
        print("\nLessons behind it:", file=out)
        for lesson in result.justifying_lessons:
            speed = f", {lesson.speedup:.2f}x" if lesson.speedup else ""
            print(f"  - [{lesson.outcome.replace('_', ' ')}{speed}, {lesson.agent}, round {lesson.round + 1}] "
                  f"{lesson.text}", file=out)
    tokens = result.tokens
    print(f"\n{len(result.attempts)} attempts in {result.rounds} rounds, {result.wall_s:.1f} s, "
          f"{tokens.requests} LLM requests ({tokens.prompt_tokens} prompt + {tokens.completion_tokens} "
          f"completion tokens)", file=out)
    if applied is not None:
        print(f"Applied to {applied}.", file=out)
    elif result.improved:
        print("Not applied; run again with --apply, or apply the diff yourself.", file=out)


def _as_dict(agent: Any) -> dict[str, Any]:
    """An agent as an override; the loader drops loader-set fields and unset (None) values."""
    return dataclasses.asdict(agent) if dataclasses.is_dataclass(agent) else dict(agent)
