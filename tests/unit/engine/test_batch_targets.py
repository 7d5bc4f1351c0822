"""Which functions a batch takes: named ones located now (a missing one is reported, not fatal),
or the hottest by own time from a saved profile that still describes the code."""
from __future__ import annotations

from pathlib import Path

from lessonl.engine.batch_targets import Located, Unlocated, changed_functions, locate_targets, rank
from lessonl.errors import TargetError
from lessonl.profile import load_hotspots
from tests.conftest import copy_example
from tests.support.saved_profile import save_profile


def test_named_targets_are_located_and_a_missing_one_is_kept_as_an_error(tmp_path: Path) -> None:
    root = copy_example("cpp-kernels", tmp_path)
    found = locate_targets(root, [("kernels.cpp", "histogram"), ("kernels.cpp", "nope"), ("gone.cpp", "f"),
                                  ("kernels.cpp", "histogram"), ("kernels.cpp", "matmul@5")])
    assert [type(f) for f in found] == [Located, Unlocated, Unlocated, Located]
    assert found[0].key == "kernels.cpp::histogram" and found[0].ref.qualified_name == "histogram"
    assert isinstance(found[1].error, TargetError) and "nope" in str(found[1].error)
    assert found[3].line == 5 and found[3].ref.start_line <= 5


def test_ranking_is_by_own_share_and_an_edited_function_makes_the_profile_stale(tmp_path: Path) -> None:
    root = copy_example("python-hotspots", tmp_path)
    save_profile(root, stale=())
    hotspots = load_hotspots(root / ".lessonl")
    assert hotspots is not None
    assert [f.qualified_name for f in rank(hotspots)] == ["count_primes", "moving_average", "join_words",
                                                         "find_duplicates"]
    assert changed_functions(root, hotspots, 2) == []
    core = root / "hotspots" / "core.py"
    core.write_text(core.read_text().replace("count = 0\n", "count = 0  # edited\n"))
    assert changed_functions(root, hotspots, 2) == ["hotspots/core.py::count_primes"]
    assert changed_functions(root, hotspots, 1) == ["hotspots/core.py::count_primes"]
