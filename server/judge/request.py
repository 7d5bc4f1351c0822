"""From "this file on disk, this replacement text" to a Judge and a verdict.

The faces (CLI now; function-level specs FILE::FUNCTION later) hand over paths as the user
typed them; finding the repository, loading its config and naming the file relative to the
root happens here, once, so every face reports the same errors the same way.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Mapping

from ..cancel import CancelToken
from ..errors import TargetError
from ..records import Verdict
from ..code import parse_spec
from .behaviour_check import CheckTarget
from .judge import Judge
from .reports import BaselineReport, CalibrationReport


def open_judge(path: str | Path, overrides: Mapping[str, Any] | None = None,
               log: Callable[[str], None] | None = None) -> Judge:
    """A Judge for the repository holding `path` (a file or folder); ConfigError if it has no
    usable config (the message suggests `lessonl init`)."""
    from ..config import find_root, load_config  # the config package is loaded only when needed

    start = Path(path).resolve()
    root = find_root(start if start.is_dir() else start.parent)
    return Judge(load_config(root, dict(overrides) if overrides else None), log=log)


def relative_to_root(judge: Judge, path: str | Path) -> str:
    """`path` (absolute, or relative to the current folder) as the judge names it."""
    absolute = Path(path).resolve()
    if not absolute.is_file():
        raise TargetError(f"{path} does not exist or is not a file", file=str(path))
    if not absolute.is_relative_to(judge.root):
        raise TargetError(f"{path} is not inside the repository {judge.root}", file=str(path))
    return absolute.relative_to(judge.root).as_posix()


async def evaluate_file(path: str | Path, new_text: str, function: str | None = None,
                        overrides: Mapping[str, Any] | None = None, log: Callable[[str], None] | None = None,
                        cancel: CancelToken | None = None) -> Verdict:
    """Verdict for replacing the file at `path` by `new_text`."""
    judge = open_judge(path, overrides, log)
    return await judge.evaluate(relative_to_root(judge, path), new_text, function=function, cancel=cancel)


async def check_repository(path: str | Path, function: str | None = None,
                           overrides: Mapping[str, Any] | None = None, log: Callable[[str], None] | None = None,
                           cancel: CancelToken | None = None) -> tuple[Judge, BaselineReport]:
    """`function` is a name for {function}, or FILE::NAME[@LINE] (FILE relative to the current
    folder or absolute): then the reach and behaviour checks run for that function too."""
    judge = open_judge(path, overrides, log)
    target = None
    if function and "::" in function and Path(parse_spec(function)[0]).suffix:
        target = _check_target(judge, function)
        function = target.ref.qualified_name
    return judge, await judge.check_baseline(function=function, cancel=cancel, target=target)


def _check_target(judge: Judge, spec: str) -> CheckTarget:
    from ..engine.request import OptimizeRequest
    from ..engine.target import resolve_target

    file, name, line = parse_spec(spec)
    target = resolve_target(judge.root, OptimizeRequest(judge.root, str(Path(file).resolve()), name=name, line=line))
    return CheckTarget(target.ref, target.text)


async def calibrate_repository(path: str | Path, function: str | None = None,
                               overrides: Mapping[str, Any] | None = None,
                               log: Callable[[str], None] | None = None,
                               cancel: CancelToken | None = None) -> CalibrationReport:
    judge = open_judge(path, overrides, log)
    return await judge.calibrate(function=function, cancel=cancel)
