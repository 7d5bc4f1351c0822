"""Named OpenAI-compatible servers, so a config can say `preset = "ollama"` instead of a URL.

The table itself lives in lessonl.agents.defaults (plain data, shared with the default agents);
this module is the config's view of it: which names are valid and what each one means.
"""
from __future__ import annotations

from ..agents.defaults import PRESET_BASE_URLS

CUSTOM = "custom"  # no URL of its own: the agent must give base_url (or model_path)
PRESETS: tuple[str, ...] = (*PRESET_BASE_URLS, CUSTOM)


def preset_base_url(preset: str) -> str:
    """The base URL a preset stands for; "" for `custom` and for names that are not presets."""
    return PRESET_BASE_URLS.get(preset, "")
