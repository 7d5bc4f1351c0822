"""The one way the judge starts a subprocess.

Candidate code is written by a model, so every process it can reach runs in its own process
group (killed as a whole on timeout, cancel, or when the leader exits), under resource limits,
with an environment that carries no secrets, and without network where the OS allows it.
Nothing here raises for a failing command: the caller reads the ProcResult and decides.

Limits and their caveats:
- RLIMIT_CPU, RLIMIT_AS, RLIMIT_FSIZE apply per process (a make spawning many compilers gets
  the limit for each). RLIMIT_AS counts address space, not resident memory; sanitizers that
  reserve huge shadow maps need a larger `memory_mb`.
- RLIMIT_NPROC counts every process of the real user, not just ours, so the limit is set to
  the user's current count plus `processes`. The kernel ignores it for root (uid 0), so as
  root each command runs in its own pids cgroup instead (lessonl.procs.cgroups), where
  `pids.max` holds for root too; where no pids cgroup can be created, the command runs
  without a process-count limit and its result carries a warning saying so.
- A process that calls setsid() leaves our process group and survives the group kill, unless
  the command runs in a pids cgroup (as root), which is emptied when the command ends; the
  wall-clock timeout still ends the command itself.
"""
from __future__ import annotations

import asyncio
import atexit
import os
import resource
import shlex
import signal as signals
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Generic, Iterable, Mapping, Sequence, TypeVar

from ..cancel import CancelToken
from ..sandbox import bubblewrap
from ..sandbox.bubblewrap import Isolation, Mounts
from . import cgroups, leftovers

# Environment names holding any of these are never passed to a candidate's processes.
SECRET_MARKERS = ("KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL", "OPENAI_", "ANTHROPIC_")

OUTPUT_CAP = 4 * 1024 * 1024  # bytes kept per stream: head + tail
TERM_GRACE_S = 1.0  # between SIGTERM and SIGKILL
READER_GRACE_S = 2.0  # after the group is dead, how long to wait for pipes to close


@dataclass(frozen=True)
class Limits:
    """Resource limits for one command; None leaves the inherited limit."""

    cpu_seconds: int | None = None
    memory_mb: int | None = None
    file_size_mb: int | None = None
    processes: int | None = None
    network: bool = True  # False: run in a fresh network namespace when the OS allows it


@dataclass
class ProcResult:
    cmd: str
    rc: int | None  # exit status; None if it never exited on its own (killed by us)
    stdout: str
    stderr: str
    wall_s: float
    timed_out: bool = False
    cancelled: bool = False
    signal: int | None = None  # the signal that ended it (also when reported by the shell as 128+N)
    truncated: bool = False
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.rc == 0 and not self.timed_out and not self.cancelled

    @property
    def output(self) -> str:
        """Both streams, stdout first: what a person wants to read in a log."""
        if self.stdout and self.stderr:
            return self.stdout.rstrip("\n") + "\n" + self.stderr
        return self.stdout or self.stderr

    @property
    def command_not_found(self) -> bool:
        """The shell could not find a program (exit 127 or 126, 'not found')."""
        text = self.stderr.lower()
        return self.rc in (126, 127) or ("command not found" in text and self.rc != 0)


def scrub_env(env: Mapping[str, str], drop: Iterable[str] = ()) -> dict[str, str]:
    """A copy of `env` without secrets: names holding a SECRET_MARKER, and names in `drop`
    (agents' api_key_env settings, which may be named anything)."""
    dropped = {name for name in drop if name}
    return {
        name: value for name, value in env.items()
        if name not in dropped and not any(marker in name.upper() for marker in SECRET_MARKERS)
    }


T = TypeVar("T")


class _Once(Generic[T]):
    """A probe of what the machine allows, run once per process and kept. `await aget()` runs
    it in a worker thread, so the event loop (an editor's requests, other candidates'
    timings) never waits on it; concurrent first callers share the one probe."""

    def __init__(self, probe: Callable[[], T]) -> None:
        self._probe = probe
        self._lock = threading.Lock()
        self._value: list[T] = []

    def get(self) -> T:
        with self._lock:
            if not self._value:
                self._value.append(self._probe())
            return self._value[0]

    async def aget(self) -> T:
        return self._value[0] if self._value else await asyncio.to_thread(self.get)

    def forget(self) -> None:
        """Probe again on next use (the machine changed, or a test wants a fresh probe)."""
        with self._lock:
            self._value.clear()


def network_isolation() -> tuple[tuple[str, ...], str]:
    """The command prefix that runs a program without network, and a warning if there is none
    (blocking on first use: from a coroutine, `await _network.aget()`)."""
    return _network.get()


