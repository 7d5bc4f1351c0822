"""What a candidate's command may see: its own scratch copy, and the system read-only.

Hidden (each an empty private folder inside the sandbox): the user's repository, the user's
home, LessonL's cache (the other scratch copies, the baseline, the lesson bank), plus the
private /tmp and /run every run gets. Shown again read-only inside those: the repository's
virtual environments (the copy links to them), the interpreter running LessonL (`{python}`),
folders on the candidate's PATH and PYTHONPATH that LessonL put there (compiler shims, the
behaviour check's runtime), and the folders [sandbox] expose names (a toolchain under $HOME).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Iterable, Mapping

from ..sandbox import Mounts
from .scratch import LINKED_DIRS, cache_home


# Where every sandboxed command finds the behaviour check's report folder: an empty private
# folder, except in the check's own runs, where it is the real one. Commands see the same
# path, the same environment and the same folders whether they are tested, checked or timed.
CHECK_DIR = Path("/tmp/lessonl-check")


def mounts_for(judge: Any, directory: Path, env: Mapping[str, str], check_dir: Path | None = None) -> Mounts:
    """The sandbox of one command run in `directory` (a scratch copy) with `env`; `check_dir`
    is the real report folder of a behaviour check run."""
    root = judge.root
    hidden = _hidden(judge)
    venvs = [root / name for name in LINKED_DIRS if (root / name).is_dir()]
    shown: list[Path] = [*venvs, *(home for venv in venvs if (home := _venv_base(venv)) is not None)]
    shown += _interpreters()
    project_python = getattr(judge, "python", None)
    if project_python is not None:  # e.g. a Poetry environment under ~/.cache
        shown.append(project_python.prefix)
        shown += [home for home in [_venv_base(project_python.prefix)] if home is not None]
    scratch_home = judge.scratch.home
    for path in _search_paths(env):
        if _under_any(path, [scratch_home]):
            if not path.is_relative_to(directory) and _lessonl_owned(path, scratch_home):
                shown.append(path)  # compiler shims, the check's runtime
        elif _under_any(path, hidden) and not _under_any(path, [root]):
            shown.append(path)  # a toolchain under $HOME
    shown += [_expanded(raw, root) for raw in getattr(judge.config.sandbox, "expose", ()) or ()]
    return Mounts(workdir=directory, readonly=tuple(shown), hidden=tuple(hidden),
                  binds=((check_dir, CHECK_DIR),) if check_dir is not None else (),
                  dirs=() if check_dir is not None else (CHECK_DIR,))


def _hidden(judge: Any) -> list[Path]:
    home = Path(os.path.expanduser("~"))
    places = [judge.root, judge.scratch.home, cache_home(), home]
    bank = getattr(getattr(judge.config, "bank", None), "path", "") or ""
    if bank:
        places.append(_expanded(bank, judge.root))
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        if os.environ.get(name):
            places.append(Path(os.environ[name]))
    return [Path(os.path.abspath(p)) for p in places if str(p) not in ("", "/")]


def _interpreters() -> list[Path]:
    """The interpreter running LessonL: `{python}` expands to it."""
    return [Path(p) for p in {sys.prefix, sys.base_prefix, os.path.dirname(os.path.realpath(sys.executable))}]


def _venv_base(venv: Path) -> Path | None:
    """The installation a virtual environment's python links to (pyvenv.cfg's `home`)."""
    try:
        for line in (venv / "pyvenv.cfg").read_text().splitlines():
            key, _, value = line.partition("=")
            if key.strip() == "home" and value.strip():
                return Path(value.strip()).parent
    except OSError:
        pass
    return None


def _search_paths(env: Mapping[str, str]) -> list[Path]:
    out: list[Path] = []
    for name in ("PATH", "PYTHONPATH"):
        for part in (env.get(name) or "").split(os.pathsep):
            if part and os.path.isabs(part):
                path = Path(os.path.abspath(part))
                out.append(path.parent if path.name in ("bin", "shims") and name == "PATH" else path)
    return out


def _lessonl_owned(path: Path, scratch_home: Path) -> bool:
    """Folders LessonL keeps beside the copies (shims, the check's runtime), never a copy."""
    try:
        first = path.relative_to(scratch_home).parts[0]
    except (ValueError, IndexError):
        return False
    return not (first == "baseline" or first.startswith("slot-"))


def _under_any(path: Path, places: Iterable[Path]) -> bool:
    return any(path == place or path.is_relative_to(place) for place in places)


def _expanded(raw: str, root: Path) -> Path:
    path = Path(os.path.expanduser(raw))
    return path if path.is_absolute() else root / path
