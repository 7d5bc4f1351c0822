"""Processes a killed LessonL left behind, found and ended by the next LessonL that starts.

In the sandbox nothing outlives LessonL: bwrap dies with its parent and takes its PID
namespace with it. Without a sandbox (no bubblewrap, or [sandbox] isolation = false) a
`kill -9` of LessonL leaves its commands' process groups running. So every LessonL process
keeps a small file listing the process groups it started and not yet reaped
($XDG_CACHE_HOME/lessonl/running/<pid>-<start time>); the next one to start kills what is
left of the groups of owners that are gone, and says so. A process counts as ours only if its
environment carries LESSONL_ENV_PAD, which every candidate command gets, so a reused pid of
someone else's program is never touched.
"""
from __future__ import annotations

import atexit
import os
import signal
import threading
from pathlib import Path

from ..atomic import write_atomic
from .cgroups import _start_ticks
from ..cachedir import cache_home

MARKER = b"LESSONL_ENV_PAD="
_lock = threading.Lock()
_mine: set[int] = set()


def _folder() -> Path:
    return cache_home() / "running"


def _own_file() -> Path:
    pid = os.getpid()
    return _folder() / f"{pid}-{_start_ticks(pid) or 0}"


def record(pgid: int) -> None:
    with _lock:
        _mine.add(pgid)
        _write()


def forget(pgid: int) -> None:
    with _lock:
        if pgid in _mine:
            _mine.discard(pgid)
            _write()


def _write() -> None:
    path = _own_file()
    try:
        if not _mine:
            path.unlink(missing_ok=True)
            return
        write_atomic(path, "".join(f"{pgid}\n" for pgid in sorted(_mine)))
    except OSError:
        pass  # a read-only cache: the sandbox still ends them, this is the fallback's fallback


def reap() -> list[str]:
    """Kill the processes left by LessonL processes that are gone; one note per owner."""
    notes: list[str] = []
    try:
        entries = list(os.scandir(_folder()))
    except OSError:
        return notes
    for entry in entries:
        owner = entry.name.split("-")
        if len(owner) != 2 or not all(part.isdigit() for part in owner):
            continue
        if _start_ticks(int(owner[0])) == owner[1]:
            continue  # alive: its processes are its own
        try:
            groups = {int(line) for line in Path(entry.path).read_text().split() if line.isdigit()}
        except OSError:
            continue
        killed = _kill_marked(groups)
        Path(entry.path).unlink(missing_ok=True)
        if killed:
            notes.append(f"ended {killed} process(es) left running by LessonL process {owner[0]}, which was killed "
                         f"while it judged a candidate")
    return notes


def _kill_marked(groups: set[int]) -> int:
    killed = 0
    if not os.path.isdir("/proc"):  # macOS: nothing to find this way (and no sandbox there)
        return 0
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{name}/stat").read_text()
            pgid = int(stat.rpartition(")")[2].split()[2])
            if pgid not in groups or MARKER not in Path(f"/proc/{name}/environ").read_bytes():
                continue
            os.kill(int(name), signal.SIGKILL)
            killed += 1
        except (OSError, ValueError, IndexError):
            continue
    return killed


def _at_exit() -> None:
    with _lock:
        _mine.clear()
        _write()


atexit.register(_at_exit)
