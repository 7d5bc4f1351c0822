"""A saved profile (.lessonl/hotspots.json, as lessonl.profile writes it) of the Python example
with known shares, for tests of what editors show from it (code lenses, hover)."""
from __future__ import annotations

import time
from pathlib import Path

from lessonl.code import list_functions
from lessonl.profile.records import FunctionShare, Hotspots
from lessonl.profile.store import save_hotspots

PY_CORE = "hotspots/core.py"
# qualified name -> (inclusive share, self share)
SHARES = {"count_primes": (0.41, 0.38), "moving_average": (0.30, 0.30), "find_duplicates": (0.03, 0.03),
          "join_words": (0.20, 0.20)}


def save_profile(repo: Path, stale: tuple[str, ...] = ("join_words",)) -> None:
    """Hotspots for the functions of hotspots/core.py as they read now (`stale`: measured on
    another text of the function): count_primes 41%, moving_average 30%, find_duplicates 3%."""
    refs = list_functions((repo / PY_CORE).read_text(), "python", PY_CORE)
    functions = [FunctionShare(file=PY_CORE, qualified_name=r.qualified_name, start_line=r.start_line,
                               end_line=r.end_line, self_share=SHARES[r.qualified_name][1],
                               inclusive_share=SHARES[r.qualified_name][0], samples=100,
                               text_hash="an older text" if r.qualified_name in stale else r.text_hash)
                 for r in refs]
    functions.sort(key=lambda f: f.inclusive_share, reverse=True)
    save_hotspots(repo / ".lessonl", Hotspots(
        profiler="cprofile", unit="seconds", command="python bench.py", commit=None, file_hashes={},
        measured_at=time.time(), wall_s=0.5, total_samples=100, functions=functions))
