"""The profile section of the code prompt: the function's share of the benchmark, its hot lines
and its looping callers, placed between Code A and the lessons without moving anything else."""
from __future__ import annotations

from dataclasses import replace

from lessonl import prompts
from lessonl.profile.records import CallerShare, FunctionShare, LineShare
from lessonl.records import FunctionRef, Outcome
from lessonl_store.records import Lesson

SOURCE = ("// Builds a histogram by scanning the whole input once per bin.\n"
          "std::vector<int> histogram(const std::vector<int>& data, int bins) {\n"
          "    std::vector<int> counts(bins, 0);\n"
          "    for (int bin = 0; bin < bins; ++bin) {\n"
          "        for (std::size_t i = 0; i < data.size(); ++i) {\n"
          "            if (data[i] == bin) {\n"
          "                counts[bin] += 1;\n"
          "            }\n"
          "        }\n"
          "    }\n"
          "    return counts;\n"
          "}\n")
START = 17  # the function's first line in its file
REF = FunctionRef(file="kernels.cpp", qualified_name="histogram", name="histogram", language="cpp",
                  start_line=START, end_line=START + 11, start_byte=0, end_byte=len(SOURCE), text=SOURCE,
                  text_hash="h", signature="std::vector<int> histogram(const std::vector<int>&, int)")
LINE = {i + 1: text for i, text in enumerate(SOURCE.splitlines())}  # Code A's lines, 1-based


def at(code_a_line: int, share: float, start: int = START) -> LineShare:
    """A measured line, given by its line in Code A, as the profiler reports it (a file line)."""
    return LineShare(line=start + code_a_line - 1, share=share, text=LINE[code_a_line].rstrip())


def share(lines: list[LineShare], callers: list[CallerShare] = (), self_share: float = 0.40,
          inclusive: float = 0.43, start: int = START) -> FunctionShare:
    return FunctionShare(file="kernels.cpp", qualified_name="histogram", start_line=start, end_line=start + 11,
                         self_share=self_share, inclusive_share=inclusive, samples=1000, text_hash="h",
                         lines=lines, callers=list(callers))


HOT = [at(6, 0.62), at(5, 0.25), at(7, 0.08), at(4, 0.03), at(11, 0.01)]


def user_text(profile: FunctionShare | None, lessons: list[Lesson] = (), **kw: object) -> str:
    messages = prompts.code_messages(REF, "// kernels.h", list(lessons), "cpp", profile=profile, **kw)
    assert [m["role"] for m in messages] == ["system", "user"]
    return messages[1]["content"]


def section(text: str) -> str:
    start = text.index(prompts.PROFILE_HEADING)
    return text[start:text.index("\n### ", start + 1)].rstrip("\n")


def lesson(text: str) -> Lesson:
    return Lesson(text=text, outcome=Outcome.FASTER.value, speedup=2.0, round=0, agent="a", model="m",
                  file="kernels.cpp", qualified_name="histogram", function_hash="h")


def test_without_a_profile_the_prompt_is_exactly_as_before() -> None:
    plain = prompts.code_messages(REF, "// kernels.h", [lesson("One pass.")], "cpp")
    assert prompts.code_messages(REF, "// kernels.h", [lesson("One pass.")], "cpp", profile=None) == plain
    assert prompts.PROFILE_HEADING not in plain[1]["content"]


def test_the_section_sits_between_code_a_and_the_lessons_and_keeps_the_routing_heading() -> None:
    text = user_text(share(HOT), [lesson("One pass over the data.")])
    assert text.startswith(prompts.CODE_TASK) and prompts.LESSON_TASK not in text
    order = [text.index(mark) for mark in ("### Context", "(Code A)", prompts.PROFILE_HEADING,
                                           prompts.LESSONS_PREAMBLE, prompts.OTHER_STRATEGIES, "### Answer format")]
    assert order == sorted(order)
    assert text.rstrip().endswith(prompts.answer_format(REF, "cpp"))
    # everything but the section is what the prompt without a profile says
    assert text.replace(section(text) + "\n\n", "") == user_text(None, [lesson("One pass over the data.")])


