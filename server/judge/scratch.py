"""Scratch copies of the user's repository, where every build, test and benchmark runs.

The user's tree is only ever read. Copies live under
$XDG_CACHE_HOME/lessonl/scratch/<hash of the repository path>/{baseline,slot-0,slot-1,...}
and are kept between evaluations so that builds stay incremental: a sync rewrites only files
whose content differs, and leaves the mtimes of the others alone, so make sees exactly the
files that changed. A rewritten file always gets a fresh mtime, newer than any object built
from its previous content (copying the user's old mtime would make make skip the rebuild).

Each copy has a manifest next to it (not inside, so builds never see it) recording, per file,
the user's stat, the copy's stat and a content hash: unchanged stats skip the byte compare,
and the hashes give the tree's content identity for caching the baseline's build and tests.
"""
from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import re
import shutil
import stat
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import AsyncIterator, Iterator, Sequence

from ..cancel import CancelToken
from ..atomic import write_atomic
from ..cachedir import cache_home
from ..code.source import SourceEncoding, decode_source, encode_source
from .locks import FileLock

# Never copied: version control, LessonL's own bank, virtual environments, bytecode caches.
ALWAYS_EXCLUDE = (".git/", ".lessonl/", ".venv/", "venv/", "__pycache__/", ".pytest_cache/")
# Virtual environments are linked, not copied, so relative commands like .venv/bin/pytest work.
LINKED_DIRS = (".venv", "venv")
MAX_SLOTS = 64


def timing_lock_path() -> Path:
    """One lock for the whole machine, not per cache folder: two judges with different
    XDG_CACHE_HOME (two users, two test sessions) still share the CPU they time on.
    LESSONL_TIMING_LOCK names another file (e.g. to keep a test session on its own)."""
    override = os.environ.get("LESSONL_TIMING_LOCK")
    return Path(override) if override else Path(tempfile.gettempdir()) / "lessonl-timing.lock"


def repo_key(root: Path) -> str:
    return hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class SyncReport:
    copied: int  # files written because their content differed (or were new)
    removed: int  # files deleted because the user's tree no longer has them
    unchanged: int
    tree_hash: str  # content identity of everything synced


class ExcludeRules:
    """A subset of gitignore: `name` matches a file or folder at any depth, `dir/` only
    folders, a pattern with an inner `/` is anchored at the root, `*` and `?` stay within one
    path segment and `**` crosses segments. Negation (`!`) is not supported."""

    def __init__(self, patterns: Sequence[str]) -> None:
        self._rules: list[tuple[re.Pattern[str], bool, bool]] = []  # regex, dirs only, anchored
        for raw in patterns:
            pattern = raw.strip()
            if not pattern or pattern.startswith("#"):
                continue
            dirs_only = pattern.endswith("/")
            pattern = pattern.rstrip("/")
            anchored = "/" in pattern
            self._rules.append((re.compile(_glob_regex(pattern.lstrip("/"))), dirs_only, anchored))

    def excluded(self, rel: str, is_dir: bool) -> bool:
        name = rel.rsplit("/", 1)[-1]
        for regex, dirs_only, anchored in self._rules:
            if dirs_only and not is_dir:
                continue
            if regex.fullmatch(rel if anchored else name):
                return True
        return False


def _glob_regex(pattern: str) -> str:
    out, i = [], 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                out.append(re.escape(char))
            else:
                body = pattern[i + 1:end]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                i = end
        else:
            out.append(re.escape(char))
        i += 1
    return "".join(out)


