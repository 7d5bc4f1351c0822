"""Which functions a batch optimizes: those named, or the N hottest of the saved profile.

Named targets are located now, in the files as they are; one that cannot be found (no such
file, no such function) becomes a failed item of the report, and the rest still run. Without
names, the saved hotspots (`.lessonl/hotspots.json`) rank the functions by their own share of
the benchmark's time (self share: a driver such as `main` includes everything and is not what to
rewrite); when none are saved, or a file they were measured on changed, the benchmark is
profiled first (lessonl.profile).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from ..cancel import CancelToken
from ..code import parse_spec
from ..errors import LessonLError, TargetError
from ..records import FunctionRef
from .request import OptimizeRequest
from .target import resolve_target


@dataclass
class Located:
    """A target found in the current text of its file."""

    file: str
    qualified_name: str
    line: int | None
    ref: FunctionRef

    @property
    def key(self) -> str:
        return f"{self.file}::{self.qualified_name}"


@dataclass
class Unlocated:
    """A target that cannot be found: reported as failed, with the error."""

    file: str
    qualified_name: str
    error: LessonLError


def locate_targets(root: Path, names: list[tuple[str, str]]) -> list[Located | Unlocated]:
    """Each (file, name[@LINE]) located in its file as it is now, in order, duplicates dropped."""
    found: list[Located | Unlocated] = []
    seen: set[str] = set()
    for file, name in names:
        line = None
        try:
            file, name, line = parse_spec(f"{file}::{name}")
            target = resolve_target(root, OptimizeRequest(root, file, name=name, line=line))
        except LessonLError as exc:
            found.append(Unlocated(file, name, exc))
            continue
        entry = Located(target.file_rel, target.ref.qualified_name, line, target.ref)
        if entry.key not in seen:
            seen.add(entry.key)
            found.append(entry)
    return found


async def hottest(root: Path, config: Any, top: int, cancel: CancelToken | None = None,
                  log: Callable[[str], None] | None = None) -> tuple[list[tuple[str, str]], list[str]]:
    """The `top` hottest functions as (file, qualified_name), and warnings (a re-profile said why).
    Raises ProfilerError / ConfigError when there is no profile and none can be taken."""
    try:
        from .. import profile
    except ImportError:
        raise TargetError("no hotspots to take the hottest functions from: this LessonL cannot profile",
                          hint="name the functions: lessonl batch FILE::FUNCTION ...") from None
    say = log or (lambda message: None)
    bank_dir = Path(config.bank_path)
    warnings: list[str] = []
    hotspots = profile.load_hotspots(bank_dir)
    stale = [*profile.stale_files(root, hotspots), *changed_functions(root, hotspots, top)] if hotspots else []
    if hotspots is None or stale:
        why = ("no saved profile" if hotspots is None
               else f"the saved profile is stale ({', '.join(stale[:3])} changed)")
        say(f"{why}: profiling the benchmark first")
        if hotspots is not None:
            warnings.append(f"{why}; profiled the benchmark again")
        hotspots = await profile.profile_benchmark(root, config, cancel=cancel, log=log)
        profile.save_hotspots(bank_dir, hotspots)
    warnings.extend(getattr(hotspots, "warnings", []) or [])
    ranked = rank(hotspots)
    if not ranked:
        raise TargetError("the profile attributes no time to any function LessonL can rewrite",
                          hint="name the functions: lessonl batch FILE::FUNCTION ...")
    return [(f.file, f.qualified_name) for f in ranked[:top]], warnings


def rank(hotspots: Any) -> list[Any]:
    """Functions by their own share of the run, highest first (ties: inclusive share, name)."""
    return sorted((f for f in hotspots.functions if f.self_share > 0),
                  key=lambda f: (-f.self_share, -f.inclusive_share, f.file, f.qualified_name))


def changed_functions(root: Path, hotspots: Any, top: int) -> list[str]:
    """Of the `top` ranked functions, those whose text is no longer what was measured (the file
    hashes may not say so: a profile saved without them, or the same bytes moved)."""
    texts: dict[str, dict[str, str]] = {}
    changed = []
    for share in rank(hotspots)[:top]:
        if share.file not in texts:
            texts[share.file] = _hashes(root, share.file)
        if texts[share.file].get(share.qualified_name) != share.text_hash:
            changed.append(f"{share.file}::{share.qualified_name}")
    return changed


def _hashes(root: Path, file: str) -> dict[str, str]:
    from ..code import language_for, list_functions
    from ..code.source import read_source

    path = root / file
    language = language_for(path)
    try:
        text = read_source(path, file)[0]
    except (OSError, LessonLError):
        return {}
    if language is None:
        return {}
    return {ref.qualified_name: ref.text_hash for ref in list_functions(text, language, file)}
