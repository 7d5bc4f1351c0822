"""Hotspots kept in the lesson bank's folder (`.lessonl/hotspots.json`), with what they were
measured on (the commit and a hash of every file they name), so that a later reader (the
editor's code lenses, the batch's `--top N`, the prompt) can tell fresh figures from stale ones
without profiling again. Reading never raises: an unreadable file is the same as none.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Iterable

from ..atomic import write_atomic
from .records import CallerShare, FunctionShare, Hotspots, LineShare, Unmapped

FILE_NAME = "hotspots.json"
FUNCTIONS_FILE = "function-profiles.json"  # one function's own benchmark, profiled for the prompt
FORMAT = 1


def bank_dir_for(root: Path, config: Any) -> Path:
    """The bank folder (`[bank] path`, relative to the repository root unless absolute)."""
    raw = getattr(getattr(config, "bank", None), "path", "") or ".lessonl"
    path = Path(raw).expanduser()
    return path if path.is_absolute() else Path(root) / path


def save_hotspots(bank_dir: Path, hotspots: Hotspots) -> Path:
    """Write `hotspots` to `bank_dir/hotspots.json` (atomically: a reader never sees half)."""
    bank_dir = Path(bank_dir)
    bank_dir.mkdir(parents=True, exist_ok=True)
    path = bank_dir / FILE_NAME
    write_atomic(path, json.dumps({"format": FORMAT, **hotspots.to_json()}, indent=1) + "\n")
    return path


def load_hotspots(bank_dir: Path) -> Hotspots | None:
    """The saved hotspots, or None when there are none (or they cannot be read)."""
    try:
        data = json.loads((Path(bank_dir) / FILE_NAME).read_text(encoding="utf-8"))
        return from_json(data)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def from_json(data: dict[str, Any]) -> Hotspots:
    functions = [_function(f) for f in data["functions"]]
    return Hotspots(
        profiler=str(data["profiler"]), unit=str(data["unit"]), command=str(data["command"]),
        commit=data.get("commit"), file_hashes=dict(data.get("file_hashes") or {}),
        measured_at=float(data.get("measured_at") or 0.0), wall_s=float(data.get("wall_s") or 0.0),
        total_samples=int(data.get("total_samples") or 0), functions=functions,
        unmapped=[Unmapped(str(u["symbol"]), float(u["share"]), str(u["reason"])) for u in data.get("unmapped") or []],
        warnings=[str(w) for w in data.get("warnings") or []], tests_included=bool(data.get("tests_included")),
        bench_stdout=str(data.get("bench_stdout") or ""))


def _function(f: dict[str, Any]) -> FunctionShare:
    return FunctionShare(
        file=str(f["file"]), qualified_name=str(f["qualified_name"]), start_line=int(f["start_line"]),
        end_line=int(f["end_line"]), self_share=float(f["self_share"]), inclusive_share=float(f["inclusive_share"]),
        samples=int(f["samples"]), text_hash=str(f["text_hash"]),
        lines=[LineShare(int(x["line"]), float(x["share"]), str(x["text"])) for x in f.get("lines") or []],
        callers=[CallerShare(str(c["file"]), str(c["qualified_name"]), float(c["share"]), bool(c.get("in_loop")))
                 for c in f.get("callers") or []])


def load_function_profiles(bank_dir: Path) -> dict[str, FunctionShare]:
    """FILE::QUALIFIED_NAME -> the function's profile from a run of its own benchmark."""
    try:
        data = json.loads((Path(bank_dir) / FUNCTIONS_FILE).read_text(encoding="utf-8"))
        return {key: _function(value) for key, value in data["functions"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def save_function_profile(bank_dir: Path, share: FunctionShare) -> None:
    kept = load_function_profiles(bank_dir)
    kept[share.key] = share
    Path(bank_dir).mkdir(parents=True, exist_ok=True)
    write_atomic(Path(bank_dir) / FUNCTIONS_FILE,
                 json.dumps({"format": FORMAT, "functions": {k: v.to_json() for k, v in kept.items()}}, indent=1) + "\n")


def file_hash(path: Path) -> str | None:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


def hash_files(root: Path, files: Iterable[str]) -> dict[str, str]:
    """sha256 of each repository-relative file that exists."""
    out = {}
    for rel in sorted(set(files)):
        digest = file_hash(Path(root) / rel)
        if digest is not None:
            out[rel] = digest
    return out


def stale_files(root: Path, hotspots: Hotspots) -> list[str]:
    """The files named by `hotspots` whose content changed (or that are gone) since measured."""
    return [rel for rel, digest in sorted(hotspots.file_hashes.items()) if file_hash(Path(root) / rel) != digest]


def share_for(hotspots: Hotspots | None, file: str, qualified_name: str, text_hash: str) -> FunctionShare | None:
    """The measured share of one function, or None when it was not measured or its text changed
    since (a figure for other code would mislead)."""
    if hotspots is None:
        return None
    for share in hotspots.functions:
        if share.file == file and share.qualified_name == qualified_name and share.text_hash == text_hash:
            return share
    return None


async def git_commit(root: Path) -> str | None:
    """`git rev-parse HEAD` of the repository, None when it is not a git checkout (a read-only
    query of the user's tree)."""
    from ..procs import run

    try:
        done = await run(["git", "-C", str(root), "rev-parse", "HEAD"], cwd=root, timeout=20)
    except OSError:
        return None
    commit = done.stdout.strip()
    return commit if done.ok and commit else None
