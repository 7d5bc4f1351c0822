"""Default agents and the base URLs of the common OpenAI-compatible servers.

Plain data (no config classes) so that `lessonl.config` can build its defaults from it without
an import cycle. The reference used three different 7-14B code models; by default we point all
three at one local endpoint and one model, because most users have one local server, not three.
They differ by seed and persona (so their prompts and samples differ); their temperature is
[loop] temperature, the reference's 0.2 for every agent unless the user sets it: an agent's own
`temperature` wins only where it is given, so the defaults carry none.
"""
from __future__ import annotations

from typing import Any

PRESET_BASE_URLS: dict[str, str] = {
    "openai": "https://api.openai.com/v1",
    "ollama": "http://127.0.0.1:11434/v1",
    "vllm": "http://127.0.0.1:8000/v1",
    "lmstudio": "http://127.0.0.1:1234/v1",
    "llamacpp": "http://127.0.0.1:8080/v1",
}

# Personas nudge agents that share one model toward different strategies.
PERSONAS: tuple[str, ...] = (
    "",
    "You favour memory-access and data-layout improvements (locality, fewer passes over data).",
    "You favour algorithmic improvements (lower complexity, avoiding repeated work).",
)

DEFAULT_AGENTS: list[dict[str, Any]] = [
    {"name": "coder-1", "preset": "ollama", "base_url": PRESET_BASE_URLS["ollama"],
     "model": "qwen2.5-coder:7b", "api_key_env": "", "seed": 1,
     "persona": PERSONAS[0], "timeout": 120},
    {"name": "coder-2", "preset": "ollama", "base_url": PRESET_BASE_URLS["ollama"],
     "model": "qwen2.5-coder:7b", "api_key_env": "", "seed": 2,
     "persona": PERSONAS[1], "timeout": 120},
    {"name": "coder-3", "preset": "ollama", "base_url": PRESET_BASE_URLS["ollama"],
     "model": "qwen2.5-coder:7b", "api_key_env": "", "seed": 3,
     "persona": PERSONAS[2], "timeout": 120},
]