def _probe_network() -> tuple[tuple[str, ...], str]:
    """A plain network namespace (root or CAP_SYS_ADMIN), then an unprivileged user+network
    namespace. Both keep the pid, since unshare execs the program."""
    candidates = (("unshare", "--net"), ("unshare", "--user", "--map-root-user", "--net"))
    for prefix in candidates:
        try:
            done = subprocess.run([*prefix, "true"], stdin=subprocess.DEVNULL, capture_output=True, timeout=10)
        except (OSError, subprocess.SubprocessError):
            continue
        if done.returncode == 0:
            return prefix, ""
    return (), ("network isolation is not available on this machine (unshare of a network namespace "
                "failed); candidate processes can reach the network")


_network: _Once[tuple[tuple[str, ...], str]] = _Once(_probe_network)
_pids_cgroups: _Once[cgroups.PidsCgroups] = _Once(cgroups.probe)
_memory_cgroups: _Once[cgroups.PidsCgroups] = _Once(lambda: cgroups.probe("memory"))
_isolation: _Once[Isolation] = _Once(bubblewrap.probe)


def isolation() -> Isolation:
    """Whether candidate commands can be isolated here (bubblewrap), probed once."""
    return _isolation.get()


async def aisolation() -> Isolation:
    return await _isolation.aget()


def unisolated_warning(reason: str) -> str:
    return ("UNISOLATED: candidate code runs without a sandbox on this machine and can read and change "
            f"your files, reach the network and forge its timings ({reason}); verdicts cannot be trusted "
            "and applying a rewrite needs [sandbox] allow_unisolated = true")


def process_limit_warning(reason: str) -> str:
    return ("the process-count limit ([sandbox] processes) is not enforced: LessonL runs as root, for "
            f"which the kernel ignores RLIMIT_NPROC, and no pids cgroup could be used ({reason}); "
            "a candidate that forks without end is stopped only by its timeout")


def memory_limit_warning(reason: str) -> str:
    return ("the memory limit ([sandbox] memory_mb) holds per process, not for the whole command: no "
            f"memory cgroup could be used ({reason}); several processes together can use more")


async def _process_group_limit(limits: Limits) -> tuple[cgroups.PidsGroup | None, str]:
    """As root, the pids cgroup that enforces `limits.processes`, or the warning that nothing does."""
    if not limits.processes or os.geteuid() != 0:
        return None, ""
    found = await _pids_cgroups.aget()
    if not found.available:
        return None, process_limit_warning(found.reason)
    try:
        return found.create(limits.processes), ""
    except OSError as exc:
        return None, process_limit_warning(f"creating one failed: {exc.strerror or exc}")


async def _memory_group_limit(limits: Limits) -> tuple[cgroups.PidsGroup | None, str]:
    """The memory cgroup that holds the whole command to `limits.memory_mb`, or the warning
    that only the per-process RLIMIT_AS does."""
    if not limits.memory_mb:
        return None, ""
    found = await _memory_cgroups.aget()
    if not found.available:
        return None, memory_limit_warning(found.reason)
    try:
        return found.create(int(limits.memory_mb) * 1024 * 1024), ""
    except OSError as exc:
        return None, memory_limit_warning(f"creating one failed: {exc.strerror or exc}")


async def run(cmd: str | Sequence[str], cwd: str | Path, env: Mapping[str, str] | None = None,
              timeout: float = 60.0, cancel: CancelToken | None = None,
              limits: Limits | None = None, output_cap: int = OUTPUT_CAP,
              mounts: Mounts | None = None) -> ProcResult:
    """Run `cmd` (a shell string, or an argv) in `cwd` and return what happened.

    `env` is used as given (scrub it with scrub_env first); None means a scrubbed os.environ.
    With `mounts`, the command runs in a bubblewrap sandbox that shows it only what `mounts`
    says (and no network); where the machine has no sandbox, it runs as it is and its result
    carries the UNISOLATED warning.
    """
    limits = limits or Limits()
    display = cmd if isinstance(cmd, str) else shlex.join(cmd)
    argv = ["/bin/sh", "-c", cmd] if isinstance(cmd, str) else list(cmd)
    warnings: list[str] = []
    sandboxed = False
    if mounts is not None:
        found = await _isolation.aget()
        if found.available:
            argv = bubblewrap.wrap(found, mounts, argv, Path(cwd))
            sandboxed = True
        else:
            warnings.append(unisolated_warning(found.reason))
    if not limits.network and not sandboxed:
        prefix, warning = await _network.aget()
        argv = [*prefix, *argv]
        if warning:
            warnings.append(warning)
    if env is None:
        env = scrub_env(os.environ)
    groups: list[cgroups.PidsGroup] = []
    for make in (_process_group_limit, _memory_group_limit):
        group, warning = await make(limits)
        if group is not None:
            groups.append(group)
        if warning:
            warnings.append(warning)
    try:
        return await _run_started(cmd, display, argv, cwd, env, timeout, cancel, limits, output_cap, groups,
                                  warnings)
    finally:
        for group in groups:  # also what left the process group (setsid) dies with the command
            try:
                await group.remove()
            except asyncio.CancelledError:
                group.remove_now(wait_s=0)
                raise


