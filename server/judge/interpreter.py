"""Which Python `{python}` means: the project's, not the one running LessonL.

LessonL installed for VS Code (a private environment with the bundled wheel) or with pipx
runs on an interpreter that has none of the user's dependencies, not even pytest, so a test
command `{python} -m pytest` must run the project's interpreter. In order: `[python]
interpreter` in the config; the interpreter the editor has selected for the workspace (the
language server passes VS Code's Python extension's choice as `[python] editor_interpreter`);
the repository's own virtual environment (`.venv`, `venv`, or the one Poetry or Pipenv keeps
for it outside the repository, found from their naming rules without running them); else
LessonL's own interpreter.
"""
from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError


@dataclass(frozen=True)
class ProjectPython:
    path: str  # an interpreter that exists
    reason: str  # why this one, in words

    @property
    def prefix(self) -> Path:
        """Its environment's folder (a venv's root), to show it inside the sandbox."""
        return Path(self.path).parent.parent


def find(root: Path, config: Any) -> ProjectPython:
    python = getattr(config, "python", None)
    configured = getattr(python, "interpreter", "") or ""
    if configured:
        return ProjectPython(_configured(root, configured), "[python] interpreter in the config")
    editor = getattr(python, "editor_interpreter", "") or ""
    if editor and _runnable(Path(editor)):
        return ProjectPython(editor, "the interpreter the editor selected for this workspace")
    for found, reason in _virtual_environments(root):
        return ProjectPython(str(found), reason)
    return ProjectPython(sys.executable or "python3", "the interpreter running LessonL (no project environment found)")


def _configured(root: Path, raw: str) -> str:
    path = Path(os.path.expanduser(raw))
    if not path.is_absolute() and ("/" in raw or raw.startswith(".")):
        path = root / path
    elif not path.is_absolute():
        found = shutil.which(raw)
        if found:
            return found
    if _runnable(path):
        return str(path)
    raise ConfigError(f"the Python interpreter {raw!r} does not exist or cannot be run", key="python.interpreter",
                      hint="give the path of the project's python (e.g. .venv/bin/python), or remove the setting")


def _virtual_environments(root: Path):
    for name in (".venv", "venv"):
        python = _venv_python(root / name)
        if python is not None:
            yield python, f"the repository's {name}"
    poetry = _poetry_env(root)
    if poetry is not None:
        yield poetry, "the Poetry environment of this repository"
    pipenv = _pipenv_env(root)
    if pipenv is not None:
        yield pipenv, "the Pipenv environment of this repository"


def _venv_python(venv: Path) -> Path | None:
    for name in ("bin/python", "bin/python3", "Scripts/python.exe"):
        candidate = venv / name
        if _runnable(candidate):
            return candidate
    return None


def _poetry_env(root: Path) -> Path | None:
    """Poetry names an environment `<name>-<8 chars of the path's sha256, base64>-py<X.Y>`."""
    project = _pyproject(root)
    name = ((project.get("tool", {}).get("poetry", {}) or {}).get("name")
            or (project.get("project", {}) or {}).get("name"))
    if not name or "poetry" not in project.get("tool", {}):
        return None
    sanitized = re.sub(r'[ $`!*@"\\\r\n\t]', "_", str(name).lower())[:42]
    digest = base64.urlsafe_b64encode(hashlib.sha256(str(root.resolve()).encode()).digest()).decode()[:8]
    base = Path(os.environ.get("POETRY_VIRTUALENVS_PATH")
                or Path(os.environ.get("POETRY_CACHE_DIR") or Path.home() / ".cache/pypoetry") / "virtualenvs")
    for venv in sorted(base.glob(f"{sanitized}-{digest}-py*"), reverse=True):
        python = _venv_python(venv)
        if python is not None:
            return python
    return None


def _pipenv_env(root: Path) -> Path | None:
    """Pipenv names it `<folder name>-<6 bytes of the Pipfile path's sha256, base64>`."""
    pipfile = root / "Pipfile"
    if not pipfile.is_file():
        return None
    name = re.sub(r'[ &$`!*@"()\[\]\\\r\n\t]', "_", root.resolve().name)[:42]
    digest = base64.urlsafe_b64encode(hashlib.sha256(str(pipfile.resolve()).encode()).digest()[:6]).decode()
    home = Path(os.environ.get("WORKON_HOME") or Path.home() / ".local/share/virtualenvs")
    return _venv_python(home / f"{name}-{digest}")


def _pyproject(root: Path) -> dict[str, Any]:
    try:
        return tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _runnable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)
