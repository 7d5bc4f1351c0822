"""The process-count limit of the sandbox, with real fork-heavy commands.

As a normal user RLIMIT_NPROC enforces it; as root (CI, containers) the kernel ignores that
limit, so each command runs in its own pids cgroup. Where neither can apply, the result says
so in its warnings, and the tests that need a real limit are skipped with the reason.
"""
from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import psutil
import pytest

from lessonl.procs import cgroups
from lessonl.procs import runner as procs
from lessonl.procs.runner import Limits, run

FORKS = 120  # children the command tries to start, far above the limit below
LIMIT = 16


def _enforcement() -> str | None:
    """None when a process-count limit applies to our commands, else why not."""
    if os.geteuid() != 0:
        return None  # RLIMIT_NPROC
    found = procs._pids_cgroups.get()
    return None if found.available else found.reason


def _our_groups() -> list[str]:
    found = procs._pids_cgroups.get()
    if not found.available:
        return []
    prefix = f"{os.getpid()}-"
    return [e.name for e in os.scandir(found.parent) if e.is_dir() and e.name.startswith(prefix)]


def _sleeps(marker: str) -> list[psutil.Process]:
    return [p for p in psutil.process_iter(["cmdline"]) if marker in " ".join(p.info["cmdline"] or [])]


async def test_a_fork_heavy_command_meets_the_process_count_limit(tmp_path: Path) -> None:
    # Each child appends a line before it sleeps: the file counts the children that started.
    command = (f"i=0; while [ $i -lt {FORKS} ]; do (echo x >> started; sleep 2) & i=$((i+1)); done; wait")
    result = await run(command, tmp_path, timeout=60, limits=Limits(processes=LIMIT))
    reason = _enforcement()
    if reason is not None:  # root without a usable pids cgroup: the run says so, visibly
        assert any("process-count limit" in w and "not enforced" in w for w in result.warnings)
        pytest.skip(f"no process-count limit can be enforced here: {reason}")
    started = len((tmp_path / "started").read_text().splitlines()) if (tmp_path / "started").exists() else 0
    assert started < LIMIT <= FORKS, f"{started} children started under a limit of {LIMIT}"
    assert "fork" in result.stderr.lower() or "resource temporarily unavailable" in result.stderr.lower()
    assert result.warnings == []


async def test_an_ordinary_command_under_the_limit_is_unaffected(tmp_path: Path) -> None:
    result = await run("for i in 1 2 3 4; do sleep 0.1 & done; wait; echo ok", tmp_path, timeout=30,
                       limits=Limits(processes=LIMIT))
    assert result.ok and result.stdout == "ok\n"


@pytest.mark.skipif(os.geteuid() != 0, reason="pids cgroups are how the limit holds for root")
async def test_as_root_each_command_gets_its_own_cgroup_and_it_is_removed_afterwards(tmp_path: Path) -> None:
    reason = _enforcement()
    if reason is not None:
        pytest.skip(f"no pids cgroup here: {reason}")
    result = await run("cat /proc/self/cgroup", tmp_path, timeout=30, limits=Limits(processes=LIMIT))
    assert result.ok, result.stderr
    assert f"/{cgroups.PARENT}/{os.getpid()}-" in result.stdout  # it ran inside one of ours
    assert _our_groups() == []  # and none is left


@pytest.mark.skipif(os.geteuid() != 0, reason="pids cgroups are how the limit holds for root")
async def test_a_process_that_left_the_process_group_dies_with_the_command(tmp_path: Path) -> None:
    reason = _enforcement()
    if reason is not None:
        pytest.skip(f"no pids cgroup here: {reason}")
    marker = f"{400 + os.getpid() % 97}.{uuid.uuid4().int % 10**6}"
    result = await run(f"setsid sleep {marker} >/dev/null 2>&1 < /dev/null & echo started", tmp_path,
                       timeout=30, limits=Limits(processes=LIMIT))
    assert result.ok and result.stdout == "started\n"
    await asyncio.sleep(0.2)
    assert _sleeps(f"sleep {marker}") == []


@pytest.mark.skipif(os.geteuid() != 0, reason="pids cgroups are how the limit holds for root")
def test_cgroups_of_a_killed_lessonl_are_swept_with_their_processes(tmp_path: Path) -> None:
    """SIGKILL leaves no chance to clean up: the next LessonL process to probe does it."""
    reason = _enforcement()
    if reason is not None:
        pytest.skip(f"no pids cgroup here: {reason}")
    marker = f"{300 + os.getpid() % 97}.{uuid.uuid4().int % 10**6}"
    owner = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import asyncio
        from lessonl.procs.runner import Limits, run
        asyncio.run(run("sleep {marker}", ".", timeout=600, limits=Limits(processes=8)))
    """)], cwd=tmp_path)
    try:
        parent = procs._pids_cgroups.get().parent
        deadline = time.monotonic() + 30
        while not (groups := [e.name for e in os.scandir(parent) if e.name.startswith(f"{owner.pid}-")]):
            assert time.monotonic() < deadline, "the owner never created its group"
            time.sleep(0.05)
        deadline = time.monotonic() + 30
        while not _sleeps(f"sleep {marker}"):
            assert time.monotonic() < deadline, "the command never started"
            time.sleep(0.05)
        owner.send_signal(signal.SIGKILL)
        owner.wait(10)
        assert [e.name for e in os.scandir(parent) if e.name in groups] == groups  # left behind
        # setsid'd by nobody: the sleep is still there, in the orphaned group
        assert _sleeps(f"sleep {marker}")
        assert cgroups.probe().available  # a new LessonL process's first probe sweeps
        assert [e.name for e in os.scandir(parent) if e.name in groups] == []
        time.sleep(0.2)
        assert _sleeps(f"sleep {marker}") == []
    finally:
        if owner.poll() is None:
            owner.kill()