def test_the_table_lists_the_hot_lines_hottest_first_with_code_a_line_numbers() -> None:
    text = section(user_text(share(HOT)))
    assert "`histogram` takes 43% of your benchmark's run time: 40% in its own lines" in text
    assert "| line | time | code |\n|---:|---:|---|\n" in text
    rows = [line for line in text.splitlines() if line.startswith("| ") and "line |" not in line]
    assert rows == ["| 6 | 62% | `if (data[i] == bin) {` |",
                    "| 5 | 25% | `for (std::size_t i = 0; i < data.size(); ++i) {` |",
                    "| 7 | 8% | `counts[bin] += 1;` |"]  # 62 + 25 + 8 = 95% >= the 90% covered
    assert prompts.PROFILE_FOCUS in text


def test_lines_stop_at_max_lines_and_below_min_share() -> None:
    flat = [at(n, 0.1) for n in range(2, 12)]
    rows = prompts.hot_lines(REF, share(flat), max_lines=3)
    assert [r[0] for r in rows] == [2, 3, 4]
    rows = prompts.hot_lines(REF, share([at(6, 0.5), at(5, 0.04), at(7, 0.03)]), min_share=0.05)
    assert [r[0] for r in rows] == [6]
    text = section(user_text(share([at(6, 0.5), at(5, 0.04)]), profile_min_share=0.05, profile_max_lines=1))
    assert "| 6 | 50% |" in text and "| 5 |" not in text


def test_a_moved_function_is_placed_by_offset_and_stale_lines_are_left_out() -> None:
    moved = share([at(6, 0.7, start=40), at(5, 0.2, start=40)], start=40)  # measured 23 lines lower
    assert [r[0] for r in prompts.hot_lines(REF, moved)] == [6, 5]
    stale = share([LineShare(START + 5, 0.7, "if (data[i] != bin) {"), at(7, 0.2)])
    assert [r[0] for r in prompts.hot_lines(REF, stale)] == [7]
    # a wrong offset but a line of Code A with that very text (once): found by its text
    shifted = share([LineShare(START + 2, 0.7, LINE[6].rstrip())])
    assert [r[0] for r in prompts.hot_lines(REF, shifted)] == [6]
    ambiguous = share([LineShare(999, 0.7, "}")])  # "}" is on several lines of Code A
    assert prompts.hot_lines(REF, ambiguous) == []


def test_no_line_figures_says_so() -> None:
    text = section(user_text(share([], self_share=0.3, inclusive=0.3)))
    assert "`histogram` takes 30% of your benchmark's run time, nearly all of it in its own lines." in text
    assert "no line-level figures" in text and "| line |" not in text


def test_only_callers_that_call_it_from_a_loop_are_named() -> None:
    callers = [CallerShare("bench.cpp", "BM_histogram", 0.9, in_loop=True),
               CallerShare("main.cpp", "main", 0.1, in_loop=False)]
    text = section(user_text(share(HOT, callers)))
    assert "called from inside a loop: `BM_histogram` in `bench.cpp` (90% of this function's time)" in text
    assert "`main`" not in text
    quiet = section(user_text(share(HOT, [replace(callers[0], in_loop=False)])))
    assert "loop" not in quiet


def test_table_cells_escape_pipes_cut_long_lines_and_show_tiny_shares() -> None:
    source = "int f(int a, int b) {\n    return a || b ? `x` : " + "y" * 200 + ";\n}\n"
    ref = replace(REF, text=source, qualified_name="f", name="f", start_line=1, end_line=3)
    measured = FunctionShare("k.cpp", "f", 1, 3, 0.004, 0.004, 10, "h",
                             lines=[LineShare(2, 0.95, source.splitlines()[1].rstrip())])
    text = prompts.profile_section(ref, measured)
    row = next(line for line in text.splitlines() if line.startswith("| 2 |"))
    assert "a \\|\\| b" in row and row.count("|") == 4 + 2  # two escaped pipes, four cell borders
    assert row.endswith("... `` |") and len(row) < prompts.PROFILE_LINE_CHARS + 30
    assert "takes <1% of your benchmark's run time" in text
