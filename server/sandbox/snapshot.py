"""What a scratch copy holds, file by file, to tell what a run changed.

The baseline's build products and outputs are what every candidate is timed against: a
candidate that could replace the baseline's `bench` with a slow script would win every
comparison, and keep winning until the cache was deleted. So after the baseline is built and
tested its tree is recorded (content hashes), and checked again before each timing phase.
A candidate's own copy is recorded after its build: what its tests then create is removed
and what they change is rebuilt, so nothing a run leaves behind reaches the timed runs.

Hashing every file each time would cost as much as the build on a large tree, so a file
whose stat (size, mtime, inode, and the change time, which no process can set back) is the
one recorded keeps its recorded hash.
"""
from __future__ import annotations

import hashlib
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from ..atomic import write_atomic

# Entry: [kind, size, mtime_ns, ctime_ns, inode, sha256]; kind "f" file, "l" link, "d" folder,
# "s" anything else (pipe, socket, device: never opened, compared by inode and change time).
Entry = list


@dataclass(frozen=True)
class Changes:
    added: list[str]
    changed: list[str]
    removed: list[str]

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.removed)

    def sentence(self, limit: int = 3) -> str:
        parts = []
        for label, names in (("changed", self.changed), ("added", self.added), ("removed", self.removed)):
            if names:
                shown = ", ".join(names[:limit]) + (f" and {len(names) - limit} more" if len(names) > limit else "")
                parts.append(f"{label}: {shown}")
        return "; ".join(parts)


def take(directory: Path, previous: dict[str, Entry] | None = None, skip: tuple[str, ...] = ()) -> dict[str, Entry]:
    """The tree under `directory` (links not followed), reusing hashes of unchanged files."""
    previous = previous or {}
    out: dict[str, Entry] = {}
    for current, dirs, files in os.walk(directory):
        base = os.path.relpath(current, directory)
        prefix = "" if base == "." else base.replace(os.sep, "/") + "/"
        kept = []
        for name in dirs:
            rel = prefix + name
            if rel in skip:
                continue
            path = os.path.join(current, name)
            if os.path.islink(path):
                files.append(name)
                continue
            out[rel] = ["d", 0, 0, 0, 0, ""]
            kept.append(name)
        dirs[:] = kept
        for name in files:
            rel = prefix + name
            if rel in skip:
                continue
            entry = _entry(os.path.join(current, name), previous.get(rel))
            if entry is not None:
                out[rel] = entry
    return out


def compare(before: dict[str, Entry], after: dict[str, Entry]) -> Changes:
    added = sorted(rel for rel in after.keys() - before.keys())
    removed = sorted(rel for rel in before.keys() - after.keys())
    changed = sorted(rel for rel in before.keys() & after.keys()
                     if before[rel][0] != after[rel][0] or before[rel][5] != after[rel][5])
    return Changes(added, changed, removed)


def save(path: Path, tree: dict[str, Entry]) -> None:
    write_atomic(path, json.dumps(tree))


def load(path: Path) -> dict[str, Entry] | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _entry(path: str, previous: Entry | None) -> Entry | None:
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(st.st_mode):
        return ["l", st.st_size, 0, 0, 0, "link:" + os.readlink(path)]
    stats = [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]
    if not stat.S_ISREG(st.st_mode):  # a pipe, a socket, a device: never opened (a pipe blocks)
        return ["s", *stats, f"special:{stat.S_IFMT(st.st_mode)}:{st.st_ino}"]
    if previous is not None and previous[0] == "f" and previous[1:5] == stats:
        return previous
    return ["f", *stats, _hash(path, st)]


def _hash(path: str, st: os.stat_result) -> str:
    digest = hashlib.sha256()
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return f"unreadable:{st.st_mode}:{st.st_ino}:{st.st_ctime_ns}"
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return f"special:{st.st_ino}:{st.st_ctime_ns}"
        while block := os.read(fd, 1 << 20):
            digest.update(block)
    finally:
        os.close(fd)
    return digest.hexdigest()
