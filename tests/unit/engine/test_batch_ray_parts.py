"""The Ray executor's pieces that need no cluster: --git parsing, what is shipped, the tasks' bank,
the attempt records and their words in the report (the cluster itself: tests/integration/test_batch_ray.py)."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from lessonl.config import load_config
from lessonl.config.loader import deep_merge
from lessonl.engine.batch_ray import (Attempt, RayOptions, bank_settings, describe_attempts, parse_git,
                                      read_state, source_for, write_state)
from lessonl.engine.batch_report import ray_words
from lessonl.engine.batch_request import BatchItem
from lessonl.errors import ConfigError
from tests.conftest import copy_example


@pytest.mark.parametrize("spec, expected", [
    ("https://git.example.com/app.git@4f2a9c1", ("https://git.example.com/app.git", "4f2a9c1")),
    ("git@github.com:team/app.git@v1.2", ("git@github.com:team/app.git", "v1.2")),
    ("file:///srv/repo@0123abcd", ("file:///srv/repo", "0123abcd")),
])
def test_git_specs_split_at_the_last_at(spec: str, expected: tuple[str, str]) -> None:
    assert parse_git(spec) == expected


@pytest.mark.parametrize("spec", ["https://git.example.com/app.git", "@abc", "git@github.com:team/app.git",
                                  "https://h/r.git@"])
def test_a_git_spec_without_a_commit_is_a_config_error(spec: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_git(spec)
    assert caught.value.key == "--git" and "URL@COMMIT" in caught.value.message


def test_the_shipped_repository_leaves_out_git_the_bank_and_scratch_excludes(tmp_path: Path) -> None:
    repo = copy_example("cpp-kernels", tmp_path)
    config = load_config(repo)
    source, env = source_for(repo, RayOptions("127.0.0.1:1"), list(config.scratch.exclude), Path(config.bank_path))
    assert source == {"kind": "working_dir", "subdir": ""}
    assert env is not None and env["working_dir"] == str(repo)
    assert {".git", "/.lessonl/", "*.o", "bench", "test_kernels"} <= set(env["excludes"])


def test_with_git_nothing_is_shipped_and_the_subfolder_is_kept(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    project = copy_example("python-hotspots", tmp_path / "examples")
    source, env = source_for(project, RayOptions("h:1", git="file:///x@abc"), [], None)
    assert env is None
    assert source == {"kind": "git", "url": "file:///x", "commit": "abc", "subdir": "examples/python-hotspots"}


def test_a_local_bank_becomes_the_drivers_absolute_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LESSONL_BANK_URL", raising=False)
    repo = copy_example("python-hotspots", tmp_path)
    settings, folder = bank_settings(repo, load_config(repo))
    assert settings == {"path": str((repo / ".lessonl").resolve())} and folder == (repo / ".lessonl").resolve()


def test_a_shared_bank_fixes_the_repository_id_for_every_node(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LESSONL_BANK_URL", "postgresql://lessonl@db.example.com/lessons")
    repo = copy_example("python-hotspots", tmp_path)
    settings, folder = bank_settings(repo, load_config(repo))
    assert folder is None and list(settings) == ["repository"] and settings["repository"].startswith("local:")
    assert bank_settings(repo, load_config(repo))[0] == settings  # the same id every time


def test_overrides_merge_nested_sections() -> None:
    base = {"loop": {"rounds": 2, "k": 4}, "agents": [{"name": "a"}]}
    assert deep_merge(base, {"bank": {"path": "/b"}, "loop": {"k": 1}}) == {
        "loop": {"rounds": 2, "k": 1}, "agents": [{"name": "a"}], "bank": {"path": "/b"}}
    assert base["loop"] == {"rounds": 2, "k": 4}  # not changed in place


def test_attempts_round_trip_and_read_as_words(tmp_path: Path) -> None:
    runs = [Attempt("f.py::g", 1, "vm (10.0.0.1, node aaaa)", 41, 1.0),
            Attempt("f.py::g", 2, "vm (10.0.0.2, node bbbb)", 42, 2.0, ended=3.0, status="no_win")]
    path = tmp_path / "batch" / "ray-attempts.json"
    write_state(path, {"f.py::g": runs})
    assert read_state(path) == {"f.py::g": runs}
    assert read_state(tmp_path / "missing.json") == {}
    assert describe_attempts(runs) == ("attempt 1 on vm (10.0.0.1, node aaaa) (pid 41) did not finish (its worker "
                                       "died); attempt 2 on vm (10.0.0.2, node bbbb): no win")
    item = BatchItem("f.py", "g", "no_win", node=runs[1].node, attempts=[a.to_json() for a in runs])
    assert item.retried and item.to_json()["attempts"][0]["pid"] == 41
    assert ray_words(item) == ("timed on vm (10.0.0.2, node bbbb); retried (attempt 1 on vm (10.0.0.1, node aaaa): "
                               "its worker died; attempt 2 on vm (10.0.0.2, node bbbb): no win)")
