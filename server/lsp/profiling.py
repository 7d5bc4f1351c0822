"""`lessonl.profileBenchmark`: runs the repository's benchmark under a profiler (lessonl.profile),
saves the hotspots in the bank folder and asks the client to refresh its code lenses, so every
open file shows its hot functions ("LessonL: 41% of benchmark time · Optimize").

A job like an optimization (one per root): its own thread and loop, work-done progress with a
cancel button, `lessonl.cancel` and $/cancelRequest stop it and kill the profiled processes.
A missing benchmark, a missing or forbidden profiler and a run too brief to sample are one
plain message each (the ProfilerError/ConfigError's own words), never a traceback.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams

from ..errors import Cancelled, LessonLError
from . import hotspots, root_jobs
from .jobs import Job, run_in_thread
from .progress import JobProgress
# At run time, not only for type checkers: pygls reads a command handler's annotations.
from .server import LessonLServer

log = logging.getLogger(__name__)
COMMAND = "lessonl.profileBenchmark"
JOB_NAME = "benchmark profile"
SHOWN = 5  # hot functions named in the message


def _root_arg(args: tuple[Any, ...]) -> str | None:
    if len(args) > 1 or (args and args[0] is not None and not isinstance(args[0], str)):
        raise JsonRpcInvalidParams(f"{COMMAND} expects (uri?: string | null: a file or folder of the "
                                   f"repository), got {list(args)!r}")
    return args[0] if args else None


async def profile_benchmark(ls: LessonLServer, *args: Any) -> dict[str, Any]:
    return await root_jobs.start(ls, COMMAND, _root_arg(args), JOB_NAME,
                                 lambda name: f"LessonL is already profiling the benchmark of {name}.",
                                 lambda job, state: _run(ls, job, state))


async def _run(ls: LessonLServer, job: Job, state: Any) -> dict[str, Any]:
    progress = JobProgress(ls, job, title="LessonL: profiling the benchmark",
                           first_message="running the benchmark under a profiler")
    await progress.begin()
    threshold = ls.settings.for_root(state.root).hotspot_threshold
    end = "failed"
    try:
        hot = await run_in_thread(job, lambda token, say: _measure(state, token, say), progress.say)
        out = _summary(state, hot, threshold)
        end = out["message"]
        ls.tell(end, types.MessageType.Warning if hot.warnings else types.MessageType.Info)
        await ls.refresh_code_lenses()
        return out
    except Cancelled:
        end = "LessonL: profiling cancelled."
        ls.tell(end)
        return {"status": "cancelled", "message": end, "root": str(state.root)}
    except LessonLError as exc:  # no benchmark, profiler missing or not permitted, run too brief
        end = f"LessonL: cannot profile the benchmark: {exc}"
        ls.tell(end, types.MessageType.Error)
        return {"status": "error", "message": end, "root": str(state.root)}
    except ImportError as exc:
        end = f"LessonL: profiling is not available in this installation ({exc})."
        ls.tell(end, types.MessageType.Error)
        return {"status": "error", "message": end, "root": str(state.root)}
    except asyncio.CancelledError:
        end = "cancelled"
        raise
    except Exception as exc:  # our bug: log it fully, tell the person one line
        log.exception("profiling %s failed", state.root)
        end = f"LessonL: internal error while profiling: {type(exc).__name__}: {exc}"
        ls.tell(end, types.MessageType.Error)
        return {"status": "error", "message": end, "root": str(state.root)}
    finally:
        progress.end(end)


async def _measure(state: Any, token: Any, say: Any) -> Any:
    """In the job's thread: profile, then save where code lenses and hover read it."""
    from ..profile import profile_benchmark as profile, save_hotspots

    hot = await profile(state.root, state.config, cancel=token, log=say)
    save_hotspots(hotspots.bank_dir(state), hot)
    hotspots.forget(state)
    return hot


def _summary(state: Any, hot: Any, threshold: float) -> dict[str, Any]:
    above = [f for f in hot.functions if f.inclusive_share >= threshold]
    named = ", ".join(f"{f.qualified_name} {hotspots.percent(f.inclusive_share)}" for f in above[:SHOWN])
    message = (f"LessonL: profiled the benchmark with {hot.profiler} ({hot.wall_s:.1f} s): "
               + (f"hot functions {named}" if above else
                  f"no function takes {hotspots.percent(threshold)} of its time or more"))
    if hot.warnings:
        message += " (" + "; ".join(hot.warnings) + ")"
    return {"status": "ok", "message": message, "root": str(state.root), "profiler": hot.profiler,
            "wallSeconds": hot.wall_s, "threshold": threshold,
            "hot": [f.to_json() for f in above], "functions": len(hot.functions),
            "unmapped": [u.to_json() for u in hot.unmapped], "warnings": list(hot.warnings)}


def register(server: LessonLServer) -> None:
    server.command(COMMAND)(profile_benchmark)
