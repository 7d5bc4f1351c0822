"""Fixtures for managed-server tests: a file that looks like a GGUF, a pool, a pid file."""
from __future__ import annotations

from pathlib import Path

import pytest

from lessonl.localmodel import ServerPool

from .lifecycle_support import write_gguf


@pytest.fixture
def gguf(tmp_path: Path) -> Path:
    return write_gguf(tmp_path / "models" / "tiny-coder.Q4.gguf")


@pytest.fixture
def pool(tmp_path: Path) -> ServerPool:
    return ServerPool(log_dir=tmp_path / "logs")


@pytest.fixture
def pidfile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The stand-in server writes its pid and its child's pid here (it starts a child)."""
    path = tmp_path / "server.pids"
    monkeypatch.setenv("FAKE_LLAMA_PIDFILE", str(path))
    monkeypatch.setenv("FAKE_LLAMA_CHILD", "1")
    return path
