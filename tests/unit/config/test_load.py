"""Loading a repository's configuration: both file forms, defaults, overrides, agents."""
from pathlib import Path

import pytest

from lessonl.config import find_root, load_config
from lessonl.errors import ConfigError

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def write(root: Path, text: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "lessonl.toml").write_text(text)
    return root


MINIMAL = '[test]\ncommand = "./t"\n[bench]\ncommand = "./b {function}"\n'


def test_bundled_cpp_example_loads_with_its_values():
    config = load_config(EXAMPLES / "cpp-kernels")
    assert config.build.command == "make -s all"
    assert config.test.command == "./test_kernels"
    assert config.bench.format == "google-benchmark"
    assert config.timing.min_effect == 0.03
    assert "*.o" in config.scratch.exclude
    assert config.code.standard == "c++17"


def test_defaults_fill_every_section(tmp_path):
    config = load_config(write(tmp_path, MINIMAL))
    assert config.build is None
    assert (config.loop.rounds, config.loop.k, config.loop.significant_speedup) == (4, 4, 1.1)
    assert config.relevance.backend == "lexical"
    assert config.bank_path == tmp_path.resolve() / ".lessonl"
    assert len(config.agents) == 3 and config.agents_from_defaults


def test_pyproject_tool_section(tmp_path):
    config = load_config(FIXTURES / "config-pyproject")
    assert config.source_file.name == "pyproject.toml"
    assert config.bench.format == "regex" and config.bench.unit == "ms"
    assert config.loop.rounds == 2


def test_overrides_merge_tables_and_replace_agent_lists(tmp_path):
    write(tmp_path, MINIMAL + '[[agents]]\nname = "a"\nbase_url = "http://x/v1"\nmodel = "m"\n')
    config = load_config(tmp_path, {"loop": {"rounds": 1}, "agents": [
        {"name": "b", "preset": "ollama", "model": "q"}, {"name": "c", "preset": "vllm", "model": "q"}]})
    assert config.loop.rounds == 1 and config.loop.k == 4
    assert [a.name for a in config.agents] == ["b", "c"]
    assert config.agents[0].base_url == "http://127.0.0.1:11434/v1"
    assert not config.agents_from_defaults


def test_bad_override_names_the_setting_not_the_file(tmp_path):
    write(tmp_path, MINIMAL)
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path, {"loop": {"rounds": 0}})
    assert err.value.key == "loop.rounds" and "settings" in err.value.file


def test_env_overrides_default_agent_endpoint(tmp_path, monkeypatch):
    monkeypatch.setenv("LESSONL_BASE_URL", "http://127.0.0.1:9999/v1")
    monkeypatch.setenv("LESSONL_MODEL", "tiny")
    config = load_config(write(tmp_path, MINIMAL))
    assert {a.base_url for a in config.agents} == {"http://127.0.0.1:9999/v1"}
    assert {a.model for a in config.agents} == {"tiny"}


def test_openai_preset_reads_key_from_openai_api_key(tmp_path):
    config = load_config(write(tmp_path, MINIMAL + '[[agents]]\npreset = "openai"\nmodel = "gpt-x"\n'))
    assert config.agents[0].base_url == "https://api.openai.com/v1"
    assert config.agents[0].api_key_env == "OPENAI_API_KEY"
    assert config.agents[0].name == "agent-1"


def test_bench_function_argument():
    config = load_config(EXAMPLES / "cpp-kernels")
    assert config.bench.bench_function_arg("matmul") == "matmul"
    assert config.bench.bench_function_arg("ns::Kernels::matmul") == "matmul"
    assert config.bench.bench_function_arg(None) == ""


def test_find_root_walks_up_from_a_file(tmp_path):
    write(tmp_path, MINIMAL)
    (tmp_path / "src" / "deep").mkdir(parents=True)
    (tmp_path / "src" / "deep" / "k.cpp").write_text("")
    assert find_root(tmp_path / "src" / "deep" / "k.cpp") == tmp_path.resolve()


def test_find_root_without_config_suggests_init(tmp_path):
    with pytest.raises(ConfigError) as err:
        find_root(tmp_path)
    assert "lessonl init" in str(err.value)


def test_pyproject_without_tool_section_is_not_a_config(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    with pytest.raises(ConfigError):
        find_root(tmp_path)