async def _run_started(cmd: str | Sequence[str], display: str, argv: list[str], cwd: str | Path,
                       env: Mapping[str, str], timeout: float, cancel: CancelToken | None, limits: Limits,
                       output_cap: int, groups: list[cgroups.PidsGroup], warnings: list[str]) -> ProcResult:
    start = time.monotonic()
    try:
        proc = await _spawn(argv, cwd, env, limits, groups)
    except FileNotFoundError as exc:
        return ProcResult(display, 127, "", f"{exc.filename}: command not found\n", time.monotonic() - start,
                          warnings=warnings)
    except subprocess.SubprocessError as exc:  # the child could not join its pids cgroup
        return ProcResult(display, 126, "", f"the command could not be started in its sandbox: {exc}\n",
                          time.monotonic() - start, warnings=warnings)
    _live_groups.add(proc.pid)
    leftovers.record(proc.pid)
    out, err = _CappedBuffer(output_cap), _CappedBuffer(output_cap)
    readers = [asyncio.ensure_future(_drain(proc.stdout, out)), asyncio.ensure_future(_drain(proc.stderr, err))]
    timed_out = cancelled = False
    try:
        timed_out, cancelled = await _wait(proc, timeout, cancel)
        if timed_out or cancelled:
            await _kill_group(proc)
        wall = time.monotonic() - start
    finally:
        # Also on asyncio cancellation: nothing of this command may outlive it.
        signal_group(proc.pid, signals.SIGKILL)
        for group in groups:
            group.kill()  # before waiting for the pipes, which an escaped process may hold open
        try:
            if proc.returncode is None:
                await _kill_group(proc)
        finally:
            _live_groups.discard(proc.pid)
            leftovers.forget(proc.pid)
        await _finish_readers(readers)
    rc = proc.returncode
    sig = _ending_signal(rc, shell=isinstance(cmd, str))
    if timed_out or cancelled:
        rc = None
    return ProcResult(display, rc, out.text(), err.text(), wall, timed_out=timed_out, cancelled=cancelled,
                      signal=sig if not (timed_out or cancelled) else None,
                      truncated=out.truncated or err.truncated, warnings=warnings)


def kill_all_groups() -> int:
    """SIGKILL every process group `run` started that has not been reaped yet; returns how many.

    The last resort of a process that is exiting (the language server on `exit`, the CLI on a
    signal, any interpreter exit through atexit) while some engine thread is too busy to clean
    up after its own commands: nothing a candidate started may outlive us.
    """
    killed = 0
    for pgid in list(_live_groups):
        try:
            os.killpg(pgid, signals.SIGKILL)
            killed += 1
        except (ProcessLookupError, PermissionError):  # gone (its run() was torn down with its loop)
            _live_groups.discard(pgid)
    cgroups.kill_all_live()  # and whatever left its process group, inside our pids cgroups
    return killed


# Process groups started by `run` and not yet reaped. A set's add/discard are atomic under the
# GIL, and engine loops in several threads share it.
_live_groups: set[int] = set()
atexit.register(kill_all_groups)


async def _spawn(argv: Sequence[str], cwd: str | Path, env: Mapping[str, str], limits: Limits,
                 groups: Sequence[cgroups.PidsGroup] = ()) -> asyncio.subprocess.Process:
    """Start the process in its own group; a cancel during the start still gets a process to kill.

    The fork happens before asyncio has connected the pipes. Cancelled in that window, asyncio
    kills only the leader (a shell) and its children would run on unseen; so the start is
    shielded, and on cancel the whole new group is killed before the cancel goes on.
    """
    spawning = asyncio.ensure_future(asyncio.create_subprocess_exec(
        *argv, cwd=str(cwd), env=dict(env), stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        start_new_session=True, preexec_fn=_limiter(limits, groups),
    ))
    try:
        return await asyncio.shield(spawning)
    except asyncio.CancelledError:
        try:
            proc = await spawning
        except Exception:  # it never started (e.g. FileNotFoundError): nothing to kill
            raise asyncio.CancelledError from None
        signal_group(proc.pid, signals.SIGKILL)
        try:
            await asyncio.wait_for(proc.wait(), 5.0)
        except asyncio.TimeoutError:  # pragma: no cover - a process that SIGKILL cannot end
            pass
        raise


