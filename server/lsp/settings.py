"""Client settings: `initializationOptions`, `workspace/configuration` (section "lessonl")
and `workspace/didChangeConfiguration`.

Shape of the "lessonl" section (all keys optional):
    {"apiKeys": {"OPENAI_API_KEY": "sk-..."},   # env var name -> secret, for the LLM clients only
     "config": {"loop": {"rounds": 2}},          # overrides merged over lessonl.toml
     "codeLens": true,
     "hotspotThreshold": 0.05,                   # hot-function lenses from this share of time up
     "bankPasswords": {"postgresql://me@db:5432/lessons": "..."}}  # bank URL -> its password
API keys come from here or from the server's own environment, never from repository files:
a repository could otherwise make the server send a key it planted to an endpoint it names.
Bank passwords likewise (lessonl.config refuses one in [bank] url): held in memory and handed to
lessonl.bankaccess for the root, each used only for the bank whose URL (user, host, port, database)
it was given with, and only where that URL carries no password of its own.
Settings are per workspace folder (scopeUri); a folder's values win over the global ones.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.uris import to_fs_path

if TYPE_CHECKING:
    from .server import LessonLServer

SECTION = "lessonl"
DEFAULT_THRESHOLD = 0.05
KNOWN = ("apiKeys", "config", "codeLens", "hotspotThreshold", "bankPasswords")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass
class RootSettings:
    """What one root's jobs and features use."""

    overrides: dict[str, Any] = field(default_factory=dict)
    api_keys: dict[str, str] = field(default_factory=dict)
    code_lens: bool = True
    hotspot_threshold: float = 0.05  # inclusive share of benchmark time that earns a hotspot lens
    bank_passwords: dict[str, str] = field(default_factory=dict, repr=False)  # never in a log line


@dataclass
class Settings:
    """Layers: initializationOptions < global configuration < the folder's configuration."""

    init: dict[str, Any] = field(default_factory=dict)
    global_: dict[str, Any] = field(default_factory=dict)
    folders: dict[Path, dict[str, Any]] = field(default_factory=dict)

    def for_root(self, root: Path) -> RootSettings:
        layers = [self.init, self.global_]
        owners = sorted((f for f in self.folders if root == f or f in root.parents),
                        key=lambda f: len(f.parts))
        layers += [self.folders[f] for f in owners]
        merged: dict[str, Any] = {}
        for layer in layers:
            merged = _merge(merged, layer)
        return RootSettings(overrides=merged.get("config") or {},
                            api_keys=merged.get("apiKeys") or {},
                            code_lens=bool(merged.get("codeLens", True)),
                            hotspot_threshold=float(merged.get("hotspotThreshold", DEFAULT_THRESHOLD)),
                            bank_passwords=merged.get("bankPasswords") or {})


def parse_section(raw: Any, where: str) -> tuple[dict[str, Any], list[str]]:
    """Keep the valid part of one "lessonl" section; return it and one message per problem."""
    if raw is None:
        return {}, []
    if not isinstance(raw, dict):
        return {}, [f"{where}: the \"lessonl\" settings must be an object, got {type(raw).__name__}"]
    clean: dict[str, Any] = {}
    problems: list[str] = []
    keys = raw.get("apiKeys")
    if keys is not None:
        if isinstance(keys, dict) and all(isinstance(k, str) and _ENV_NAME.match(k) and isinstance(v, str)
                                          for k, v in keys.items()):
            clean["apiKeys"] = {k: v for k, v in keys.items() if v}
        else:
            problems.append(f"{where}: lessonl.apiKeys must map environment variable names "
                            "(like OPENAI_API_KEY) to strings; ignored")
    config = raw.get("config")
    if config is not None:
        if isinstance(config, dict):
            clean["config"] = config
        else:
            problems.append(f"{where}: lessonl.config must be an object of lessonl.toml "
                            "overrides (e.g. {\"loop\": {\"rounds\": 2}}); ignored")
    if "codeLens" in raw:
        if isinstance(raw["codeLens"], bool):
            clean["codeLens"] = raw["codeLens"]
        else:
            problems.append(f"{where}: lessonl.codeLens must be true or false; ignored")
    if "hotspotThreshold" in raw:
        value = raw["hotspotThreshold"]
        if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 1:
            clean["hotspotThreshold"] = float(value)
        else:
            problems.append(f"{where}: lessonl.hotspotThreshold must be a share of benchmark time "
                            f"from 0 to 1 (like 0.05), got {value!r}; ignored")
    passwords = raw.get("bankPasswords")
    if passwords is not None:
        if isinstance(passwords, dict) and all(isinstance(k, str) and k.startswith(("postgresql://", "postgres://"))
                                               and isinstance(v, str) for k, v in passwords.items()):
            clean["bankPasswords"] = {k: v for k, v in passwords.items() if v}
        else:  # the values are never repeated: they are secrets
            problems.append(f"{where}: lessonl.bankPasswords must map PostgreSQL URLs (postgresql://USER@HOST:PORT/DB) "
                            "to password strings; ignored")
    unknown = sorted(set(raw) - set(KNOWN))
    if unknown:
        problems.append(f"{where}: unknown lessonl setting(s) {', '.join(unknown)}; "
                        f"known: {', '.join(KNOWN)}")
    return clean, problems


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def from_initialization_options(ls: LessonLServer, options: Any) -> None:
    """Accept both {"lessonl": {...}} and the bare section as initializationOptions."""
    if isinstance(options, dict) and SECTION in options:
        options = options[SECTION]
    clean, problems = parse_section(options, "initializationOptions")
    ls.settings.init = clean
    _report(ls, problems)


async def pull(ls: LessonLServer) -> None:
    """Ask the client for the global section and the section of each workspace folder."""
    caps = ls.client_capabilities.workspace
    if not (caps and caps.configuration):
        return
    folders = [f for f in ls.workspace.folders.values()]
    items = [types.ConfigurationItem(section=SECTION)]
    items += [types.ConfigurationItem(scope_uri=f.uri, section=SECTION) for f in folders]
    try:
        values = await ls.workspace_configuration_async(types.ConfigurationParams(items=items))
    except Exception as exc:  # a client that fails here should not stop the server
        ls.log(f"LessonL: could not read settings from the client: {exc}", types.MessageType.Warning)
        return
    problems: list[str] = []
    ls.settings.global_, found = parse_section(values[0] if values else None, "settings")
    problems += found
    ls.settings.folders = {}
    for folder, value in zip(folders, values[1:]):
        clean, found = parse_section(value, f"settings of {folder.name}")
        problems += found
        if clean and clean != ls.settings.global_:
            ls.settings.folders[Path(to_fs_path(folder.uri) or folder.uri)] = clean
    _report(ls, problems)


def _report(ls: LessonLServer, problems: list[str]) -> None:
    for problem in problems:
        ls.tell(f"LessonL: {problem}", types.MessageType.Warning)


def register(server: LessonLServer) -> None:
    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(ls: LessonLServer,
                                       params: types.DidChangeConfigurationParams) -> None:
        """Push-style clients send the values; pull-style ones send null: ask them then."""
        settings = params.settings
        if isinstance(settings, dict) and SECTION in settings:
            clean, problems = parse_section(settings[SECTION], "settings")
            ls.settings.global_ = clean
            _report(ls, problems)
        else:
            await pull(ls)
        ls.workspaces.forget_configs()
        ls.log("LessonL: settings updated")
        await ls.refresh_code_lenses()  # codeLens / hotspotThreshold may have changed
