"""Filesystem, process and network isolation for candidate commands, with bubblewrap.

A candidate is written by a model rewarded for speed, so its build, tests and benchmark must
not be able to change the user's files, read LessonL's cache or other scratch copies, keep
state between runs, reach the network, or outlive the command. bubblewrap (Debian
`bubblewrap`) sets that up from namespaces without a daemon: the whole system read-only, the
scratch copy the only writable place, an empty private /tmp, /run and $HOME for each run, a
new PID namespace (its own /proc; when bwrap ends, the kernel kills everything left in it),
no network namespace of the host (so neither TCP nor abstract Unix sockets), no capabilities,
as root not even root's uid (the command runs as nobody through setpriv, with no_new_privs),
and a new session (no TIOCSTI into the caller's terminal).

Unix sockets with a path are reachable through any mount, read-only or not, so besides the
usual socket folders (/tmp, /run) every bound socket the host lists in /proc/net/unix is
covered by /dev/null.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable, Sequence

# Folders every run gets empty and private; sockets and other programs' state live there.
PRIVATE_DIRS = ("/tmp", "/var/tmp", "/run", "/var/run", "/dev/shm")
# Never hidden, whatever a setting says: without them nothing runs.
SYSTEM_DIRS = ("/", "/usr", "/bin", "/sbin", "/lib", "/lib64", "/etc", "/opt", "/proc", "/dev", "/sys")


NOBODY = (65534, 65534)  # who candidate code runs as when LessonL runs as root


@dataclass(frozen=True)
class Isolation:
    """What this machine allows, probed once: bwrap's path, or why there is no isolation;
    `run_as` is the (uid, gid) candidate commands run as when LessonL runs as root (root
    without capabilities still owns, and can read, every file only root may read)."""

    bwrap: str | None
    reason: str = ""
    setpriv: str | None = None
    run_as: tuple[int, int] | None = None

    @property
    def available(self) -> bool:
        return self.bwrap is not None


@dataclass(frozen=True)
class Mounts:
    """What one command may see: `workdir` (writable or not), `readonly` paths shown as they
    are, `binds` (writable, shown elsewhere), and `hidden` paths replaced by an empty private
    folder."""

    workdir: Path
    workdir_writable: bool = True
    readonly: tuple[Path, ...] = ()
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
    candidate = Isolation(found)
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            return Isolation(None, "LessonL runs as root and `setpriv` (util-linux) is missing, so candidate code "
                                   "would run as root inside the sandbox; install util-linux")
        candidate = Isolation(found, setpriv=setpriv, run_as=NOBODY)
    argv = [found, *_base_args(candidate), "--", *_as_user(candidate, ["/bin/true"])]
    try:
        done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=20)
    except (OSError, subprocess.SubprocessError) as exc:
        return Isolation(None, f"bwrap could not be started: {exc}")
    if done.returncode != 0:
        detail = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no message"]
        return Isolation(None, f"bwrap cannot create a sandbox on this machine ({detail[0]}); user "
                               f"namespaces may be disabled (sysctl kernel.unprivileged_userns_clone / "
                               f"user.max_user_namespaces) or the container forbids mounts")
    return candidate


def wrap(isolation: Isolation, mounts: Mounts, argv: Sequence[str], cwd: Path) -> list[str]:
    """`argv` run inside the sandbox `mounts` describes, starting in `cwd`."""
    assert isolation.bwrap is not None
    args = [isolation.bwrap, *_base_args(isolation, include_private=False)]
    for private in PRIVATE_DIRS:
        if _is_real_dir(private):
            args += ["--perms", "1777", "--tmpfs", private]
    if isolation.run_as is not None:  # e.g. /root (700) above a toolchain in /root/.pyenv
        mounts = replace(mounts, hidden=(*mounts.hidden, *_closed_ancestors(mounts)))
    args += _mount_args(mounts)
    args += _covered_sockets(mounts.hidden)
    args += ["--chdir", str(cwd), "--", *_as_user(isolation, argv)]
    return args


def _closed_ancestors(mounts: Mounts) -> list[Path]:
    """Folders above what a command must reach that others may not enter: shown as empty
    private folders instead, with what it needs bound inside them again."""
    closed: set[Path] = set()
    for path in [mounts.workdir, *mounts.readonly]:
        for parent in Path(os.path.abspath(path)).parents:
            try:
                if not os.stat(parent).st_mode & 0o001:
                    closed.add(parent)
            except OSError:
                continue
    return sorted(closed)


def _as_user(isolation: Isolation, argv: Sequence[str]) -> list[str]:
    """As root: the command as `run_as`, without capabilities and unable to gain any (setuid
    programs included), so that files only root may read stay unread."""
    if isolation.run_as is None or isolation.setpriv is None:
        return list(argv)
    uid, gid = isolation.run_as
    return [isolation.setpriv, f"--reuid={uid}", f"--regid={gid}", "--clear-groups", "--no-new-privs",
            "--inh-caps=-all", "--bounding-set=-all", "--", *argv]


def _mount_args(mounts: Mounts) -> list[str]:
    """Mounts ordered by depth, hiding before showing at the same depth: the most specific
    rule wins (a virtual environment inside the hidden repository is shown; a hidden cache
    inside a shown toolchain folder stays hidden)."""
    ops: list[tuple[int, int, list[str]]] = []
    for hidden in _outermost(mounts.hidden):
        if _hideable(hidden):
            ops.append((len(hidden.parts), 0, ["--perms", "1777", "--tmpfs", str(hidden)]))
    for path in _existing(mounts.readonly):
        ops.append((len(path.parts), 1, ["--ro-bind", str(path), str(path)]))
    for source, target in mounts.binds:
        ops.append((len(target.parts), 2, ["--bind", str(source), str(target)]))
    for folder in mounts.dirs:
        ops.append((len(folder.parts), 2, ["--dir", str(folder)]))
    work = Path(os.path.abspath(mounts.workdir))
    ops.append((len(work.parts), 3, ["--bind" if mounts.workdir_writable else "--ro-bind", str(work), str(work)]))
    ops += _open_folders(mounts, work)
    return [arg for _, _, op in sorted(ops, key=lambda o: (o[0], o[1])) for arg in op]


def _open_folders(mounts: Mounts, work: Path) -> list[tuple[int, int, list[str]]]:
    """The folders bwrap makes between an empty private folder and what is bound inside it
    (it would make them 0700): others may enter them, or a command run as nobody could not
    reach its own toolchain."""
    covers = [Path(p) for p in PRIVATE_DIRS] + [h for h in _outermost(mounts.hidden) if _hideable(h)]
    bound = [*(Path(os.path.abspath(p)) for p in mounts.readonly), work,
             *(target for _, target in mounts.binds), *mounts.dirs]
    made: set[Path] = set()
    for path in bound:
        for parent in path.parents:
            if parent in made or parent in bound or parent in covers:
                continue
            if any(parent.is_relative_to(cover) for cover in covers):
                made.add(parent)
    return [(len(folder.parts), 1, ["--perms", "0755", "--dir", str(folder)]) for folder in made]


def _base_args(isolation: Isolation, include_private: bool = True) -> list[str]:
    """Every namespace but, as root, the user namespace: setpriv then drops to `run_as`, which
    a user namespace would not map; as an ordinary user, bwrap needs one and drops all
    capabilities itself."""
    args = ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--die-with-parent", "--new-session"]
    if isolation.run_as is not None:
        args += ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
    else:
        args += ["--unshare-all", "--cap-drop", "ALL"]
    if include_private:
        args += ["--perms", "1777", "--tmpfs", "/tmp"]
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