def _limiter(limits: Limits, groups: Sequence[cgroups.PidsGroup] = ()):
    """The preexec function that applies `limits` in the child, before exec (and moves it
    into its cgroups, so everything it starts is counted there)."""
    procs_files = [group.procs_file for group in groups]
    settings: list[tuple[int, int]] = []
    if limits.cpu_seconds:
        settings.append((resource.RLIMIT_CPU, int(limits.cpu_seconds)))
    if limits.memory_mb:
        settings.append((resource.RLIMIT_AS, int(limits.memory_mb) * 1024 * 1024))
    if limits.file_size_mb:
        settings.append((resource.RLIMIT_FSIZE, int(limits.file_size_mb) * 1024 * 1024))
    if limits.processes and os.getuid() != 0:
        settings.append((resource.RLIMIT_NPROC, _user_process_count() + int(limits.processes)))
    if not settings and not procs_files:
        return None

    def apply() -> None:
        for procs_file in procs_files:
            cgroups.join_in_child(procs_file)
        for which, value in settings:
            soft, hard = resource.getrlimit(which)
            if hard != resource.RLIM_INFINITY:
                value = min(value, hard)
            resource.setrlimit(which, (value, hard))

    return apply


def _user_process_count() -> int:
    """How many processes the current user already runs (RLIMIT_NPROC counts them all)."""
    uid, count = os.getuid(), 0
    if not os.path.isdir("/proc"):  # macOS: no /proc; the limit then counts from zero
        return 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    count += 1
            except OSError:
                pass
    return count


async def _wait(proc: asyncio.subprocess.Process, timeout: float,
                cancel: CancelToken | None) -> tuple[bool, bool]:
    """Wait for exit; returns (timed_out, cancelled)."""
    exited = asyncio.ensure_future(proc.wait())
    waiters = {exited}
    cancelled_future = None
    if cancel is not None:
        if cancel.cancelled:
            exited.cancel()
            return False, True
        cancelled_future = asyncio.ensure_future(cancel.wait())
        waiters.add(cancelled_future)
    try:
        done, _ = await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            if not waiter.done():
                waiter.cancel()
    if exited in done:
        return False, False
    if cancelled_future is not None and cancelled_future in done:
        return False, True
    return True, False


async def _kill_group(proc: asyncio.subprocess.Process) -> None:
    """SIGTERM the whole group, give it a moment to clean up, then SIGKILL it."""
    signal_group(proc.pid, signals.SIGTERM)
    try:
        await asyncio.wait_for(asyncio.shield(proc.wait()), TERM_GRACE_S)
    except asyncio.TimeoutError:
        pass
    signal_group(proc.pid, signals.SIGKILL)
    try:
        await asyncio.wait_for(asyncio.shield(proc.wait()), 5.0)
    except asyncio.TimeoutError:  # pragma: no cover - a process that SIGKILL cannot end
        pass


def signal_group(pgid: int, sig: int) -> None:
    """Signal a whole process group; one that is already gone is fine."""
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


async def _finish_readers(readers: list[asyncio.Future]) -> None:
    """Wait for the pipes to close; a process that escaped the group must not hang us."""
    _, pending = await asyncio.wait(readers, timeout=READER_GRACE_S)
    for reader in pending:
        reader.cancel()
    for reader in readers:
        try:
            await reader
        except (asyncio.CancelledError, Exception):
            pass


def _ending_signal(rc: int | None, shell: bool) -> int | None:
    if rc is None:
        return None
    if rc < 0:
        return -rc
    # A shell reports a child killed by signal N as exit status 128+N.
    if shell and 128 < rc < 128 + signals.NSIG:
        return rc - 128
    return None


async def _drain(stream: asyncio.StreamReader | None, buffer: "_CappedBuffer") -> None:
    if stream is None:
        return
    while True:
        chunk = await stream.read(65536)
        if not chunk:
            return
        buffer.add(chunk)


class _CappedBuffer:
    """Keeps the first half and the last half of `cap` bytes: compiler errors come first,
    test failures last, and a runaway printer must not eat memory."""

    def __init__(self, cap: int) -> None:
        self.half = max(cap // 2, 1)
        self.head = bytearray()
        self.tail = bytearray()
        self.dropped = 0

    @property
    def truncated(self) -> bool:
        return self.dropped > 0

    def add(self, chunk: bytes) -> None:
        room = self.half - len(self.head)
        if room > 0:
            self.head += chunk[:room]
            chunk = chunk[room:]
        if not chunk:
            return
        self.tail += chunk
        excess = len(self.tail) - self.half
        if excess > 0:
            del self.tail[:excess]
            self.dropped += excess

    def text(self) -> str:
        head = self.head.decode("utf-8", errors="replace")
        if not self.dropped:
            return head + self.tail.decode("utf-8", errors="replace")
        return (head + f"\n[... {self.dropped} bytes of output left out ...]\n"
                + self.tail.decode("utf-8", errors="replace"))
