"""What a valid configuration looks like, and the checks that say what is wrong with one.

One table drives both `load_config` (first error raised) and editor diagnostics (all errors),
so the two can never disagree.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any, Callable

from .presets import PRESETS

BENCH_FORMATS = ("google-benchmark", "pytest-benchmark", "regex", "wall")
UNITS = ("s", "ms", "us", "ns")
RELEVANCE_BACKENDS = ("lexical", "embeddings", "local")

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class Field:
    kind: str  # str | int | number | bool | str_list | str_map | env_map
    default: Any = None
    required: bool = False
    choices: tuple[str, ...] = ()
    minimum: float | None = None  # inclusive
    positive: bool = False
    maximum: float | None = None
    help: str = ""


def _f(kind: str, default: Any = None, **kw: Any) -> Field:
    return Field(kind, default, **kw)


SECTIONS: dict[str, dict[str, Field]] = {
    "build": {
        "command": _f("str", required=True, help="the shell command that builds the code, e.g. \"make -s all\""),
        "timeout": _f("number", 120.0, positive=True),
    },
    "test": {
        "command": _f("str", required=True, help="the shell command whose exit status 0 means correct"),
        "timeout": _f("number", 60.0, positive=True),
    },
    "bench": {
        "command": _f("str", required=True, help="the benchmark command; {function} selects one function"),
        "format": _f("str", "google-benchmark", choices=BENCH_FORMATS),
        "regex": _f("str", None),
        "unit": _f("str", "s", choices=UNITS),
        "timeout": _f("number", 120.0, positive=True),
        "functions": _f("str_map", {}),
    },
    "timing": {
        "min_runs": _f("int", 6, minimum=2),  # fewer than 6 rounds allow no 95% interval (raised to 6)
        "max_runs": _f("int", 200, minimum=2),
        "budget": _f("number", 20.0, positive=True),
        # obsolete: timing now stops when the decision is made (see check_timing); kept so that
        # old files still load, with a warning
        "target_ci_width": _f("number", None, positive=True, maximum=1.0),
        "min_effect": _f("number", 0.03, minimum=0.0, maximum=1.0),
        # false: a candidate that makes any benchmark case slower is never "faster"
        "allow_case_regressions": _f("bool", True),
    },
    "scratch": {"exclude": _f("str_list", [])},
    "sandbox": {
        "memory_mb": _f("int", 4096, positive=True),
        "cpu_seconds": _f("int", 600, positive=True),
        "file_size_mb": _f("int", 1024, positive=True),
        "processes": _f("int", 256, positive=True),
        "network": _f("bool", False),
        "isolation": _f("bool", True),
        "allow_unisolated": _f("bool", False),
        "pass_env": _f("str_list", []),
        "expose": _f("str_list", []),
    },
    "code": {"standard": _f("str", ""), "flags": _f("str", "")},
    # what {python} means: this interpreter; else the editor's choice (set by the language
    # server), else the repository's virtual environment, else the one running LessonL
    "python": {"interpreter": _f("str", ""), "editor_interpreter": _f("str", "")},
    "check": {
        # the behaviour check: original and rewrite run side by side on every call of the tests
        # and the benchmark (lessonl.behaviour)
        "behaviour": _f("bool", True),
        "rtol": _f("number", 1e-9, minimum=0.0, maximum=1.0),
        "atol": _f("number", 1e-12, minimum=0.0),
        "rtol_f32": _f("number", 1e-4, minimum=0.0, maximum=1.0),
        "atol_f32": _f("number", 1e-6, minimum=0.0),
        "max_calls": _f("int", 100_000, minimum=1),
        "lengths": _f("str_map", {}),
        "ignore": _f("str_list", []),
        "sanitizers": _f("str_list", []),
        "sanitizer_command": _f("str", ""),
    },
    "loop": {
        "rounds": _f("int", 4, minimum=1),
        "k": _f("int", 4, minimum=0),
        "temperature": _f("number", 0.2, minimum=0.0, maximum=2.0),
        "lesson_temperature": _f("number", 0.2, minimum=0.0, maximum=2.0),
        "lesson_max_tokens": _f("int", 250, minimum=16),
        "significant_speedup": _f("number", 1.1, minimum=1.0),
        "run_timeout": _f("number", 300.0, positive=True),
    },
    "relevance": {
        "backend": _f("str", "lexical", choices=RELEVANCE_BACKENDS),
        "base_url": _f("str", ""),
        "model": _f("str", ""),
        "api_key_env": _f("str", ""),
        # Lessons of OTHER functions must score at least this to be candidates; unset: the
        # backend's calibrated floor (lessonl_store: lexical 0.12, local and embeddings 0.44).
        "floor": _f("number", None, minimum=-1.0, maximum=1.0),
    },
    # url: a team's shared bank (postgresql://user@host/db; the password only from the
    # environment: PGPASSWORD, LESSONL_BANK_URL or the editor's secret storage); share: selection
    # also draws on the other repositories' lessons in that database; repository: this
    # repository's id there (default: its git remote URL, normalised)
    "bank": {"path": _f("str", ".lessonl"), "url": _f("str", ""), "share": _f("bool", False),
             "repository": _f("str", "")},
    # the profile of the user's benchmark (lessonl.profile); `prompt`: the code prompt shows the
    # function's share of the time and its hot lines (false: prompts without it, an ablation)
    "profile": {
        "prompt": _f("bool", True),
        "min_share": _f("number", 0.02, minimum=0.0, maximum=1.0),  # lines below this share are not shown
        "max_lines": _f("int", 8, minimum=1, maximum=40),
    },
}
TOP_LEVEL_SPECIAL = ("env", "agents")
REQUIRED_SECTIONS = ("test", "bench")

AGENT_FIELDS: dict[str, Field] = {
    "name": _f("str", ""),
    "preset": _f("str", "", choices=PRESETS),
    "base_url": _f("str", ""),
    "model": _f("str", ""),
    "api_key_env": _f("str", ""),
    "temperature": _f("number", None, minimum=0.0, maximum=2.0),  # unset: [loop] temperature
    "seed": _f("int", None),
    "persona": _f("str", ""),
    "timeout": _f("number", 120.0, positive=True),
    "max_retries": _f("int", 3, minimum=0),
    "model_path": _f("str", ""),
    "port": _f("int", None, minimum=1, maximum=65535),  # model_path agents: a fixed port (unset: a free one)
}


@dataclass(frozen=True)
class Problem:
    """A problem before it is given a position: the key path and what is wrong."""

    path: Path_
    message: str
    severity: str = "error"
    at_key: bool = False  # point at the table/key rather than its value


def dotted(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (("." if out else "") + part)
    return out


def _suggest(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    if close:
        return f"did you mean '{close[0]}'?"
    return "valid keys: " + ", ".join(sorted(known))


def _type_name(kind: str) -> str:
    return {"str": "a string", "int": "an integer", "number": "a number", "bool": "true or false",
            "str_list": "a list of strings", "str_map": "a table of strings",
            "env_map": "a table of strings"}[kind]


def check_value(path: Path_, value: Any, spec: Field) -> tuple[Any, list[Problem]]:
    """Type and range checks for one value; returns the normalised value."""
    kind = spec.kind
    ok = {
        "str": isinstance(value, str),
        "int": isinstance(value, int) and not isinstance(value, bool),
        "number": isinstance(value, (int, float)) and not isinstance(value, bool),
        "bool": isinstance(value, bool),
        "str_list": isinstance(value, list) and all(isinstance(v, str) for v in value),
        "str_map": isinstance(value, dict) and all(isinstance(v, str) for v in value.values()),
        "env_map": isinstance(value, dict)
        and all(isinstance(v, (str, int, float, bool)) for v in value.values()),
    }[kind]
    if not ok and kind in ("str_map", "env_map") and isinstance(value, dict):
        return spec.default, _bad_map_entries(path, value, kind)
    if not ok:
        return spec.default, [Problem(path, f"must be {_type_name(kind)}, got {value!r}")]
    if spec.choices and value not in spec.choices:
        return spec.default, [Problem(path, f"'{value}' is not valid; use one of: " + ", ".join(spec.choices))]
    if kind in ("int", "number"):
        if spec.positive and value <= 0:
            return spec.default, [Problem(path, f"must be greater than 0, got {value}")]
        if spec.minimum is not None and value < spec.minimum:
            return spec.default, [Problem(path, f"must be at least {spec.minimum:g}, got {value}")]
        if spec.maximum is not None and value > spec.maximum:
            return spec.default, [Problem(path, f"must be at most {spec.maximum:g}, got {value}")]
        if kind == "number":
            value = float(value)
    if kind == "str" and spec.required and not value.strip():
        return value, [Problem(path, "must not be empty" + (f": {spec.help}" if spec.help else ""))]
    if kind == "env_map":
        value = {k: (str(v).lower() if isinstance(v, bool) else str(v)) for k, v in value.items()}
    return value, []


def _bad_map_entries(path: Path_, value: dict[str, Any], kind: str) -> list[Problem]:
    """One problem per bad entry, each pointing at its own key, so an editor underlines it."""
    allowed = (str,) if kind == "str_map" else (str, int, float, bool)
    wanted = "a string" if kind == "str_map" else "a string (numbers and booleans are turned into strings)"
    return [Problem((*path, key), f"must be {wanted}, got {item!r}")
            for key, item in value.items() if not isinstance(item, allowed)]


def check_table(section: Path_, data: Any, fields: dict[str, Field]) -> tuple[dict[str, Any], list[Problem]]:
    if not isinstance(data, dict):
        # defaults stand in, so the checks that follow (and load_config) see a whole table
        return ({k: f.default for k, f in fields.items()},
                [Problem(section, f"must be a table, e.g. [{dotted(section)}] with keys such as "
                         + ", ".join(list(fields)[:4]) + f", not {data!r}", at_key=True)])
    problems: list[Problem] = []
    out: dict[str, Any] = {}
    misspelt: set[str] = set()
    for key, value in data.items():
        if key not in fields:
            problems.append(Problem((*section, key), f"unknown key '{key}' in [{dotted(section)}]; "
                                    + _suggest(key, list(fields)), at_key=True))
            misspelt.update(difflib.get_close_matches(key, list(fields), n=1, cutoff=0.6))
            continue
        out[key], found = check_value((*section, key), value, fields[key])
        problems.extend(found)
    for key, spec in fields.items():
        if key not in data:
            # a misspelt required key is reported once, at the misspelling ("did you mean ...?")
            if spec.required and key not in misspelt:
                problems.append(Problem(section, f"needs '{key}': {spec.help}", at_key=True))
            out[key] = spec.default
    return out, problems


def check_bench_usage(bench: dict[str, Any]) -> list[Problem]:
    """Settings that are valid but cannot do what the user meant: warnings, never errors."""
    problems = []
    if bench.get("regex") and bench.get("format") != "regex":
        problems.append(Problem(("bench", "regex"), f"ignored: format is \"{bench.get('format')}\"; "
                                "set format = \"regex\" to read times with this regex", severity="warning"))
    if bench.get("functions") and "{function}" not in bench.get("command", ""):
        problems.append(Problem(("bench", "functions"), "ignored: bench.command has no {function} placeholder "
                                "to put these names in", severity="warning"))
    return problems


def check_bench_regex(bench: dict[str, Any]) -> list[Problem]:
    if bench.get("format") != "regex":
        return []
    pattern = bench.get("regex")
    if not pattern:
        return [Problem(("bench", "format"), "format \"regex\" needs bench.regex with a named group "
                        "(?P<value>...) holding the time, e.g. 'time: (?P<value>[0-9.]+)'")]
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        return [Problem(("bench", "regex"), f"not a valid regular expression: {exc}")]
    if "value" not in compiled.groupindex:
        return [Problem(("bench", "regex"), "needs a named group (?P<value>...) that captures the time; "
                        "(?P<case>...) may name the case")]
    return []


SANITIZERS = ("address", "undefined", "leak", "thread")


def check_timing(timing: dict[str, Any]) -> list[Problem]:
    problems = []
    if timing["min_runs"] > timing["max_runs"]:
        problems.append(Problem(("timing", "min_runs"), f"min_runs ({timing['min_runs']}) must not exceed "
                                f"max_runs ({timing['max_runs']})"))
    if timing.get("target_ci_width") is not None:
        problems.append(Problem(("timing", "target_ci_width"), "ignored: timing now goes on until the interval "
                                "decides the verdict (or the budget is spent); remove this key",
                                severity="warning"))
    return problems


def check_bank(bank: dict[str, Any]) -> list[Problem]:
    """[bank] url names PostgreSQL and holds no password (a repository's file is read by
    everyone who clones it)."""
    from urllib.parse import urlsplit

    url = bank.get("url") or ""
    if not url:
        return []
    if not url.startswith(("postgresql://", "postgres://")):
        return [Problem(("bank", "url"), f"'{url}' is not a PostgreSQL URL; write postgresql://USER@HOST:PORT/DATABASE")]
    try:
        parts = urlsplit(url)
        password = parts.password
        query = parts.query.lower()
    except ValueError as exc:
        return [Problem(("bank", "url"), f"not a valid URL: {exc}")]
    if password is not None or "password=" in query:
        return [Problem(("bank", "url"), "holds a password, and this file is shared with everyone who clones "
                        "the repository: remove it and give the password through the environment (PGPASSWORD, "
                        "or the whole URL in LESSONL_BANK_URL) or the editor's secret storage")]
    return []


def check_check(check: dict[str, Any]) -> list[Problem]:
    problems = []
    for index, name in enumerate(check.get("sanitizers") or []):
        if name not in SANITIZERS:
            problems.append(Problem(("check", "sanitizers"), f"'{name}' is not a sanitizer LessonL knows; use "
                                    "some of: " + ", ".join(SANITIZERS)))
    if "address" in (check.get("sanitizers") or []) and "thread" in (check.get("sanitizers") or []):
        problems.append(Problem(("check", "sanitizers"), "address and thread sanitizers cannot be combined "
                                "in one build; pick one"))
    for key, value in (check.get("lengths") or {}).items():
        if not str(value).strip():
            problems.append(Problem(("check", "lengths", key), "must be a C expression of the other parameters, "
                                    "e.g. \"n\" or \"rows * cols\""))
    return problems


def check_agents(data: Any, resolve_url: Callable[[str], str]) -> tuple[list[dict[str, Any]], list[Problem]]:
    if not isinstance(data, list) or not all(isinstance(a, dict) for a in data):
        return [], [Problem(("agents",), "must be an array of tables: write each agent as [[agents]] "
                            "with name, preset or base_url, and model", at_key=True)]
    agents: list[dict[str, Any]] = []
    problems: list[Problem] = []
    names: set[str] = set()
    for index, raw in enumerate(data):
        agent, found = check_table(("agents", index), raw, AGENT_FIELDS)
        problems.extend(found)
        agent["name"] = agent["name"] or f"agent-{index + 1}"
        if agent["name"] in names:
            problems.append(Problem(("agents", index, "name"), f"agent name '{agent['name']}' is used twice; names must differ"))
        names.add(agent["name"])
        preset = agent["preset"] or ("custom" if agent["base_url"] or not agent["model_path"] else "custom")
        agent["preset"] = preset
        bad_endpoint = any(p.path in {("agents", index, "preset"), ("agents", index, "base_url")} for p in found)
        if not agent["base_url"] and not agent["model_path"] and not bad_endpoint:
            if preset == "custom":
                problems.append(Problem(("agents", index), "needs base_url (an OpenAI-compatible endpoint such as "
                                        "http://127.0.0.1:8000/v1), a preset (openai, ollama, vllm, lmstudio, llamacpp) "
                                        "or model_path (a GGUF file)", at_key=True))
            else:
                agent["base_url"] = resolve_url(preset)
        if not agent["model"] and not agent["model_path"]:
            problems.append(Problem(("agents", index), "needs model (the model name the endpoint serves)", at_key=True))
        if preset == "openai" and not agent["api_key_env"]:
            agent["api_key_env"] = "OPENAI_API_KEY"
        if agent.get("port") and not agent["model_path"]:
            problems.append(Problem(("agents", index, "port"), "ignored: port is the port LessonL serves a "
                                    "model_path agent on; for an endpoint, put the port in base_url", severity="warning"))
        agents.append(agent)
    return agents, problems
