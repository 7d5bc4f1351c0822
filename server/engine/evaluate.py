"""Judge one rewrite of one function: a model's reply (or a bare function) spliced into its file.

`lessonl evaluate FILE::FUNCTION --candidate PATH` lands here: the same extraction, splicing and
rejection rules as the loop, then the judge. A reply that cannot be used (changed signature,
no code, broken syntax) is REJECTED before any build, with the reason the loop would bank.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Mapping

from ..cancel import CancelToken
from ..code import parse_spec
from ..judge import CheckTarget, Judge
from ..records import Verdict
from .candidates import make_candidate, rejected_verdict
from .request import OptimizeRequest
from .target import resolve_target


async def evaluate_reply(spec: str, reply: str, cwd: str | Path = ".",
                         overrides: Mapping[str, Any] | None = None,
                         log: Callable[[str], None] | None = None,
                         cancel: CancelToken | None = None) -> Verdict:
    """`spec` is FILE::NAME[@LINE] with FILE relative to `cwd` (or absolute)."""
    from ..config import find_root, load_config

    file, name, line = parse_spec(spec)
    path = (Path(cwd) / file).resolve()
    root = find_root(path if path.is_dir() else path.parent)
    config = load_config(root, dict(overrides) if overrides else None)
    target = resolve_target(root, OptimizeRequest(root, str(path), name=name, line=line))
    candidate = make_candidate(target, agent="evaluate", model="", round_=0, reply=reply, prompt_lesson_ids=[])
    if candidate.new_file_text is None:
        return rejected_verdict(candidate)
    judge = Judge(config, log=log)
    return await judge.evaluate(target.file_rel, candidate.new_file_text, function=target.ref.qualified_name,
                                cancel=cancel, target=CheckTarget(target.ref, target.text))
