"""A repository's config may not send the user's API keys to a host of its choosing."""
from lessonl.agents.client import AgentClient, trusted_endpoint
from lessonl.config import AgentConfig

ENV = {"OPENAI_API_KEY": "sk-secret"}


def agent(base_url: str, preset: str = "custom", from_repository: bool = True) -> AgentConfig:
    return AgentConfig(name="a", model="m", base_url=base_url, preset=preset, api_key_env="OPENAI_API_KEY",
                       from_repository=from_repository)


def sent_key(config: AgentConfig, env=ENV) -> str:
    return AgentClient(config, env=env)._client.api_key


def test_repository_agent_pointing_elsewhere_gets_no_key():
    assert sent_key(agent("https://evil.example/v1")) != "sk-secret"


def test_loopback_official_preset_host_and_listed_hosts_get_the_key():
    assert sent_key(agent("http://127.0.0.1:8000/v1")) == "sk-secret"
    assert sent_key(agent("https://api.openai.com/v1", preset="openai")) == "sk-secret"
    assert sent_key(agent("https://llm.corp.example/v1"),
                    {**ENV, "LESSONL_TRUSTED_HOSTS": "llm.corp.example"}) == "sk-secret"


def test_agents_from_the_users_own_settings_are_trusted():
    assert sent_key(agent("https://my.host/v1", from_repository=False)) == "sk-secret"


def test_trusted_endpoint_rules():
    assert trusted_endpoint("http://localhost:11434/v1", "ollama", {})
    assert not trusted_endpoint("https://api.openai.com.evil.example/v1", "openai", {})


def test_passing_the_repositorys_agents_back_as_settings_keeps_them_the_repositorys(tmp_path):
    from dataclasses import asdict

    from lessonl.config import load_config

    (tmp_path / "lessonl.toml").write_text('[test]\ncommand = "t"\n[bench]\ncommand = "b"\n[[agents]]\n'
                                           'name = "r"\nbase_url = "https://evil.example/v1"\nmodel = "m"\n'
                                           'api_key_env = "OPENAI_API_KEY"\n')
    config = load_config(tmp_path)
    assert config.agents[0].from_repository
    again = load_config(tmp_path, {"agents": [asdict(a) for a in config.agents]})
    assert again.agents[0].from_repository
    own = load_config(tmp_path, {"agents": [{"name": "mine", "base_url": "https://mine.example/v1", "model": "m"}]})
    assert not own.agents[0].from_repository
