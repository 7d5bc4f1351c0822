"""Candidates get an allow-list of the environment: secrets under any name stay out."""
from lessonl.sandbox import allowed_env

USER_ENV = {
    "PATH": "/usr/bin", "HOME": "/home/u", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "CXX": "g++-12",
    "CXXFLAGS": "-O2", "LD_LIBRARY_PATH": "/opt/lib", "VIRTUAL_ENV": "/repo/.venv",
    "DATABASE_URL": "postgres://u:password@h/db", "GH_PAT": "ghp_x", "HF_AUTH": "hf_x",
    "OPENAI_API_KEY": "sk-x", "AWS_SECRET_ACCESS_KEY": "x", "SSH_AUTH_SOCK": "/tmp/ssh.sock",
    "MYLIB_THREADS": "4", "MYLIB_SEED": "1", "OTHER": "x",
}


def test_only_what_builds_tests_and_benchmarks_need_passes() -> None:
    env = allowed_env(USER_ENV)
    assert env == {"PATH": "/usr/bin", "HOME": "/home/u", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
                   "CXX": "g++-12", "CXXFLAGS": "-O2", "LD_LIBRARY_PATH": "/opt/lib",
                   "VIRTUAL_ENV": "/repo/.venv"}


def test_secrets_under_unusual_names_never_pass() -> None:
    env = allowed_env(USER_ENV, pass_env=["MYLIB_*"])
    assert not {"DATABASE_URL", "GH_PAT", "HF_AUTH", "OPENAI_API_KEY", "AWS_SECRET_ACCESS_KEY",
                "SSH_AUTH_SOCK"} & env.keys()


def test_the_user_lists_more_names_or_families() -> None:
    env = allowed_env(USER_ENV, pass_env=["MYLIB_*", "OTHER"])
    assert env["MYLIB_THREADS"] == "4" and env["MYLIB_SEED"] == "1" and env["OTHER"] == "x"


def test_the_env_table_comes_on_top() -> None:
    env = allowed_env(USER_ENV, extra={"CXXFLAGS": "-O3", "SEED": 7})
    assert env["CXXFLAGS"] == "-O3" and env["SEED"] == "7"
