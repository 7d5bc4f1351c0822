"""Helpers of the managed-server tests: the stand-in server and process checks."""
from __future__ import annotations

import sys
import time
from pathlib import Path

import psutil

FAKE_SERVER = Path(__file__).resolve().parent / "fake_llama_server.py"
LAUNCHER = (sys.executable, str(FAKE_SERVER))


def write_gguf(path: Path) -> Path:
    """Only the magic bytes are real: the stand-in server never reads the weights."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"GGUF" + bytes(60))
    return path


def read_pids(path: Path, timeout: float = 10.0) -> list[int]:
    deadline = time.monotonic() + timeout
    while not path.exists() or not path.read_text().strip():
        if time.monotonic() > deadline:
            raise AssertionError(f"the stand-in server never wrote {path}")
        time.sleep(0.05)
    return [int(p) for p in path.read_text().split() if int(p)]


def gone(pid: int, timeout: float = 5.0) -> bool:
    """True once `pid` no longer runs (a zombie waiting to be reaped counts as gone)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
