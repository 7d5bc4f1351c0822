"""The one subprocess runner: timeouts, cancellation, process groups, limits, secrets, network."""
from __future__ import annotations

import asyncio
import os
import signal
import time
import uuid
from pathlib import Path

import psutil
import pytest

from lessonl.cancel import CancelToken
from lessonl.procs.runner import Limits, kill_all_groups, network_isolation, run, scrub_env


def _processes_with(marker: str) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        if marker in " ".join(proc.info["cmdline"] or []):
            found.append(proc)
    return found


async def test_captures_exit_status_and_both_streams(tmp_path: Path) -> None:
    result = await run("echo out; echo err >&2; exit 3", tmp_path, timeout=10)
    assert (result.rc, result.stdout, result.stderr) == (3, "out\n", "err\n")
    assert not result.ok and not result.timed_out and result.signal is None
    assert result.output == "out\nerr\n"


async def test_runs_in_the_given_directory(tmp_path: Path) -> None:
    result = await run("pwd", tmp_path, timeout=10)
    assert result.stdout.strip() == str(tmp_path)


async def test_timeout_kills_the_whole_group_including_grandchildren(tmp_path: Path) -> None:
    marker = f"{900 + os.getpid() % 97}.{uuid.uuid4().int % 10**6}"  # a unique sleep duration
    started = time.monotonic()
    result = await run(f"sh -c 'sleep {marker}' & sleep {marker}", tmp_path, timeout=0.5)
    assert result.timed_out and result.rc is None
    assert time.monotonic() - started < 5
    await asyncio.sleep(0.2)
    assert _processes_with(f"sleep {marker}") == []


async def test_background_grandchild_does_not_outlive_a_finished_command(tmp_path: Path) -> None:
    marker = f"{800 + os.getpid() % 97}.{uuid.uuid4().int % 10**6}"
    result = await run(f"(sleep {marker} >/dev/null 2>&1 &); echo started", tmp_path, timeout=10)
    assert result.ok and result.stdout == "started\n"
    await asyncio.sleep(0.2)
    assert _processes_with(f"sleep {marker}") == []


async def test_cancel_token_stops_the_command_promptly(tmp_path: Path) -> None:
    token = CancelToken()
    asyncio.get_running_loop().call_later(0.2, token.cancel)
    started = time.monotonic()
    result = await run("sleep 30", tmp_path, timeout=20, cancel=token)
    assert result.cancelled and not result.timed_out
    assert time.monotonic() - started < 3


async def test_asyncio_cancellation_also_kills_the_group(tmp_path: Path) -> None:
    marker = f"{700 + os.getpid() % 97}.{uuid.uuid4().int % 10**6}"
    task = asyncio.ensure_future(run(f"sleep {marker}", tmp_path, timeout=60))
    await asyncio.sleep(0.3)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.sleep(0.2)
    assert _processes_with(f"sleep {marker}") == []


async def test_cancellation_while_the_process_is_being_spawned_kills_its_group(tmp_path: Path) -> None:
    """The fork happens before asyncio has connected the pipes; a cancel in that window used
    to kill only the shell (asyncio's own clean-up) and leave its children running."""
    marker = f"{600 + os.getpid() % 97}.{uuid.uuid4().int % 10**6}"
    pidfile = tmp_path / "started"
    before = {p.pid for p in psutil.Process().children()}  # e.g. a resource tracker of an earlier test
    task = asyncio.ensure_future(run(f"sleep {marker} & echo $$ > {pidfile}; wait", tmp_path, timeout=60))
    for _ in range(100):  # step the loop only until the fork: the task then waits for its pipes
        if {p.pid for p in psutil.Process().children()} - before:
            break
        await asyncio.sleep(0)
    deadline = time.monotonic() + 10
    while not pidfile.exists() and time.monotonic() < deadline:
        time.sleep(0.01)  # block the loop: the spawn cannot complete meanwhile
    assert _processes_with(f"sleep {marker}"), "the command never started"
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 15)
    await asyncio.sleep(0.2)
    assert _processes_with(f"sleep {marker}") == []


async def test_every_group_still_running_can_be_killed_at_exit(tmp_path: Path) -> None:
    """The last resort of a server or CLI that is exiting while engine threads are stuck."""
    marker = f"{500 + os.getpid() % 97}.{uuid.uuid4().int % 10**6}"
    task = asyncio.ensure_future(run(f"sleep {marker}", tmp_path, timeout=60))
    for _ in range(100):
        if _processes_with(f"sleep {marker}"):
            break
        await asyncio.sleep(0.05)
    assert kill_all_groups() >= 1
    result = await asyncio.wait_for(task, 10)
    assert result.signal == signal.SIGKILL and not result.ok
    assert _processes_with(f"sleep {marker}") == []
    assert kill_all_groups() == 0


async def test_death_by_signal_is_reported(tmp_path: Path) -> None:
    result = await run("kill -SEGV $$", tmp_path, timeout=10)
    assert result.signal == signal.SIGSEGV


async def test_signal_reported_by_the_shell_as_128_plus_n(tmp_path: Path) -> None:
    result = await run("sh -c 'kill -ABRT $$'; exit $?", tmp_path, timeout=10)
    assert result.rc == 128 + signal.SIGABRT and result.signal == signal.SIGABRT


async def test_missing_program_is_recognisable(tmp_path: Path) -> None:
    result = await run("no-such-program-lessonl --version", tmp_path, timeout=10)
    assert result.command_not_found


