"""hotspots.json: saved and read back whole, stale files recognised, share_for only for the same text."""
from __future__ import annotations

from pathlib import Path

from lessonl.profile import (CallerShare, FunctionShare, Hotspots, LineShare, Unmapped, load_hotspots,
                             save_hotspots, share_for, stale_files)
from lessonl.profile.store import hash_files


def _hotspots(root: Path) -> Hotspots:
    share = FunctionShare(file="k.cpp", qualified_name="ns::K::run", start_line=3, end_line=9, self_share=0.4,
                          inclusive_share=0.61, samples=1220, text_hash="abc",
                          lines=[LineShare(5, 0.8, "for (;;) x();")], callers=[CallerShare("m.cpp", "main", 1.0, True)])
    return Hotspots(profiler="perf", unit="cpu-clock samples", command="./bench ", commit="0" * 40,
                    file_hashes=hash_files(root, ["k.cpp"]), measured_at=1.0, wall_s=0.5, total_samples=2000,
                    functions=[share], unmapped=[Unmapped("memcpy", 0.02, "library: libc.so.6")],
                    warnings=["w"], tests_included=True, bench_stdout="{}")


def test_round_trip_and_stale_files(tmp_path: Path) -> None:
    (tmp_path / "k.cpp").write_text("int x;\n")
    saved = _hotspots(tmp_path)
    save_hotspots(tmp_path / ".lessonl", saved)
    loaded = load_hotspots(tmp_path / ".lessonl")
    assert loaded == saved
    assert stale_files(tmp_path, loaded) == []
    (tmp_path / "k.cpp").write_text("int y;\n")
    assert stale_files(tmp_path, loaded) == ["k.cpp"]
    (tmp_path / "k.cpp").unlink()
    assert stale_files(tmp_path, loaded) == ["k.cpp"]


def test_share_for_needs_the_same_function_text(tmp_path: Path) -> None:
    hotspots = _hotspots(tmp_path)
    assert share_for(hotspots, "k.cpp", "ns::K::run", "abc") is hotspots.functions[0]
    assert share_for(hotspots, "k.cpp", "ns::K::run", "changed") is None
    assert share_for(hotspots, "k.cpp", "other", "abc") is None
    assert share_for(None, "k.cpp", "ns::K::run", "abc") is None


def test_unreadable_files_read_as_none(tmp_path: Path) -> None:
    assert load_hotspots(tmp_path) is None
    (tmp_path / "hotspots.json").write_text("{not json")
    assert load_hotspots(tmp_path) is None
    (tmp_path / "hotspots.json").write_text('{"functions": [{"file": 1}]}')
    assert load_hotspots(tmp_path) is None
