"""Shared fixtures: small real repositories copied to a temporary folder, and an isolated cache."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
# Fixture repositories carry their own tests (weak on purpose): they are data, not our tests.
collect_ignore_glob = ["fixtures/*"]


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Scratch copies and caches go to a per-test-session folder, never the real user cache."""
    cache = tmp_path_factory.getbasetemp() / "xdg-cache"
    cache.mkdir(exist_ok=True)
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    return cache


def copy_example(name: str, dest: Path) -> Path:
    """A fresh copy of a bundled example, without build products."""
    target = dest / name
    shutil.copytree(
        EXAMPLES / name, target,
        ignore=shutil.ignore_patterns("*.o", "bench", "test_kernels", ".lessonl", "__pycache__", ".pytest_cache"),
    )
    return target


@pytest.fixture
def cpp_repo(tmp_path: Path) -> Path:
    return copy_example("cpp-kernels", tmp_path)


@pytest.fixture
def py_repo(tmp_path: Path) -> Path:
    return copy_example("python-hotspots", tmp_path)


# The fake OpenAI-compatible server (tests/support/fake_openai.py) as the `fake_openai` fixture.
from tests.support.fixtures import fake_openai  # noqa: E402,F401
