"""Presets name the usual OpenAI-compatible servers; `custom` needs a URL of its own."""
from pathlib import Path

import pytest

from lessonl.config import load_config
from lessonl.config.presets import PRESETS, preset_base_url
from lessonl.errors import ConfigError

BASE = '[test]\ncommand = "./t"\n[bench]\ncommand = "./b"\n'
EXPECTED = {
    "openai": "https://api.openai.com/v1",
    "ollama": "http://127.0.0.1:11434/v1",
    "vllm": "http://127.0.0.1:8000/v1",
    "lmstudio": "http://127.0.0.1:1234/v1",
    "llamacpp": "http://127.0.0.1:8080/v1",
}


def test_every_preset_is_known_and_custom_has_no_url():
    assert set(PRESETS) == {*EXPECTED, "custom"}
    assert preset_base_url("custom") == "" and preset_base_url("nope") == ""


@pytest.mark.parametrize("preset", sorted(EXPECTED))
def test_preset_fills_the_base_url(tmp_path: Path, preset: str):
    (tmp_path / "lessonl.toml").write_text(BASE + f'[[agents]]\nname = "a"\npreset = "{preset}"\nmodel = "m"\n')
    agent = load_config(tmp_path).agents[0]
    assert (agent.preset, agent.base_url) == (preset, EXPECTED[preset])


def test_explicit_base_url_wins_over_the_preset(tmp_path: Path):
    (tmp_path / "lessonl.toml").write_text(
        BASE + '[[agents]]\nname = "a"\npreset = "vllm"\nbase_url = "http://127.0.0.1:9001/v1"\nmodel = "m"\n')
    assert load_config(tmp_path).agents[0].base_url == "http://127.0.0.1:9001/v1"


def test_custom_preset_without_base_url_points_at_the_agent(tmp_path: Path):
    (tmp_path / "lessonl.toml").write_text(BASE + '\n[[agents]]\nname = "a"\npreset = "custom"\nmodel = "m"\n')
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path)
    e = err.value
    assert (e.line, e.column, e.end_column, e.key) == (6, 1, 11, "agents[0]")
    assert "needs base_url" in e.message


def test_misspelt_preset_suggests_the_valid_ones(tmp_path: Path):
    (tmp_path / "lessonl.toml").write_text(BASE + '[[agents]]\nname = "a"\npreset = "lm-studio"\nmodel = "m"\n')
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path)
    e = err.value
    assert (e.line, e.column, e.end_column, e.key) == (7, 10, 21, "agents[0].preset")
    assert "openai, ollama, vllm, lmstudio, llamacpp, custom" in e.message