async def test_output_is_capped_keeping_head_and_tail(tmp_path: Path) -> None:
    result = await run("echo FIRST; yes filler | head -n 200000; echo LAST", tmp_path, timeout=20, output_cap=4096)
    assert result.truncated
    assert result.stdout.startswith("FIRST") and result.stdout.rstrip().endswith("LAST")
    assert len(result.stdout) < 6000


async def test_cpu_time_limit_stops_a_spinning_process(tmp_path: Path) -> None:
    result = await run("while :; do :; done", tmp_path, timeout=30, limits=Limits(cpu_seconds=1))
    assert not result.timed_out
    assert result.signal in (signal.SIGXCPU, signal.SIGKILL)


async def test_memory_limit_makes_large_allocations_fail(tmp_path: Path) -> None:
    script = "import sys\ntry:\n    b = bytearray(600 * 1024 * 1024)\nexcept MemoryError:\n    sys.exit(42)\n"
    (tmp_path / "alloc.py").write_text(script)
    result = await run(f"python3 alloc.py", tmp_path, timeout=30, limits=Limits(memory_mb=300))
    assert result.rc == 42


async def test_file_size_limit(tmp_path: Path) -> None:
    result = await run("head -c 3000000 /dev/zero > big", tmp_path, timeout=30, limits=Limits(file_size_mb=1))
    assert not result.ok
    assert (tmp_path / "big").stat().st_size <= 1024 * 1024


def test_secrets_are_scrubbed_from_the_environment() -> None:
    env = {"PATH": "/bin", "OPENAI_API_KEY": "sk", "GITHUB_TOKEN": "t", "DB_PASSWORD": "p",
           "AWS_SECRET_ACCESS_KEY": "s", "ANTHROPIC_BASE_URL": "u", "MY_LLM": "x", "HOME": "/root",
           "GOOGLE_APPLICATION_CREDENTIALS": "c"}
    assert scrub_env(env, drop=["MY_LLM"]) == {"PATH": "/bin", "HOME": "/root"}


async def test_secrets_never_reach_the_child(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LESSONL_TEST_API_KEY", "leaked")
    result = await run("env", tmp_path, timeout=10)
    assert "leaked" not in result.stdout and "PATH=" in result.stdout


async def test_without_network_only_an_inactive_loopback_is_left(tmp_path: Path) -> None:
    prefix, warning = network_isolation()
    result = await run("cat /proc/net/dev", tmp_path, timeout=10, limits=Limits(network=False))
    interfaces = [line.split(":")[0].strip() for line in result.stdout.splitlines()[2:]]
    if prefix:
        assert interfaces == ["lo"] and result.warnings == []
    else:  # the OS does not allow it: the run still happens, with a visible warning
        assert warning and result.warnings == [warning]


async def test_the_network_probe_runs_once_and_off_the_event_loop(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The first command without network probes `unshare` (up to 10 s): the loop must keep
    serving meanwhile, and two commands starting at once share the one probe."""
    from lessonl.procs import runner as procs

    real = next((Path(d) / "unshare" for d in os.environ["PATH"].split(os.pathsep)
                 if (Path(d) / "unshare").is_file()), None)
    if real is None:
        pytest.skip("unshare is not installed")
    slow = tmp_path / "bin" / "unshare"  # the real unshare, one second late, logging its calls
    slow.parent.mkdir()
    slow.write_text(f'#!/bin/sh\necho "$*" >> {tmp_path / "calls"}\nsleep 1\nexec {real} "$@"\n')
    slow.chmod(0o755)
    monkeypatch.setenv("PATH", f"{slow.parent}{os.pathsep}{os.environ['PATH']}")
    procs._network.forget()
    try:
        gaps: list[float] = []

        async def ticker() -> None:
            last = time.monotonic()
            while True:
                await asyncio.sleep(0.02)
                now = time.monotonic()
                gaps.append(now - last)
                last = now

        ticking = asyncio.ensure_future(ticker())
        first, second = await asyncio.gather(
            run("echo one", tmp_path, timeout=30, limits=Limits(network=False)),
            run("echo two", tmp_path, timeout=30, limits=Limits(network=False)))
        ticking.cancel()
        assert (first.stdout, second.stdout) == ("one\n", "two\n")
        assert max(gaps) < 0.5, f"the event loop was blocked for {max(gaps):.2f} s"
        probes = [line for line in (tmp_path / "calls").read_text().splitlines() if line.endswith(" true")]
        assert len(probes) == 1, probes
    finally:
        procs._network.forget()  # later tests probe the real unshare again


@pytest.mark.skipif(os.geteuid() != 0, reason="memory cgroups need root here")
async def test_memory_limit_holds_for_the_processes_of_a_command_together(tmp_path: Path) -> None:
    # each process stays under the per-process limit; together they pass the command's limit
    script = ("import sys, time\nb = bytearray(150 * 1024 * 1024)\nfor i in range(0, len(b), 4096):\n"
              "    b[i] = 1\ntime.sleep(1.5)\nprint('held')\n")
    (tmp_path / "hold.py").write_text(script)
    result = await run("python3 hold.py & python3 hold.py & python3 hold.py & wait", tmp_path, timeout=60,
                       limits=Limits(memory_mb=300))
    assert result.stdout.count("held") < 3, result.output