class Scratch:
    """The scratch copies of one repository."""

    def __init__(self, root: Path, exclude: Sequence[str] = (), cache_dir: Path | None = None) -> None:
        self.root = root.resolve()
        # who owns the copies: the (uid, gid) candidate commands run as, when LessonL (root)
        # runs them as someone else (lessonl.sandbox); None: whoever runs LessonL
        self.owner: tuple[int, int] | None = None
        self.home = (cache_dir or cache_home()) / "scratch" / repo_key(self.root)
        self.rules = ExcludeRules([*ALWAYS_EXCLUDE, *exclude])

    @property
    def baseline_dir(self) -> Path:
        return self.home / "baseline"

    def slot_dir(self, index: int) -> Path:
        return self.home / f"slot-{index}"

    def lock_for(self, directory: Path) -> FileLock:
        return FileLock(directory.with_name(directory.name + ".lock"))

    @contextlib.asynccontextmanager
    async def slot(self, cancel: CancelToken | None = None) -> AsyncIterator[Path]:
        """A slot directory that no other evaluation (in any process) uses until we leave."""
        while True:
            for index in range(MAX_SLOTS):
                directory = self.slot_dir(index)
                lock = self.lock_for(directory)
                if lock.try_acquire():
                    try:
                        yield directory
                    finally:
                        lock.release()
                    return
            if cancel is not None:
                cancel.raise_if_cancelled()
            await asyncio.sleep(0.05)

    def sync(self, directory: Path) -> SyncReport:
        """Make `directory` hold the user's current files (build products made there stay)."""
        directory.mkdir(parents=True, exist_ok=True)
        if self.owner is not None and directory.stat().st_uid != self.owner[0]:
            _chown_tree(directory, self.owner)  # a copy made before: hand all of it over once
        self._link_virtualenvs(directory)
        manifest_path = directory.with_name(directory.name + ".manifest.json")
        manifest = _load_manifest(manifest_path)
        fresh: dict[str, list] = {}
        copied = unchanged = 0
        checked: set[str] = set()
        for rel, source in self._walk():
            _real_parents(directory, rel, checked)
            entry, changed = _sync_one(source, directory / rel, manifest.get(rel), self.owner, directory)
            fresh[rel] = entry
            copied += changed
            unchanged += not changed
        removed = 0
        for rel in manifest.keys() - fresh.keys():
            _real_parents(directory, rel, checked)
            target = directory / rel
            if target.is_symlink() or target.is_file():
                target.unlink()
                removed += 1
        _save_manifest(manifest_path, fresh)
        digest = hashlib.sha256()
        for rel in sorted(fresh):
            digest.update(f"{rel}\0{fresh[rel][4]}\n".encode())
        return SyncReport(copied, removed, unchanged, digest.hexdigest())

    def write_file(self, directory: Path, rel: str, text: str, encoding: SourceEncoding | None = None) -> None:
        """Put a candidate's text at `rel`; the next sync compares it by content and restores it.

        The text is stored as the user's file is (UTF-8, UTF-8 with a BOM, or Latin-1; `encoding`
        when given, else the user's file decides), and its line endings are written as they are,
        so the copy differs from the user's file only where the candidate does. SpliceError when
        the text has a character the file's encoding cannot hold.
        """
        _real_parents(directory, rel, set())
        target = directory / rel
        _write_fresh(target, encode_source(text, encoding or self.encoding_of(rel), rel))
        _own(target, self.owner, directory)
        manifest_path = directory.with_name(directory.name + ".manifest.json")
        manifest = _load_manifest(manifest_path)
        if rel in manifest:
            manifest[rel] = [*manifest[rel][:2], -1, -1, manifest[rel][4]]  # force a compare next time
            _save_manifest(manifest_path, manifest)

    def encoding_of(self, rel: str) -> SourceEncoding:
        """How the user's file at `rel` is stored (UTF-8 for a file the user does not have)."""
        try:
            return decode_source((self.root / rel).read_bytes())[1]
        except OSError:
            return SourceEncoding()

    def _walk(self) -> Iterator[tuple[str, Path]]:
        for current, dirs, files in os.walk(self.root):
            base = os.path.relpath(current, self.root)
            prefix = "" if base == "." else base.replace(os.sep, "/") + "/"
            keep = []
            for name in dirs:
                path = os.path.join(current, name)
                if self.rules.excluded(prefix + name, is_dir=True):
                    continue
                if os.path.islink(path):
                    files.append(name)  # a link to a folder is copied as a link
                else:
                    keep.append(name)
            dirs[:] = sorted(keep)
            for name in sorted(files):
                if not self.rules.excluded(prefix + name, is_dir=False):
                    yield prefix + name, Path(current, name)

    def _link_virtualenvs(self, directory: Path) -> None:
        for name in LINKED_DIRS:
            source, target = self.root / name, directory / name
            if source.is_dir() and not target.is_symlink() and not target.exists():
                target.symlink_to(source, target_is_directory=True)
                _own(target, self.owner, directory)


