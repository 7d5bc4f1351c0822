"""`{python}` is the project's interpreter: configured, the editor's, the repository's
virtual environment (also Poetry's and Pipenv's outside it), else LessonL's own."""
import base64
import hashlib
import os
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from lessonl.errors import ConfigError
from lessonl.judge import commands, interpreter


def config(interpreter_: str = "", editor: str = "") -> SimpleNamespace:
    return SimpleNamespace(python=SimpleNamespace(interpreter=interpreter_, editor_interpreter=editor))


def fake_venv(folder: Path) -> Path:
    (folder / "bin").mkdir(parents=True)
    python = folder / "bin" / "python"
    python.symlink_to(sys.executable)
    return python


def test_the_configured_interpreter_comes_first(tmp_path: Path) -> None:
    fake_venv(tmp_path / ".venv")
    tools = fake_venv(tmp_path / "tools" / "py")
    found = interpreter.find(tmp_path, config("tools/py/bin/python", editor=sys.executable))
    assert found.path == str(tools) and "[python] interpreter" in found.reason


def test_a_configured_interpreter_that_does_not_exist_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        interpreter.find(tmp_path, config(".venv/bin/python"))
    assert raised.value.key == "python.interpreter"


def test_the_editors_choice_comes_before_the_repositorys_venv(tmp_path: Path) -> None:
    fake_venv(tmp_path / ".venv")
    editor = fake_venv(tmp_path / "elsewhere")
    found = interpreter.find(tmp_path, config(editor=str(editor)))
    assert found.path == str(editor) and "editor" in found.reason


def test_the_repositorys_venv(tmp_path: Path) -> None:
    python = fake_venv(tmp_path / "venv")
    found = interpreter.find(tmp_path, config())
    assert found.path == str(python) and found.reason == "the repository's venv"
    assert found.prefix == tmp_path / "venv"


def test_poetrys_environment_outside_the_repository(tmp_path: Path, monkeypatch) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "pyproject.toml").write_text('[tool.poetry]\nname = "My Lib"\n')
    digest = base64.urlsafe_b64encode(hashlib.sha256(str(repo.resolve()).encode()).digest()).decode()[:8]
    monkeypatch.setenv("POETRY_VIRTUALENVS_PATH", str(tmp_path / "envs"))
    python = fake_venv(tmp_path / "envs" / f"my_lib-{digest}-py3.11")
    fake_venv(tmp_path / "envs" / "my_lib-otherhash-py3.11")  # another checkout of the same project
    assert interpreter.find(repo, config()).path == str(python)


def test_pipenvs_environment_outside_the_repository(tmp_path: Path, monkeypatch) -> None:
    repo = tmp_path / "proj"
    repo.mkdir()
    (repo / "Pipfile").write_text("[packages]\n")
    digest = base64.urlsafe_b64encode(hashlib.sha256(str((repo / "Pipfile").resolve()).encode()).digest()[:6]).decode()
    monkeypatch.setenv("WORKON_HOME", str(tmp_path / "virtualenvs"))
    python = fake_venv(tmp_path / "virtualenvs" / f"proj-{digest}")
    assert interpreter.find(repo, config()).path == str(python)


def test_without_any_project_environment_lessonls_own(tmp_path: Path) -> None:
    found = interpreter.find(tmp_path, config())
    assert found.path == sys.executable and "running LessonL" in found.reason


def test_commands_get_the_interpreter_shell_quoted() -> None:
    assert commands.expand("{python} -m pytest", "/a b/python") == "'/a b/python' -m pytest"
    assert commands.expand("make test", "/x/python") == "make test"
