"""perf's output as LessonL reads it: a real `perf script` of the synthetic repository
(tests/fixtures/repos/hotspots-cpp, built in /tmp/syn with -g and frame pointers, recorded with
`perf record -e cpu-clock -F 2000 --call-graph dwarf,4096 -- /bin/sh -c "./bench 5000000"`) and
the real `addr2line -f -i -C -p -a` answer for its sampled addresses."""
from __future__ import annotations

from pathlib import Path

from lessonl.profile import perf
from lessonl.profile.index import FunctionIndex, symbol_name
from lessonl.profile.tally import shares

REPO = Path(__file__).resolve().parents[3]
FIXTURES = REPO / "tests" / "fixtures" / "profile"
SYNTHETIC = REPO / "tests" / "fixtures" / "repos" / "hotspots-cpp"
RECORDED_IN = Path("/tmp/syn")  # where the fixture's program was built and recorded


def _samples() -> list[perf.Sample]:
    samples = perf.parse_script((FIXTURES / "perf-script.txt").read_text())
    found = perf.parse_addr2line((FIXTURES / "addr2line.txt").read_text())
    for sample in samples:
        for frame in sample.frames:
            levels = found.get(perf.query_address(frame) or -1) if frame.dso == str(RECORDED_IN / "bench") else None
            if levels:
                frame.inline = levels
                frame.file, frame.line = levels[0]
    return samples


def test_every_sample_and_frame_is_read() -> None:
    text = (FIXTURES / "perf-script.txt").read_text()
    samples = perf.parse_script(text)
    headers = [line for line in text.splitlines() if line and not line[0].isspace()]
    assert len(samples) == len(headers) == 187
    assert all(s.frames for s in samples)
    first = next(s for s in samples if any(f.symbol == "sim::Grid::relax" for f in s.frames))
    assert first.comm == "bench" and first.frames[0].leaf and not first.frames[1].leaf
    relax = next(f for f in first.frames if f.symbol == "sim::Grid::relax")
    assert relax.dso == "/tmp/syn/bench" and relax.ip is not None


def test_addr2line_gives_inline_levels_innermost_first() -> None:
    found = perf.parse_addr2line((FIXTURES / "addr2line.txt").read_text())
    inlined = [levels for levels in found.values() if len(levels) > 1]
    assert inlined, "the shared loop body `step` is inlined into the three functions"
    assert inlined[0][0] == ("/tmp/syn/work.cpp", 4)  # step's line, then the line that calls it
    assert all(line > 4 for _file, line in (levels[1] for levels in inlined))


def test_samples_map_to_the_functions_in_the_true_proportions() -> None:
    index = FunctionIndex(SYNTHETIC, ("c", "cpp"), copies=[RECORDED_IN])
    tally = perf.tally_samples(_samples(), perf.NativeMapper(index, [RECORDED_IN]))
    assert tally.samples == 187
    functions, _unmapped = shares(tally, index, None)
    by_name = {f.qualified_name: f for f in functions}
    relax, mix, tail = (by_name[n].inclusive_share for n in ("sim::Grid::relax", "mix", "tail"))
    work = relax + mix + tail
    assert abs(relax / work - 0.6) < 0.06 and abs(mix / work - 0.3) < 0.06 and abs(tail / work - 0.1) < 0.05
    assert by_name["main"].inclusive_share > 0.9  # DWARF unwinding keeps the leaf functions' caller
    assert by_name["step"].self_share > 0.5  # the inlined helper is where the samples land
    hot = by_name["sim::Grid::relax"]
    assert hot.lines and hot.lines[0].line == 9 and "step(s, i)" in hot.lines[0].text
    assert [c.qualified_name for c in hot.callers] == ["main"] and hot.callers[0].in_loop
    assert by_name["mix"].start_line == 13  # the overload the benchmark calls, not mix(long, double)


def test_frames_outside_the_repository_are_unmapped_with_a_reason() -> None:
    index = FunctionIndex(SYNTHETIC, ("c", "cpp"), copies=[RECORDED_IN])
    mapper = perf.NativeMapper(index, [RECORDED_IN])
    assert mapper.why_unmapped(perf.Frame("memcpy", "/usr/lib/x86_64-linux-gnu/libc.so.6")) == "library: libc.so.6"
    assert mapper.why_unmapped(perf.Frame("x", "[kernel.kallsyms]")).startswith("kernel")
    assert "no symbol" in mapper.why_unmapped(perf.Frame("[unknown]", "/tmp/syn/bench"))
    vector = perf.Frame("std::vector<int>::_M_realloc_insert", "/tmp/syn/bench", inline=[("/usr/include/c++/12/bits/vector.tcc", 3)])
    assert "library code compiled into your program" in mapper.why_unmapped(vector)
    assert not mapper.map(vector)


def test_symbol_names_become_qualified_names() -> None:
    assert symbol_name("ns::Box<int>::area(int) const [clone .isra.0]") == "ns::Box::area"
    assert symbol_name("matmul.constprop.0") == "matmul"
    assert symbol_name("std::_Function_handler<void (), main::{lambda()#2}>::_M_invoke") == \
        "std::_Function_handler::_M_invoke"
    assert symbol_name("Grid::operator()(int)") == "Grid::operator()"


def test_the_record_command_profiles_the_whole_shell_command() -> None:
    command = perf.record_command("./bench '' && echo done", Path("/x/perf.data"))
    assert command.startswith("perf record -e cpu-clock ") and "--call-graph dwarf" in command
    assert command.endswith("-- /bin/sh -c './bench '\"'\"''\"'\"' && echo done'")
    assert perf.not_permitted("Error:\nNo permission to enable cpu-clock event.\n")


def test_the_sampling_frequency_stays_under_the_kernels_ceiling(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    ceiling = tmp_path / "perf_event_max_sample_rate"
    ceiling.write_text("1000\n")
    monkeypatch.setattr(perf, "MAX_RATE_FILE", ceiling)
    assert perf.frequency_allowed() == 1000 and " -F 1000 " in perf.record_command("./b", Path("/x"))
    ceiling.write_text("100000\n")
    assert perf.frequency_allowed() == perf.FREQUENCY
    monkeypatch.setattr(perf, "MAX_RATE_FILE", tmp_path / "absent")
    assert perf.frequency_allowed() == perf.FREQUENCY
