"""Load and validate a repository's configuration into a ProjectConfig."""
from __future__ import annotations

import copy
import os
from dataclasses import replace
from pathlib import Path
from typing import Any, Mapping

from ..agents.defaults import DEFAULT_AGENTS
from ..errors import ConfigError
from .model import (AgentConfig, BankConfig, BenchConfig, CheckConfig, CodeConfig, LoopConfig, ProfileConfig,
                    ProjectConfig, PythonConfig,
                    RelevanceConfig, SandboxConfig, ScratchConfig, StepConfig, TimingConfig)
from .positions import TomlPositions
from .presets import preset_base_url
from .schema import (REQUIRED_SECTIONS, SECTIONS, TOP_LEVEL_SPECIAL, Field, Problem, _suggest,
                     check_agents, check_bank, check_bench_regex, check_bench_usage, check_check, check_table, check_timing,
                     check_value, dotted)
from .source import ConfigSource, parse_toml, read_source, select_prefix


def deep_merge(base: Mapping[str, Any], overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    """Overrides win; nested tables merge; lists (e.g. agents) replace."""
    out = copy.deepcopy(dict(base))
    for key, value in (overrides or {}).items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def resolve_preset_url(preset: str) -> str:
    return preset_base_url(preset)


def validate(data: Mapping[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    """All problems of a parsed config, plus the normalised tables (defaults filled in)."""
    problems: list[Problem] = []
    tables: dict[str, Any] = {}
    known = [*SECTIONS, *TOP_LEVEL_SPECIAL]
    for key in data:
        if key not in known:
            problems.append(Problem((key,), f"unknown section '{key}'; " + _suggest(key, known), at_key=True))
    for name, fields in SECTIONS.items():
        if name not in data:
            if name in REQUIRED_SECTIONS:
                problems.append(Problem((), f"missing [{name}] with a command: "
                                        + fields["command"].help))
            tables[name] = None if name == "build" else {k: f.default for k, f in fields.items()}
            continue
        tables[name], found = check_table((name,), data[name], fields)
        problems.extend(found)
    tables["env"], found = check_value(("env",), data.get("env", {}), Field("env_map", {}))
    problems.extend(found)
    if tables.get("bench"):
        problems.extend(check_bench_regex(tables["bench"]))
        problems.extend(check_bench_usage(tables["bench"]))
    problems.extend(check_timing(tables["timing"]))
    problems.extend(check_check(tables["check"]))
    problems.extend(check_bank(tables["bank"]))
    tables["agents"] = None
    if "agents" in data:
        tables["agents"], found = check_agents(data["agents"], resolve_preset_url)
        problems.extend(found)
    if tables["relevance"]["backend"] == "embeddings" and not (tables["relevance"]["base_url"] and tables["relevance"]["model"]):
        problems.append(Problem(("relevance", "backend"), "backend \"embeddings\" needs relevance.base_url and "
                                "relevance.model (an OpenAI-compatible embeddings endpoint)"))
    return tables, problems


def default_agents(env: Mapping[str, str] = os.environ) -> tuple[AgentConfig, ...]:
    """The reference's three agents, pointed at LESSONL_BASE_URL / LESSONL_MODEL when set."""
    agents = []
    for raw in DEFAULT_AGENTS:
        raw = dict(raw)
        if env.get("LESSONL_BASE_URL"):
            raw["base_url"], raw["preset"] = env["LESSONL_BASE_URL"], "custom"
        if env.get("LESSONL_MODEL"):
            raw["model"] = env["LESSONL_MODEL"]
        agents.append(AgentConfig(**{k: v for k, v in raw.items() if k in AgentConfig.__dataclass_fields__}))
    return tuple(agents)


def build_config(root: Path, source_file: Path, tables: Mapping[str, Any],
                 agents_from_repository: bool = True) -> ProjectConfig:
    bench = dict(tables["bench"])
    bench["functions"] = dict(bench.get("functions") or {})
    agents = tables.get("agents")
    return ProjectConfig(
        root=root,
        source_file=source_file,
        build=StepConfig(**tables["build"]) if tables.get("build") else None,
        test=StepConfig(**tables["test"]),
        bench=BenchConfig(**bench),
        timing=TimingConfig(**tables["timing"]),
        scratch=ScratchConfig(exclude=tuple(tables["scratch"]["exclude"])),
        env=dict(tables["env"]),
        sandbox=SandboxConfig(**{**tables["sandbox"], "pass_env": tuple(tables["sandbox"]["pass_env"] or ()),
                                 "expose": tuple(tables["sandbox"]["expose"] or ())}),
        code=CodeConfig(**tables["code"]),
        python=PythonConfig(**tables["python"]),
        check=CheckConfig(**{**tables["check"], "lengths": dict(tables["check"]["lengths"] or {}),
                             "sanitizers": tuple(tables["check"]["sanitizers"] or ()),
                             "ignore": tuple(tables["check"]["ignore"] or ())}),
        loop=LoopConfig(**tables["loop"]),
        relevance=RelevanceConfig(**tables["relevance"]),
        bank=BankConfig(**tables["bank"]),
        profile=ProfileConfig(**tables["profile"]),
        agents=(tuple(AgentConfig(**a, from_repository=agents_from_repository) for a in agents)
                if agents else default_agents()),
        agents_from_defaults=not agents,
    )


def problem_to_error(problem: Problem, source: ConfigSource, positions: TomlPositions,
                     from_overrides: bool) -> ConfigError:
    key = dotted(problem.path) or None
    if from_overrides:
        return ConfigError(problem.message, file="settings (overrides)", key=key)
    pos = positions.find(problem.path, problem.at_key)
    if pos is None:
        return ConfigError(problem.message, file=str(source.path), line=1, key=key, column=1, end_column=2)
    return ConfigError(problem.message, file=str(source.path), line=pos.line, key=key,
                       column=pos.column, end_column=pos.end_column)


def _touches_overrides(path: tuple, overrides: Mapping[str, Any] | None) -> bool:
    node: Any = overrides or {}
    for part in path:
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int):
            return True  # a list from the overrides replaced the file's one
        else:
            return False
    return bool(path)


def load_config(root: str | Path, overrides: Mapping[str, Any] | None = None) -> ProjectConfig:
    """Read, merge overrides, validate; raise the first problem as a ConfigError."""
    root = Path(root).resolve()
    source = read_source(root)
    data = select_prefix(parse_toml(source.path, source.text), source.prefix)
    overrides = _without_origin_marks(overrides)
    merged = deep_merge(data, overrides)
    tables, problems = validate(merged)
    problems = [p for p in problems if p.severity == "error"]  # warnings are for the editor and `check`
    if problems:
        positions = TomlPositions(source.text, source.prefix)
        errors = [problem_to_error(p, source, positions, _touches_overrides(p.path, overrides)) for p in problems]
        # the first in reading order (a bad override, having no line, before the file's problems)
        raise min(errors, key=lambda e: (e.line or 0, e.column or 0))
    config = build_config(root, source.path, tables, agents_from_repository="agents" not in (overrides or {}))
    config = _mark_repository_relevance(config, data.get("relevance"))
    return _mark_repository_agents(config, data.get("agents"))


def _mark_repository_relevance(config: ProjectConfig, file_relevance: Any) -> ProjectConfig:
    """An embeddings endpoint named by the repository's file (and not replaced by the user's
    settings) may not receive the user's API key unless its host is trusted, as for agents."""
    file_url = str(file_relevance.get("base_url", "")).rstrip("/") if isinstance(file_relevance, Mapping) else ""
    if not file_url or config.relevance.base_url.rstrip("/") != file_url:
        return config
    return replace(config, relevance=replace(config.relevance, from_repository=True))


def _without_origin_marks(overrides: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    """Agents handed back as overrides (e.g. AgentConfig dicts) may carry `from_repository`:
    it is not a setting, and nobody may set it; the loader decides it below. None means unset."""
    if not overrides or not isinstance(overrides.get("agents"), list):
        return overrides
    agents = [{k: v for k, v in a.items() if k != "from_repository" and v is not None}
              if isinstance(a, Mapping) else a for a in overrides["agents"]]
    return {**overrides, "agents": agents}


def _mark_repository_agents(config: ProjectConfig, file_agents: Any) -> ProjectConfig:
    """An override agent that repeats one of the repository's (same name or same endpoint) is
    still the repository's: passing the file's agents back as settings must not turn them into
    the user's own and so unlock the user's API keys for the repository's chosen host."""
    if not isinstance(file_agents, list) or config.agents_from_defaults:
        return config
    names = {a.get("name") for a in file_agents if isinstance(a, Mapping) and a.get("name")}
    urls = {str(a.get("base_url", "")).rstrip("/") for a in file_agents if isinstance(a, Mapping) and a.get("base_url")}
    agents = tuple(replace(a, from_repository=True)
                   if not a.from_repository and (a.name in names or a.base_url.rstrip("/") in urls) else a
                   for a in config.agents)
    return replace(config, agents=agents)
