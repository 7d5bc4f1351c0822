"""All of a batch's verified wins together: spliced into one copy and judged against the original.

Each win is a whole file with one function rewritten (plus any helpers or includes it added).
Wins are put in one after another, each replayed onto the file as the wins before it left it
(lessonl.code.relocate finds the function unchanged, lessonl.code.rebase replays the rewrite's
hunks); a win whose function or hunks cannot be found there is a conflict and is left out. The
rest are judged together by the judge on the whole benchmark ({function} = ""): the same build,
tests, interleaved timing, forgery checks and sandbox as any candidate. Wins that each made their
own function faster need not make the program faster together (a shared cache, one rewrite's
gain hidden by another's cost), and may not even be correct together: both are said.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from ..cancel import CancelToken
from ..code import relocate
from ..code.rebase import rebase
from ..code.source import read_source
from ..errors import Cancelled, LessonLError
from ..records import Outcome
from .batch_request import BatchItem, CombinedVerdict


def splice_wins(root: Path, wins: list[BatchItem]) -> CombinedVerdict:
    """The combined text of every file the wins touch; conflicts named. Nothing is judged."""
    combined = CombinedVerdict()
    texts: dict[str, str] = {}
    for item in wins:
        summary = item.summary
        assert summary is not None and summary.new_text is not None
        file = summary.file
        if file not in texts:
            try:
                texts[file] = read_source(Path(root) / file, file)[0]
            except (OSError, LessonLError) as exc:
                combined.conflicts[item.key] = f"{file} cannot be read: {exc}"
                continue
        current = texts[file]
        try:
            relocate(current, summary.ref())
        except LessonLError as exc:
            combined.conflicts[item.key] = f"the function is no longer as optimized: {exc.message}"
            continue
        merged = (summary.new_text if current == summary.original_text
                  else rebase(summary.original_text, summary.new_text, current))
        if merged is None:
            combined.conflicts[item.key] = ("its rewrite overlaps an earlier win's change to "
                                            f"{file} (or the file changed there)")
            continue
        texts[file] = merged
        combined.applied.append(item.key)
    combined.changes = {file: text for file, text in texts.items()
                        if any(k.startswith(f"{file}::") for k in combined.applied)}
    return combined


async def combine(judge: Any, root: Path, wins: list[BatchItem], cancel: CancelToken | None = None) -> CombinedVerdict:
    """Splice the wins together and judge them on the whole benchmark against the original."""
    combined = splice_wins(root, wins)
    if not combined.applied:
        combined.message = ("no verified wins to combine" if not wins
                            else "every win conflicts: nothing could be judged together")
        return combined
    try:
        verdict = await judge.evaluate_files(combined.changes, None, cancel)
    except Cancelled:
        raise
    except LessonLError as exc:
        combined.message = f"the combined wins could not be judged: {exc}"
        return combined
    combined.verdict = verdict
    combined.composes = verdict.outcome is Outcome.FASTER
    combined.message = describe(combined)
    return combined


def describe(combined: CombinedVerdict) -> str:
    verdict = combined.verdict
    if verdict is None:
        return combined.message
    count = len(combined.applied)
    wins = f"{count} win{'s' if count != 1 else ''}"
    if verdict.outcome is Outcome.FASTER and verdict.speedup is not None and verdict.ci is not None:
        text = (f"{wins} together: the whole benchmark is {verdict.speedup:.2f}x faster "
                f"(95% interval {verdict.ci[0]:.2f}x to {verdict.ci[1]:.2f}x)")
    elif verdict.outcome.is_correct:
        speed = f" ({verdict.speedup:.2f}x)" if verdict.speedup else ""
        text = (f"{wins} together do not compose: the whole benchmark is not verifiably faster "
                f"({verdict.outcome.value.replace('_', ' ')}{speed})")
    else:
        text = (f"{wins} together do not compose: combined they are {verdict.outcome.value.replace('_', ' ')}"
                f" ({verdict.message})")
    if combined.conflicts:
        text += f"; {len(combined.conflicts)} conflicting win(s) left out"
    return text
