"""The profile that goes into the code prompts: one figure per job, obtained before round 1.

A profile helps the model aim, but it is an extra, never a precondition: whatever goes wrong
while profiling (no profiler, perf not permitted, a benchmark too brief to sample, a crash in
the profiler itself, a run that takes too long) ends in prompts without the profile and a
sentence saying why. Only the job's own cancel goes through.
"""
from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..cancel import CancelToken
from ..errors import Cancelled, LessonLError
from ..records import FunctionRef

if TYPE_CHECKING:
    from ..profile.records import FunctionShare

# A profile that took longer than this is named in the result's warnings, so its cost is seen.
SLOW_PROFILE_S = 30.0


@dataclass
class PromptProfile:
    """What the job got: the function's figures (or None), the wall time it cost, and, when
    there is no figure although one was wanted, why (the job's warning)."""

    share: FunctionShare | None = None
    wall_s: float = 0.0
    problem: str = ""
    wanted: bool = True

    @property
    def slow(self) -> bool:
        return self.wall_s >= SLOW_PROFILE_S


def wanted(config: Any, use_profile: bool) -> bool:
    """The request and `[profile] prompt` must both allow it."""
    section = getattr(config, "profile", None)
    return bool(use_profile) and bool(getattr(section, "prompt", True))


async def prompt_profile(root: Path, config: Any, ref: FunctionRef, *, cancel: CancelToken,
                         limit: float) -> PromptProfile:
    """`lessonl.profile.function_profile` for `ref`, bounded by `limit` seconds; raises only
    Cancelled, and only when `cancel` (the job's token) was cancelled."""
    started = time.monotonic()
    token = CancelToken()
    detach = cancel.on_cancel(token.cancel)
    timer = asyncio.get_running_loop().call_later(limit, token.cancel)
    try:
        from ..profile import function_profile  # lazily: profiling is optional for the loop

        share = await function_profile(root, config, ref, cancel=token)
    except Cancelled:
        if cancel.cancelled:
            raise
        return PromptProfile(None, time.monotonic() - started,
                             f"profiling the benchmark took longer than {limit:g} s (loop.run_timeout)")
    except LessonLError as exc:
        return PromptProfile(None, time.monotonic() - started, _sentence(exc.message, exc.hint))
    except Exception as exc:  # noqa: BLE001 - a profiler bug must not cost the user the job
        return PromptProfile(None, time.monotonic() - started, f"{type(exc).__name__}: {exc}")
    finally:
        timer.cancel()
        detach()
    wall = time.monotonic() - started
    if share is None:
        return PromptProfile(None, wall, f"the profile of the benchmark does not show {ref.qualified_name} "
                                         "(never called, or too little time to sample)")
    return PromptProfile(share, wall)


def summary(profile: PromptProfile, name: str) -> str:
    """One line for the progress display and the log."""
    if profile.share is None:
        return f"no profile for the prompts ({profile.wall_s:.1f} s)"
    share = profile.share
    lines = f", {len(share.lines)} lines measured" if share.lines else ""
    return (f"profile: {name} takes {share.inclusive_share * 100:.0f}% of the benchmark's time{lines} "
            f"({profile.wall_s:.1f} s)")


def _sentence(message: str, hint: str | None) -> str:
    return f"{message.rstrip('.')} ({hint})" if hint else message
