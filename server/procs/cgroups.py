"""A pids cgroup per command: the process-count limit that also holds for root; and a memory
cgroup per command: a memory limit for the command's processes together.

RLIMIT_NPROC is ignored for root (and for CAP_SYS_RESOURCE), and CI and containers often run
as root, so there a fork bomb written by a model would meet no limit. The kernel's pids
controller has no such exception: each command gets its own cgroup with `pids.max` set to
[sandbox] processes (it counts threads too, like RLIMIT_NPROC), and its first process joins it
before exec, so every descendant is inside and counted. It also finds the processes that left
the command's process group (setsid) when the command is killed.

Where the groups live: a `lessonl` folder inside this process's own cgroup, in the cgroup v1
`pids` hierarchy or in cgroup v2 when the pids controller can be enabled there. Each group is
named `<owner pid>-<owner start time>-<n>`; a group is removed when its command ends, and
groups whose owner died without cleaning up (SIGKILL) are swept, their processes killed, by
the next LessonL process that probes. Nothing is left behind in the hierarchy but the empty
`lessonl` folder.
"""
from __future__ import annotations

import asyncio
import itertools
import os
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path

PARENT = "lessonl"
_counter = itertools.count()
_live: dict[str, "PidsGroup"] = {}  # path -> group, for the kill at exit
_live_lock = threading.Lock()


@dataclass(frozen=True)
class PidsGroup:
    """One command's cgroup."""

    path: Path
    controller: str = "pids"

    @property
    def procs_file(self) -> str:
        return str(self.path / "cgroup.procs")

    def pids(self) -> list[int]:
        try:
            return [int(p) for p in (self.path / "cgroup.procs").read_text().split()]
        except (OSError, ValueError):
            return []

    def kill(self) -> int:
        """SIGKILL every process in the group (also those that left the process group)."""
        killed = 0
        for pid in self.pids():
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except (ProcessLookupError, PermissionError):
                pass
        return killed

    def remove_now(self, wait_s: float = 1.0) -> bool:
        """Kill what is left and remove the group; False if it could not be removed in time."""
        deadline = time.monotonic() + wait_s
        while True:
            self.kill()
            try:
                os.rmdir(self.path)
            except FileNotFoundError:
                break
            except OSError:
                if time.monotonic() >= deadline:
                    return False
                time.sleep(0.01)
                continue
            break
        with _live_lock:
            _live.pop(str(self.path), None)
        return True

    async def remove(self, wait_s: float = 2.0) -> bool:
        """As remove_now, without blocking the event loop while processes die."""
        deadline = time.monotonic() + wait_s
        while not self.remove_now(wait_s=0):
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(0.02)
        return True


class PidsCgroups:
    """Where this process can create cgroups of one controller (pids, or memory), found once;
    None-like when it cannot."""

    def __init__(self, parent: Path | None, reason: str, controller: str = "pids", v2: bool = False) -> None:
        self.parent = parent
        self.reason = reason  # why not, when parent is None
        self.controller = controller
        self.v2 = v2

    @property
    def available(self) -> bool:
        return self.parent is not None

    def create(self, limit: int) -> PidsGroup:
        """A new group allowing `limit` tasks (pids) or bytes (memory); OSError if the
        hierarchy refuses."""
        assert self.parent is not None
        path = self.parent / f"{_owner_tag()}-{next(_counter)}"
        path.mkdir()
        group = PidsGroup(path, self.controller)
        try:
            for name, value in _limit_files(self.controller, self.v2, int(limit)):
                (path / name).write_text(value)
        except OSError:
            group.remove_now(wait_s=0)
            raise
        with _live_lock:
            _live[str(path)] = group
        return group


def probe(controller: str = "pids") -> PidsCgroups:
    """Find a writable hierarchy of `controller`, prove it works with a throw-away group, and
    sweep groups left by dead LessonL processes. Blocking (file system only, no subprocess)."""
    base, reason = _own_cgroup(controller)
    if base is None:
        return PidsCgroups(None, reason, controller)
    parent = base / PARENT
    v2 = (base / "cgroup.subtree_control").exists()
    try:
        parent.mkdir(exist_ok=True)
        if v2:  # cgroup v2: children need the controller enabled
            _enable(parent, controller)
        swept = sweep(parent)
        if swept:
            reaped.append(f"removed {swept} {controller} cgroup(s) left by LessonL processes that were killed, "
                          f"with every process still in them")
        trial = PidsGroup(parent / f"{_owner_tag()}-probe")
        trial.path.mkdir(exist_ok=True)
        try:
            for name, value in _limit_files(controller, v2, 8 if controller == "pids" else 1 << 30):
                (trial.path / name).write_text(value)
        finally:
            trial.remove_now(wait_s=0)
    except OSError as exc:
        return PidsCgroups(None, f"{parent} is not writable ({exc.strerror or exc})", controller)
    return PidsCgroups(parent, "", controller, v2)


