"""Where the benchmark's time goes (issue 13, docs/design.md "Profile"): the user's own
benchmark run under a profiler in a scratch copy, its samples mapped to the functions the
locator finds, ranked by share of the run, kept in `.lessonl/hotspots.json` with the commit
and file hashes they were measured on.

Reading saved figures (store) needs nothing else; profiling (api) runs the judge's scratch
copies and sandbox."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .records import CallerShare, FunctionShare, Hotspots, LineShare, Unmapped
from .store import bank_dir_for, load_hotspots, save_hotspots, share_for, stale_files

if TYPE_CHECKING:
    from .api import function_profile, profile_benchmark

__all__ = ["CallerShare", "FunctionShare", "Hotspots", "LineShare", "Unmapped", "bank_dir_for", "function_profile",
           "load_hotspots", "profile_benchmark", "save_hotspots", "share_for", "stale_files"]


def __getattr__(name: str) -> Any:
    """profile_benchmark and function_profile load the judge's modules only when first used, so
    a reader of saved figures (the editor's code lenses) does not pay for them."""
    if name in ("profile_benchmark", "function_profile"):
        from . import api
        return getattr(api, name)
    raise AttributeError(name)
