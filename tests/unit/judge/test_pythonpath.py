"""Python in a scratch copy imports the scratch copy's code: which folders go first on PYTHONPATH."""
from __future__ import annotations

from pathlib import Path

from lessonl.judge.pythonpath import import_roots, with_import_roots


def make(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_src_layout_puts_the_folder_above_the_top_level_package_first(tmp_path: Path) -> None:
    root = make(tmp_path, {"src/fastdup/__init__.py": "", "src/fastdup/core.py": "", "pyproject.toml": ""})
    assert import_roots(root, "src/fastdup/core.py") == ["src"]


def test_nested_packages_walk_up_to_the_top_level_one(tmp_path: Path) -> None:
    root = make(tmp_path, {"lib/a/__init__.py": "", "lib/a/b/__init__.py": "", "lib/a/b/c.py": ""})
    assert import_roots(root, "lib/a/b/c.py") == ["lib"]


def test_a_flat_layout_is_the_repository_root(tmp_path: Path) -> None:
    root = make(tmp_path, {"hotspots/__init__.py": "", "hotspots/core.py": ""})
    assert import_roots(root, "hotspots/core.py") == [""]


def test_roots_named_in_pyproject_count_and_namespace_packages_use_them(tmp_path: Path) -> None:
    root = make(tmp_path, {
        "pyproject.toml": '[tool.setuptools.packages.find]\nwhere = ["python"]\n'
                          '[tool.pytest.ini_options]\npythonpath = ["tools", "../outside"]\n',
        "python/ns/pkg/__init__.py": "", "python/ns/pkg/mod.py": "", "tools/helper.py": ""})
    # ns/ has no __init__.py (a namespace package): the declared root holds the file
    assert import_roots(root, "python/ns/pkg/mod.py") == ["python", "tools"]


def test_poetry_hatch_and_setup_cfg_declarations(tmp_path: Path) -> None:
    root = make(tmp_path, {
        "pyproject.toml": '[tool.poetry]\npackages = [{include = "a", from = "code"}]\n'
                          '[tool.hatch.build.targets.wheel]\npackages = ["srcs/b"]\n',
        "setup.cfg": "[options]\npackage_dir =\n    =lib\n",
        "code/a/__init__.py": "", "srcs/b/__init__.py": "", "lib/c.py": ""})
    assert sorted(import_roots(root, None)) == ["code", "lib", "srcs"]


def test_a_broken_pyproject_is_no_reason_to_fail(tmp_path: Path) -> None:
    root = make(tmp_path, {"pyproject.toml": "[tool.setuptools\n", "src/p/__init__.py": ""})
    assert import_roots(root, None) == ["src"]


def test_the_copys_roots_go_first_and_the_users_pythonpath_stays_after(tmp_path: Path) -> None:
    env = with_import_roots({"PYTHONPATH": "/opt/extra", "PATH": "/bin"}, tmp_path / "slot-0", ["src", ""])
    assert env["PYTHONPATH"] == f"{tmp_path}/slot-0/src:{tmp_path}/slot-0:/opt/extra"
    assert with_import_roots({"PATH": "/bin"}, tmp_path, []) == {"PATH": "/bin"}