def _sync_one(source: Path, target: Path, entry: list | None,
              owner: tuple[int, int] | None, top: Path) -> tuple[list, bool]:
    """Bring one file up to date; returns its manifest entry and whether it was written.

    Entry: [source size, source mtime_ns, target size, target mtime_ns, content sha256, target
    ctime_ns]. The copy's ctime counts too: a candidate's run can set a file's mtime back, never
    its ctime, so a copy it changed is always compared by content again.
    """
    src = source.lstat()
    dst = _lstat(target)
    if (entry and dst and entry[:4] == [src.st_size, src.st_mtime_ns, dst.st_size, dst.st_mtime_ns]
            and entry[5:6] == [dst.st_ctime_ns]):
        return entry, False
    if source.is_symlink():
        link = os.readlink(source)
        sha = hashlib.sha256(b"link:" + link.encode()).hexdigest()
        if not (target.is_symlink() and os.readlink(target) == link):
            _clear(target)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(link)
            _own(target, owner, top)
            changed = True
        else:
            changed = False
        dst = target.lstat()
        return [src.st_size, src.st_mtime_ns, dst.st_size, dst.st_mtime_ns, sha, dst.st_ctime_ns], changed
    data = source.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    changed = False
    if dst is None:
        target.parent.mkdir(parents=True, exist_ok=True)
        _clear(target)
        shutil.copy2(source, target, follow_symlinks=False)  # first copy keeps the user's mtimes
        _own(target, owner, top)
        changed = True
    elif not (target.is_file() and not target.is_symlink() and target.read_bytes() == data):
        _write_fresh(target, data)
        os.chmod(target, src.st_mode & 0o7777)
        _own(target, owner, top)
        changed = True
    dst = target.lstat()
    return [src.st_size, src.st_mtime_ns, dst.st_size, dst.st_mtime_ns, sha, dst.st_ctime_ns], changed


def _own(target: Path, owner: tuple[int, int] | None, top: Path) -> None:
    """Hand `target`, and the folders between it and `top` that LessonL just made, to `owner`."""
    if owner is None:
        return
    os.lchown(target, *owner)
    parent = target.parent
    while parent != top and parent.is_relative_to(top) and parent.stat().st_uid != owner[0]:
        os.lchown(parent, *owner)
        parent = parent.parent


def _chown_tree(directory: Path, owner: tuple[int, int]) -> None:
    os.lchown(directory, *owner)
    for current, dirs, files in os.walk(directory):
        for name in [*dirs, *files]:
            os.lchown(os.path.join(current, name), *owner)


def _real_parents(directory: Path, rel: str, checked: set[str]) -> None:
    """Every folder between `directory` and `rel` is a real folder of the copy: a link (or a
    file, or a pipe) a candidate's run put in place of one is removed, so that nothing LessonL
    writes into the copy can be led outside it (into the user's repository, say)."""
    parts = rel.split("/")[:-1]
    for depth in range(1, len(parts) + 1):
        prefix = "/".join(parts[:depth])
        if prefix in checked:
            continue
        path = directory / prefix
        try:
            mode = path.lstat().st_mode
        except FileNotFoundError:
            checked.add(prefix)
            continue
        if not stat.S_ISDIR(mode):
            path.unlink()
        checked.add(prefix)


def _write_fresh(target: Path, data: bytes) -> None:
    """Write `data` with an mtime strictly newer than before so make rebuilds from it, and drop
    its bytecode: Python's cache compares whole-second mtimes and sizes, which two candidates
    written within a second can share."""
    before = _lstat(target)
    mode = None
    if before is not None and (stat.S_ISLNK(before.st_mode) or stat.S_ISDIR(before.st_mode)):
        _clear(target)
    elif before is not None:
        mode = before.st_mode & 0o7777
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.lessonl-tmp")
    temporary.write_bytes(data)
    if mode is not None:
        os.chmod(temporary, mode)
    os.replace(temporary, target)
    now = time.time_ns()
    if before is not None:
        now = max(now, before.st_mtime_ns + 1)
    os.utime(target, ns=(now, now))
    _drop_bytecode(target)


def _drop_bytecode(target: Path) -> None:
    if target.suffix != ".py":
        return
    cache = target.parent / "__pycache__"
    if cache.is_dir():
        for pyc in cache.glob(f"{target.stem}.*.pyc"):
            pyc.unlink(missing_ok=True)


def _clear(target: Path) -> None:
    if target.is_symlink() or target.is_file():
        target.unlink()
    elif target.is_dir():
        shutil.rmtree(target)


def _lstat(path: Path) -> os.stat_result | None:
    try:
        return path.lstat()
    except FileNotFoundError:
        return None


def _load_manifest(path: Path) -> dict[str, list]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _save_manifest(path: Path, manifest: dict[str, list]) -> None:
    write_atomic(path, json.dumps(manifest))
