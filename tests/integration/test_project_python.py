"""`{python}` runs the project's interpreter, found without configuration: a repository whose
.venv alone has pytest and its dependencies passes `lessonl check` while LessonL runs from
another environment (as it does from the VS Code extension's private one, or from pipx)."""
from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

WHEELHOUSE = Path(sys.prefix) / "wheelhouse"  # dev/setup downloads it into .venv

CORE = "def total(values):\n    return sum(values)\n"
TESTS = ("import onlyhere\nfrom mylib.core import total\n\n\ndef test_total():\n"
         "    assert total([1, 2, 3]) == onlyhere.SIX\n")
BENCH = "from mylib.core import total\nfor _ in range(2000):\n    total(range(1000))\n"
CONFIG = '[test]\ncommand = "{python} -m pytest -q -p no:cacheprovider tests"\n[bench]\ncommand = "{python} bench.py"\nformat = "wall"\n'


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("project-python") / "mylib-repo"
    (root / "mylib").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "mylib" / "__init__.py").write_text("")
    (root / "mylib" / "core.py").write_text(CORE)
    (root / "tests" / "test_core.py").write_text(TESTS)
    (root / "bench.py").write_text(BENCH)
    (root / "lessonl.toml").write_text(CONFIG)
    subprocess.run([sys.executable, "-m", "venv", str(root / ".venv")], check=True, timeout=120)
    venv_python = root / ".venv" / "bin" / "python"
    subprocess.run([str(venv_python), "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-index",
                    "--find-links", str(WHEELHOUSE), "pytest"], check=True, timeout=300)
    site = subprocess.run([str(venv_python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "onlyhere.py").write_text("SIX = 6\n")  # a dependency installed only in the project's venv
    return root


def test_lessonls_own_environment_lacks_the_projects_dependency() -> None:
    found = subprocess.run([sys.executable, "-c", "import onlyhere"], capture_output=True, text=True)
    assert found.returncode != 0 and Path(sysconfig.get_paths()["purelib"]).exists()


def test_check_runs_the_projects_python_and_says_which(repo: Path, tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "lessonl", "check", "--json"], cwd=repo, capture_output=True,
                          text=True, timeout=300, env={**_env(tmp_path)})
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["python"].startswith(str(repo / ".venv" / "bin" / "python"))
    assert "the repository's .venv" in report["python"]


def test_the_config_names_another_interpreter(repo: Path, tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "lessonl", "check", "--json", "--set",
                           f"python.interpreter={json.dumps(sys.executable)}"], cwd=repo, capture_output=True,
                          text=True, timeout=300, env=_env(tmp_path))
    assert done.returncode != 0  # LessonL's own interpreter has no `onlyhere`: the tests fail, as they should
    assert "onlyhere" in done.stdout + done.stderr


def _env(tmp_path: Path) -> dict[str, str]:
    import os
    return {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
