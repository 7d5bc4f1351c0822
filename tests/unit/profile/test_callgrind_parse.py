"""callgrind's output as LessonL reads it: a real file of the synthetic repository's bench
(`valgrind --tool=callgrind --dump-line=yes --dump-instr=no ./bench 300000`, built in /tmp/syn
with -g), where three functions run the same loop body 6N, 3N and N times."""
from __future__ import annotations

from pathlib import Path

from lessonl.profile import callgrind
from lessonl.profile.index import FunctionIndex
from lessonl.profile.perf import NativeMapper
from lessonl.profile.tally import shares

REPO = Path(__file__).resolve().parents[3]
FILE = REPO / "tests" / "fixtures" / "profile" / "callgrind.out"
SYNTHETIC = REPO / "tests" / "fixtures" / "repos" / "hotspots-cpp"
RECORDED_IN = Path("/tmp/syn")


def test_functions_costs_and_calls_are_read() -> None:
    profile = callgrind.parse(FILE.read_text())
    names = {f.name for f in profile.functions.values()}
    assert {"sim::Grid::relax(long)", "mix(long)", "tail(long)", "main"} <= names
    main = next(f for f in profile.functions.values() if f.name == "main")
    callees = {profile.functions[c].name for c, *_ in main.calls}
    assert {"sim::Grid::relax(long)", "mix(long)", "tail(long)"} <= callees
    assert profile.total == float(next(line.split()[1] for line in FILE.read_text().splitlines()
                                       if line.startswith(("summary:", "totals:"))))


def test_instruction_shares_follow_the_work() -> None:
    index = FunctionIndex(SYNTHETIC, ("c", "cpp"), copies=[RECORDED_IN])
    tally = callgrind.tally_profile(callgrind.parse(FILE.read_text()), NativeMapper(index, [RECORDED_IN]))
    functions, unmapped = shares(tally, index, None)
    by_name = {f.qualified_name: f for f in functions}
    relax, mix, tail = (by_name[n].inclusive_share for n in ("sim::Grid::relax", "mix", "tail"))
    work = relax + mix + tail
    assert abs(relax / work - 0.6) < 0.01 and abs(mix / work - 0.3) < 0.01 and abs(tail / work - 0.1) < 0.01
    assert work > 0.8  # the rest is start-up (the dynamic loader) and I/O
    assert by_name["main"].inclusive_share >= work
    assert by_name["sim::Grid::relax"].lines[0].line in (4, 9)
    assert any(u.reason.startswith("library") for u in unmapped)
    callers = by_name["mix"].callers
    assert callers and callers[0].qualified_name == "main" and callers[0].in_loop


def test_compressed_positions_and_names() -> None:
    text = ("events: Ir\nfl=(1) /tmp/a.cpp\nfn=(1) f\n10 5\n+2 3\n* 1\ncfn=(2) g\ncalls=1 20\n-1 100\n"
            "fn=(2)\n20 100\nsummary: 109\n")
    profile = callgrind.parse(text)
    f, g = profile.functions[0], profile.functions[1]
    assert f.costs == {("/tmp/a.cpp", 10): 5, ("/tmp/a.cpp", 12): 4}
    assert f.calls == [(1, "/tmp/a.cpp", 11, 100.0)] and g.name == "g" and g.costs == {("/tmp/a.cpp", 20): 100}
    assert profile.total == 109