# What the sweeps found, for the face that started us to say (LessonL was killed last time).
reaped: list[str] = []


def _limit_files(controller: str, v2: bool, limit: int) -> list[tuple[str, str]]:
    if controller == "pids":
        return [("pids.max", str(limit))]
    if v2:
        return [("memory.max", str(limit)), ("memory.swap.max", "0")]
    return [("memory.limit_in_bytes", str(limit))]


def sweep(parent: Path) -> int:
    """Remove the groups of LessonL processes that are gone, killing what still runs in them."""
    removed = 0
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return 0
    for entry in entries:
        owner = entry.name.split("-")
        if not entry.is_dir() or len(owner) < 3 or not (owner[0].isdigit() and owner[1].isdigit()):
            continue
        if _start_ticks(int(owner[0])) == owner[1]:
            continue  # its owner is alive: its groups are its own business
        if PidsGroup(Path(entry.path)).remove_now(wait_s=1.0):
            removed += 1
    return removed


def kill_all_live() -> int:
    """SIGKILL everything in every group of this process and remove the groups (at exit)."""
    with _live_lock:
        groups = list(_live.values())
    killed = 0
    for group in groups:
        killed += group.kill()
        group.remove_now(wait_s=0.5)
    return killed


def join_in_child(procs_file: str) -> None:
    """Run in the child between fork and exec: move this process into its group."""
    fd = os.open(procs_file, os.O_WRONLY)
    try:
        os.write(fd, b"0")
    finally:
        os.close(fd)


# ---- finding our own cgroup ------------------------------------------------------------------


def _own_cgroup(controller: str) -> tuple[Path | None, str]:
    try:
        memberships = Path("/proc/self/cgroup").read_text().splitlines()
        mounts = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return None, "this system has no cgroups (/proc/self/cgroup is missing)"
    v1 = v2 = None
    for line in memberships:
        hierarchy, _, rest = line.partition(":")
        controllers, _, path = rest.partition(":")
        if hierarchy == "0" and controllers == "":
            v2 = path
        elif controller in controllers.split(","):
            v1 = path
    for line in mounts:
        fields = line.split()
        if "-" not in fields:
            continue
        dash = fields.index("-")
        root, mountpoint = fields[3], _unescape(fields[4])
        fstype, options = fields[dash + 1], fields[dash + 3].split(",") if len(fields) > dash + 3 else []
        if v1 is not None and fstype == "cgroup" and controller in options:
            return _inside(mountpoint, root, v1), ""
        if v1 is None and v2 is not None and fstype == "cgroup2":
            base = _inside(mountpoint, root, v2)
            try:
                if controller in (base / "cgroup.controllers").read_text().split():
                    return base, ""
            except OSError:
                pass
    return None, f"no {controller} cgroup controller is mounted for this process"


def _inside(mountpoint: str, root: str, path: str) -> Path:
    relative = path[len(root):] if root != "/" and path.startswith(root) else path
    return Path(mountpoint) / relative.lstrip("/")


def _enable(parent: Path, controller: str) -> None:
    """cgroup v2 only: let `parent`'s children have the controller's limits (it holds no
    process itself)."""
    control = parent.parent / "cgroup.subtree_control"
    if controller not in control.read_text().split():
        control.write_text("+" + controller)
    own = parent / "cgroup.subtree_control"
    if controller not in own.read_text().split():
        own.write_text("+" + controller)


def _unescape(text: str) -> str:
    return text.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\")


def _owner_tag() -> str:
    pid = os.getpid()
    return f"{pid}-{_start_ticks(pid) or 0}"


def _start_ticks(pid: int) -> str | None:
    """The start time of a process (field 22 of /proc/PID/stat): with the pid, it names one
    process even after the pid is reused."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rpartition(")")[2].split()[19]
