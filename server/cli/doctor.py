"""`lessonl doctor [PATH]`: can every configured agent actually be used?

For each agent: is its endpoint reachable, is its model listed, does a one-token completion
work, and how long did that take. Agents naming a GGUF file get their managed server started
first, as a job would. Prints a table with what to fix; exits 0 when all is well and 3 when
any agent is broken (2 for a broken config), so scripts and CI can gate on it.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Sequence, TextIO

from . import stopping
from ..errors import ConfigError, LessonLError

EXIT_OK, EXIT_BROKEN = 0, 3


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "doctor", help="check that every configured agent (model endpoint) works",
        description="For each configured agent: endpoint reachable, model listed, a one-token completion "
                    "works, and its latency. Starts managed local models (model_path) as a job would.")
    parser.add_argument("path", metavar="PATH", nargs="?", default=".", help="a folder inside the repository")
    parser.add_argument("--agents", metavar="NAME,...", help="check only these agents")
    parser.add_argument("--timeout", type=float, default=60.0, metavar="S",
                        help="seconds to wait for each completion (default 60)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    parser.set_defaults(handler=handle)


@dataclass
class Report:
    source: str  # where the agents came from
    rows: list[Any] = field(default_factory=list)  # AgentHealth
    notes: list[str] = field(default_factory=list)
    relevance: str = ""  # the relevance backend's state, when it is not the model-free default
    relevance_ok: bool = True

    @property
    def ok(self) -> bool:
        return bool(self.rows) and all(r.ok for r in self.rows) and self.relevance_ok


def handle(args: argparse.Namespace) -> int:
    config, source = load_agents_config(Path(args.path))
    agents = list(config.agents)
    if args.agents:
        wanted = [n.strip() for n in args.agents.split(",") if n.strip()]
        unknown = [n for n in wanted if n not in {a.name for a in agents}]
        if unknown:
            raise ConfigError(f"no agent named {', '.join(unknown)}", key="agents",
                              hint="configured: " + ", ".join(a.name for a in agents))
        agents = [a for a in agents if a.name in wanted]
    report = stopping.run(diagnose(replace(config, agents=tuple(agents)), source, args.timeout))
    write(report, args.json, sys.stdout)
    return EXIT_OK if report.ok else EXIT_BROKEN


def load_agents_config(path: Path) -> tuple[Any, str]:
    """The repository's config, or the default agents when there is no config at all (doctor
    is the first thing to run on a new machine, before `lessonl init`)."""
    from ..config import find_root, load_config
    from ..config.loader import default_agents
    from ..config.model import BenchConfig, ProjectConfig, StepConfig
    from ..localmodel import with_embedded_default

    try:
        root = find_root(path)
    except ConfigError:
        root = None
    if root is not None:
        config = load_config(root)
        source = str(config.source_file)
    else:
        config = ProjectConfig(root=path.resolve(), source_file=path.resolve(), test=StepConfig("", 0),
                               bench=BenchConfig(""), agents=default_agents(), agents_from_defaults=True)
        source = "no lessonl.toml found: the default agents"
    return with_embedded_default(config), source


async def diagnose(config: Any, source: str, timeout: float = 60.0) -> Report:
    """Check every agent, starting the managed servers the config needs for as long as it takes."""
    from ..localmodel import (EMBEDDED_HINT, NO_LOCAL_MODEL_HINT, POOL, PortInUseError, bundled_model_path,
                              is_embedded, needs_server, spec_for)
    from ..localmodel.managed import port_error_for
    from ..localmodel.health import AgentHealth, Check, check_agent

    report = Report(source)
    if any(is_embedded(a) for a in config.agents):
        report.notes.append("no [[agents]] configured and the default endpoint does not answer: jobs use the "
                            "bundled tiny model. " + EMBEDDED_HINT)
    elif getattr(config, "agents_from_defaults", False):
        report.notes.append("no [[agents]] configured: these are the default agents"
                            + ("" if bundled_model_path() else "; " + NO_LOCAL_MODEL_HINT))
    held: list[Any] = []
    try:
        for index, agent in enumerate(config.agents):
            if not needs_server(agent):
                report.rows.append(await check_agent(agent, timeout=timeout))
                continue
            try:
                try:
                    server = await POOL.acquire(spec_for(agent, getattr(config, "root", None), index=index))
                except PortInUseError as taken:
                    raise port_error_for(taken, [(index, agent)]) from taken
            except LessonLError as exc:
                health = AgentHealth(agent.name, "", agent.model, managed=str(agent.model_path))
                health.checks = [Check("reachable", False, exc.message, exc.hint or ""),
                                 Check("model", None), Check("completion", None)]
                report.rows.append(health)
                continue
            held.append(server)
            pointed = replace(agent, base_url=server.base_url, model=server.model_name, api_key_env="")
            health = await check_agent(pointed, timeout=timeout)
            health.managed = f"{agent.model_path} (log: {server.log_path})"
            report.rows.append(health)
    finally:
        for server in held:
            await POOL.release(server)
    await asyncio.to_thread(check_relevance, config, report)
    return report


def check_relevance(config: Any, report: Report) -> None:
    """A backend other than lexical needs a model or an endpoint: score one lesson with it."""
    from lessonl_store import make_relevance
    from lessonl_store.records import Lesson

    from .. import storewiring  # noqa: F401  (the trust rule for the embeddings endpoint)

    settings = getattr(config, "relevance", None)
    backend = getattr(settings, "backend", "lexical") or "lexical"
    if backend == "lexical":
        return
    probe = Lesson(text="one pass over the data", outcome="faster", speedup=1.5, round=0, agent="doctor",
                   model="doctor", file="", qualified_name="", function_hash="")
    try:
        make_relevance(settings).scores("int f(int x) { return x; }", [probe])
    except LessonLError as exc:
        fix = f" -> {exc.hint}" if exc.hint else ""
        report.relevance, report.relevance_ok = f"{backend}: FAIL: {exc.message}{fix}", False
        return
    report.relevance = f"{backend}: ok"


# ---- output -----------------------------------------------------------------------------------
HEADERS = ("AGENT", "ENDPOINT", "REACHABLE", "MODEL", "1-TOKEN", "LATENCY")


def _mark(check: Any) -> str:
    return "-" if check.ok is None else ("ok" if check.ok else "FAIL")


def table_rows(rows: Sequence[Any]) -> list[tuple[str, ...]]:
    out = []
    for row in rows:
        marks = {c.name: _mark(c) for c in row.checks}
        latency = f"{row.latency_s * 1000:.0f} ms" if row.latency_s is not None else "-"
        endpoint = row.base_url or "(managed: not started)"
        out.append((row.agent, endpoint, marks.get("reachable", "-"), marks.get("model", "-"),
                    marks.get("completion", "-"), latency))
    return out


def write(report: Report, as_json: bool, out: TextIO) -> None:
    if as_json:
        rows = [{**asdict(r), "ok": r.ok} for r in report.rows]
        print(json.dumps({"ok": report.ok, "source": report.source, "agents": rows, "notes": report.notes,
                          "relevance": report.relevance}), file=out)
        return
    print(f"agents from {report.source}", file=out)
    body = table_rows(report.rows)
    widths = [max(len(h), *(len(r[i]) for r in body)) if body else len(h) for i, h in enumerate(HEADERS)]
    for line in (HEADERS, *body):
        print("  ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip(), file=out)
    fixes = [(r, r.first_problem()) for r in report.rows]
    if any(problem for _, problem in fixes):
        print("\nto fix:", file=out)
    for row, problem in fixes:
        if problem is not None:
            print(f"  {row.agent}: {problem.name}: {problem.detail}" + (f" -> {problem.fix}" if problem.fix else ""),
                  file=out)
    managed = [r for r in report.rows if r.managed]
    if managed:
        print("\nmanaged local models:", file=out)
    for row in managed:
        print(f"  {row.agent}: {row.managed}", file=out)
    if report.relevance:
        print(f"\nrelevance backend {report.relevance}", file=out)
    for note in report.notes:
        print(f"\nnote: {note}", file=out)
    if not report.rows:
        print("no agents to check", file=out)
    print("\nall agents ok" if report.ok else "\nsomething needs fixing (see above)", file=out)
