"""Python in a scratch copy imports the scratch copy's code, not the user's tree.

A package under `src/` installed with `pip install -e .` has a path entry (a `.pth` file or
an import hook) pointing at the USER's folder, so `import pkg` in a copy of the repository
silently loads the unchanged original, and every verdict is about the wrong code. Entries on
PYTHONPATH come before site-packages (and before any `.pth` entry or appended import hook),
so each command in a scratch copy gets that copy's import roots first on PYTHONPATH: the
folder above the target's top-level package, and the source folders `pyproject.toml` or
`setup.cfg` name. The reach check (lessonl.behaviour) then proves on every evaluation that
the tests and the benchmark really called the scratch copy's function.
"""
from __future__ import annotations

import configparser
import os
import tomllib
from pathlib import Path, PurePosixPath
from typing import Any, Iterable, Mapping


def import_roots(root: Path, file_rel: str | None = None) -> list[str]:
    """Folders (POSIX, relative to the repository root; "" is the root itself) whose code a
    Python process in a scratch copy must import first, most specific first."""
    declared = _declared_roots(root)
    roots: list[str] = []
    if file_rel and file_rel.endswith(".py"):
        roots.append(_package_root(root, file_rel, declared))
    roots.extend(declared)
    if not roots and (root / "src").is_dir() and _holds_packages(root / "src"):
        roots.append("src")
    return _unique(r for r in roots if _inside(root, r))


def with_import_roots(env: Mapping[str, str], directory: Path, roots: list[str]) -> dict[str, str]:
    """`env` with `directory`'s copies of `roots` first on PYTHONPATH (what was there stays after)."""
    out = dict(env)
    if not roots:
        return out
    paths = [str(directory / r) if r else str(directory) for r in roots]
    existing = out.get("PYTHONPATH", "")
    out["PYTHONPATH"] = os.pathsep.join([*paths, *([existing] if existing else [])])
    return out


def _package_root(root: Path, file_rel: str, declared: list[str]) -> str:
    """The folder above the topmost package holding the file (a folder with __init__.py); where
    a declared root holds the file (namespace packages have no __init__.py), that root."""
    parts = PurePosixPath(file_rel).parts
    for candidate in declared:
        prefix = PurePosixPath(candidate).parts if candidate else ()
        if parts[:len(prefix)] == prefix:
            return candidate
    folder = len(parts) - 1  # index of the file's folder within parts
    while folder > 0 and (root.joinpath(*parts[:folder]) / "__init__.py").is_file():
        folder -= 1
    return "/".join(parts[:folder])


def _declared_roots(root: Path) -> list[str]:
    """Source folders named by pyproject.toml (setuptools, hatch, poetry, pdm, pytest) or setup.cfg."""
    roots: list[str] = []
    data = _toml(root / "pyproject.toml")
    tool = data.get("tool", {}) if isinstance(data.get("tool"), dict) else {}
    setuptools = _table(tool, "setuptools")
    package_dir = setuptools.get("package-dir")
    if isinstance(package_dir, dict) and isinstance(package_dir.get(""), str):
        roots.append(package_dir[""])
    where = _table(_table(setuptools, "packages"), "find").get("where")
    roots.extend(w for w in _strings(where))
    for package in _strings(_table(_table(_table(_table(tool, "hatch"), "build"), "targets"), "wheel").get("packages")):
        roots.append(str(PurePosixPath(package).parent))
    for entry in _table(tool, "poetry").get("packages") or []:
        if isinstance(entry, dict) and isinstance(entry.get("from"), str):
            roots.append(entry["from"])
    pdm_dir = _table(_table(tool, "pdm"), "build").get("package-dir")
    if isinstance(pdm_dir, str):
        roots.append(pdm_dir)
    roots.extend(_strings(_table(_table(tool, "pytest"), "ini_options").get("pythonpath")))
    roots.extend(_setup_cfg_roots(root / "setup.cfg"))
    return _unique(_normal(r) for r in roots)


def _setup_cfg_roots(path: Path) -> list[str]:
    if not path.is_file():
        return []
    parser = configparser.ConfigParser()
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError):
        return []
    roots = []
    package_dir = parser.get("options", "package_dir", fallback="")
    for line in package_dir.splitlines():
        key, _, value = line.partition("=")
        if not key.strip() and value.strip():
            roots.append(value.strip())
    where = parser.get("options.packages.find", "where", fallback="")
    roots.extend(w.strip() for w in where.splitlines() if w.strip())
    return roots


def _toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}


def _table(data: Any, key: str) -> dict[str, Any]:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else {}


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _normal(path: str) -> str:
    text = PurePosixPath(path.replace("\\", "/")).as_posix()
    return "" if text in (".", "") else text.removeprefix("./")


def _inside(root: Path, rel: str) -> bool:
    """Only folders of the repository: a declared "../elsewhere" is never put first."""
    if PurePosixPath(rel).is_absolute() or ".." in PurePosixPath(rel).parts:
        return False
    return (root / rel).is_dir()


def _holds_packages(folder: Path) -> bool:
    try:
        return any((child / "__init__.py").is_file() or child.suffix == ".py" for child in folder.iterdir())
    except OSError:
        return False


def _unique(items: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen
