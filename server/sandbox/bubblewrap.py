"""Filesystem, process and network isolation for candidate commands, with bubblewrap.

A candidate is written by a model rewarded for speed, so its build, tests and benchmark must
not be able to change the user's files, read LessonL's cache or other scratch copies, keep
state between runs, reach the network, or outlive the command. bubblewrap (Debian
`bubblewrap`) sets that up from namespaces without a daemon: the whole system read-only, the
scratch copy the only writable place, an empty private /tmp, /run and $HOME for each run, a
new PID namespace (its own /proc; when bwrap ends, the kernel kills everything left in it),
no network namespace of the host (so neither TCP nor abstract Unix sockets), no capabilities
(also as root), and a new session (no TIOCSTI into the caller's terminal).

Unix sockets with a path are reachable through any mount, read-only or not, so besides the
usual socket folders (/tmp, /run) every bound socket the host lists in /proc/net/unix is
covered by /dev/null.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

# Folders every run gets empty and private; sockets and other programs' state live there.
PRIVATE_DIRS = ("/tmp", "/var/tmp", "/run", "/var/run", "/dev/shm")
# Never hidden, whatever a setting says: without them nothing runs.
SYSTEM_DIRS = ("/", "/usr", "/bin", "/sbin", "/lib", "/lib64", "/etc", "/opt", "/proc", "/dev", "/sys")


@dataclass(frozen=True)
class Isolation:
    """What this machine allows, probed once: bwrap's path, or why there is no isolation."""

    bwrap: str | None
    reason: str = ""

    @property
    def available(self) -> bool:
        return self.bwrap is not None


@dataclass(frozen=True)
class Mounts:
    """What one command may see: `workdir` (writable or not), `readonly` paths shown as they
    are, `writable` extra paths, and `hidden` paths replaced by an empty private folder."""

    workdir: Path
    workdir_writable: bool = True
    readonly: tuple[Path, ...] = ()
    writable: tuple[Path, ...] = ()
    hidden: tuple[Path, ...] = ()
    binds: tuple[tuple[Path, Path], ...] = ()  # (real folder, where the command sees it), writable
    dirs: tuple[Path, ...] = ()  # empty folders to create (in a private folder such as /tmp)


def probe(bwrap: str | None = None) -> Isolation:
    """Find bwrap and prove it can build the sandbox we need on this machine (user namespaces
    or root, a mountable /proc): some containers forbid one or the other."""
    found = bwrap or shutil.which("bwrap")
    if found is None:
        return Isolation(None, "bubblewrap (bwrap) is not installed; install the Debian/Ubuntu package "
                               "`bubblewrap` (Fedora: bubblewrap, Arch: bubblewrap)")
    argv = [found, *_base_args(), "--", "/bin/true"]
    try:
        done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=20)
    except (OSError, subprocess.SubprocessError) as exc:
        return Isolation(None, f"bwrap could not be started: {exc}")
    if done.returncode != 0:
        detail = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no message"]
        return Isolation(None, f"bwrap cannot create a sandbox on this machine ({detail[0]}); user "
                               f"namespaces may be disabled (sysctl kernel.unprivileged_userns_clone / "
                               f"user.max_user_namespaces) or the container forbids mounts")
    return Isolation(found)


def wrap(isolation: Isolation, mounts: Mounts, argv: Sequence[str], cwd: Path) -> list[str]:
    """`argv` run inside the sandbox `mounts` describes, starting in `cwd`."""
    assert isolation.bwrap is not None
    args = [isolation.bwrap, *_base_args(include_private=False)]
    for private in PRIVATE_DIRS:
        if _is_real_dir(private):
            args += ["--tmpfs", private]
    args += _mount_args(mounts)
    args += _covered_sockets(mounts.hidden)
    args += ["--chdir", str(cwd), "--", *argv]
    return args


def _mount_args(mounts: Mounts) -> list[str]:
    """Mounts ordered by depth, hiding before showing at the same depth: the most specific
    rule wins (a virtual environment inside the hidden repository is shown; a hidden cache
    inside a shown toolchain folder stays hidden)."""
    ops: list[tuple[int, int, list[str]]] = []
    for hidden in _outermost(mounts.hidden):
        if _hideable(hidden):
            ops.append((len(hidden.parts), 0, ["--tmpfs", str(hidden)]))
    for path in _existing(mounts.readonly):
        ops.append((len(path.parts), 1, ["--ro-bind", str(path), str(path)]))
    for path in _existing(mounts.writable):
        ops.append((len(path.parts), 2, ["--bind", str(path), str(path)]))
    for source, target in mounts.binds:
        ops.append((len(target.parts), 2, ["--bind", str(source), str(target)]))
    for folder in mounts.dirs:
        ops.append((len(folder.parts), 2, ["--dir", str(folder)]))
    work = Path(os.path.abspath(mounts.workdir))
    ops.append((len(work.parts), 3, ["--bind" if mounts.workdir_writable else "--ro-bind", str(work), str(work)]))
    return [arg for _, _, op in sorted(ops, key=lambda o: (o[0], o[1])) for arg in op]


def _base_args(include_private: bool = True) -> list[str]:
    args = ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
            "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL"]
    if include_private:
        args += ["--tmpfs", "/tmp"]
    return args


def _is_real_dir(path: str) -> bool:
    return os.path.isdir(path) and not os.path.islink(path)


def _hideable(path: Path) -> bool:
    text = str(path)
    return (text not in SYSTEM_DIRS and os.path.isdir(text) and not os.path.islink(text)
            and not any(text == p or text.startswith(p.rstrip("/") + "/") for p in PRIVATE_DIRS))


def _outermost(paths: Iterable[Path]) -> list[Path]:
    """Only the outermost of nested paths: hiding a folder hides what is inside it."""
    unique = sorted({Path(os.path.abspath(p)) for p in paths}, key=lambda p: len(p.parts))
    kept: list[Path] = []
    for path in unique:
        if not any(path == k or path.is_relative_to(k) for k in kept):
            kept.append(path)
    return kept


def _existing(paths: Iterable[Path]) -> list[Path]:
    seen: list[Path] = []
    for path in paths:
        absolute = Path(os.path.abspath(path))
        if absolute not in seen and os.path.exists(absolute):
            seen.append(absolute)
    return seen


def _covered_sockets(hidden: Sequence[Path]) -> list[str]:
    """/dev/null over each bound Unix socket outside the private and hidden folders."""
    try:
        lines = Path("/proc/net/unix").read_text().splitlines()[1:]
    except OSError:
        return []
    covered = [*PRIVATE_DIRS, *map(str, hidden)]
    args: list[str] = []
    seen: set[str] = set()
    for line in lines:
        fields = line.split()
        if len(fields) < 8 or not fields[7].startswith("/"):
            continue  # unnamed or abstract (the latter live in the host's network namespace)
        path = fields[7]
        if path in seen or any(path == c or path.startswith(c.rstrip("/") + "/") for c in covered):
            continue
        seen.add(path)
        if os.path.exists(path) and not os.path.islink(path):
            args += ["--ro-bind", "/dev/null", path]
    return args
