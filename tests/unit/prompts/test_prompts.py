"""The prompts are the algorithm's interface to the models: these tests pin their structure."""
from __future__ import annotations

import pytest

from lessonl import prompts
from lessonl.records import FunctionRef, Outcome, Verdict
from lessonl_store.records import Lesson

SOURCE = "int twice(int x) {\n    return x + x;\n}\n"
REF = FunctionRef(file="src/k.cpp", qualified_name="math::twice", name="twice", language="cpp",
                  start_line=3, end_line=5, start_byte=10, end_byte=10 + len(SOURCE), text=SOURCE,
                  text_hash="h", signature="int twice(int)")


def lesson(text: str, outcome: Outcome, speedup: float) -> Lesson:
    return Lesson(text=text, outcome=outcome.value, speedup=speedup, round=0, agent="a", model="m",
                  file="src/k.cpp", qualified_name="math::twice", function_hash="h")


def user_text(messages: list[dict[str, str]]) -> str:
    assert [m["role"] for m in messages] == ["system", "user"]
    return messages[1]["content"]


@pytest.mark.parametrize("outcome, speedup, phrase", [
    (Outcome.FASTER, 1.5, "significantly improves the code performance"),
    (Outcome.FASTER, 1.05, "slightly improves the code performance, but the speedup is only marginal"),
    (Outcome.NO_SIGNIFICANT_CHANGE, 1.0, "slightly improves the code performance, but the speedup is only marginal"),
    # Not verified faster: never "significantly improves", whatever its point speedup.
    (Outcome.NO_SIGNIFICANT_CHANGE, 1.12, "slightly improves the code performance, but the speedup is only marginal"),
    (Outcome.NO_SIGNIFICANT_CHANGE, 1.6, "slightly improves the code performance, but the speedup is only marginal"),
    (Outcome.NO_SIGNIFICANT_CHANGE, 0.95, "degrades the code performance"),
    (Outcome.SLOWER, 0.8, "degrades the code performance"),
    (Outcome.INCORRECT, 0.0, "compromises code equivalence"),
    (Outcome.TIMEOUT, 0.0, "compromises code equivalence"),
    (Outcome.CRASHED, 0.0, "compromises code equivalence"),
    (Outcome.NOT_COMPILABLE, 0.0, "produces non-compilable code"),
    # Never built: "non-compilable" would teach the wrong thing (the lesson text says why it was refused).
    (Outcome.REJECTED, 0.0, "comes from an attempt that was rejected before it could be built"),
])
def test_lesson_intro_follows_the_paper(outcome: Outcome, speedup: float, phrase: str) -> None:
    assert prompts.lesson_intro(outcome.value, speedup, 1.1) == phrase


def test_only_a_verified_faster_lesson_is_introduced_as_a_significant_improvement() -> None:
    unverified = lesson("Unrolling by four looked quicker.", Outcome.NO_SIGNIFICANT_CHANGE, 1.12)
    verified = lesson("One pass over the data.", Outcome.FASTER, 1.12)
    text = user_text(prompts.code_messages(REF, "", [unverified, verified], "cpp"))
    assert f"Lesson 1 (this lesson {prompts.MARGINAL}):\n{unverified.text}" in text
    assert f"Lesson 2 (this lesson {prompts.SIGNIFICANT}):\n{verified.text}" in text
    assert text.count(prompts.SIGNIFICANT) == 1


def test_significance_threshold_is_a_parameter() -> None:
    assert prompts.lesson_intro("faster", 1.15, significant=1.2) == prompts.MARGINAL
    assert prompts.lesson_intro("faster", 1.25, significant=1.2) == prompts.SIGNIFICANT


def test_first_round_code_prompt_has_the_original_and_no_lessons() -> None:
    text = user_text(prompts.code_messages(REF, "// kernels.h declares twice", [], "cpp"))
    assert text.startswith(prompts.CODE_TASK)
    assert "```cpp\n" + SOURCE.rstrip() + "\n```" in text
    assert "math::twice" in text and "src/k.cpp" in text
    assert "// kernels.h declares twice" in text
    assert "Lesson" not in text and prompts.OTHER_STRATEGIES not in text
    assert text.rstrip().endswith(prompts.answer_format(REF, "cpp"))
    assert "ONE fenced code block" in text


def test_code_prompt_introduces_lessons_in_order_and_ends_with_other_strategies() -> None:
    lessons = [lesson("Single pass wins.", Outcome.FASTER, 3.0),
               lesson("Off by one.", Outcome.INCORRECT, 0.0),
               lesson("Missing semicolon.", Outcome.NOT_COMPILABLE, 0.0),
               lesson("Extra copies hurt.", Outcome.SLOWER, 0.7)]
    text = user_text(prompts.code_messages(REF, "", lessons, "cpp"))
    expected = [
        "Lesson 1 (this lesson significantly improves the code performance):\nSingle pass wins.",
        "Lesson 2 (this lesson compromises code equivalence):\nOff by one.",
        "Lesson 3 (this lesson produces non-compilable code):\nMissing semicolon.",
        "Lesson 4 (this lesson degrades the code performance):\nExtra copies hurt.",
    ]
    positions = [text.index(e) for e in expected]
    assert positions == sorted(positions)
    assert '"Code A" refers to the given code' in text and '"Code B" refers to an attempted rewrite' in text
    # order: original function, then lessons, then "other strategies", then the answer format
    assert text.index("(Code A)") < text.index(prompts.LESSONS_PREAMBLE) < positions[0]
    assert positions[-1] < text.index(prompts.OTHER_STRATEGIES) < text.index("### Answer format")


def test_persona_extends_the_system_prompt() -> None:
    messages = prompts.code_messages(REF, "", [], "cpp", persona="You like SIMD.")
    assert messages[0]["content"].startswith(prompts.SYSTEM)
    assert messages[0]["content"].endswith("You like SIMD.")
    assert prompts.code_messages(REF, "", [], "cpp")[0]["content"] == prompts.SYSTEM


CANDIDATE = "int twice(int x) {\n    return x << 1;\n}"


def lesson_prompt(verdict: Verdict) -> str:
    text = user_text(prompts.lesson_messages(REF, CANDIDATE, verdict))
    assert text.startswith(prompts.LESSON_TASK)
    assert "Code A is the original function" in text and SOURCE.rstrip() in text
    assert "Code B is an attempted faster rewrite" in text and CANDIDATE in text
    assert text.index(SOURCE.rstrip()) < text.index(CANDIDATE)
    return text


def test_lesson_prompt_for_faster_carries_speedup_and_interval() -> None:
    text = lesson_prompt(Verdict(Outcome.FASTER, speedup=2.345, ci=(2.1, 2.6)))
    assert "faster than Code A, with a measured speedup of 2.35x (95% interval 2.10x to 2.60x)" in text
    assert "Explain why Code B is faster than Code A, in one or two sentences." in text


def test_lesson_prompt_for_slower() -> None:
    text = lesson_prompt(Verdict(Outcome.SLOWER, speedup=0.5, ci=(0.45, 0.55)))
    assert "slower than Code A, with a measured speedup of 0.50x" in text
    assert "Explain why Code B is slower than Code A" in text


def test_lesson_prompt_for_no_significant_change() -> None:
    text = lesson_prompt(Verdict(Outcome.NO_SIGNIFICANT_CHANGE, speedup=1.01, ci=(0.97, 1.05)))
    assert "not measurably faster" in text and "1.01x" in text


def test_lesson_prompt_for_incorrect_shows_the_failing_test_output() -> None:
    text = lesson_prompt(Verdict(Outcome.INCORRECT, log_tail="FAIL histogram: element 3 is 0, expected 7"))
    assert "fails the tests" in text
    assert "FAIL histogram: element 3 is 0, expected 7" in text
    assert "Explain why Code B is not equivalent to Code A" in text


def test_lesson_prompt_for_not_compilable_shows_only_the_first_compiler_errors() -> None:
    log = "\n".join(f"kernels.cpp:{i}: error: number {i}" for i in range(1, 100))
    text = lesson_prompt(Verdict(Outcome.NOT_COMPILABLE, log_tail=log))
    assert "kernels.cpp:1: error: number 1" in text
    assert f"number {prompts.LOG_LINES}\n" in text and f"number {prompts.LOG_LINES + 1}\n" not in text
    assert "Explain why Code B does not compile" in text


def test_lesson_prompt_for_rejected_gives_the_reason() -> None:
    text = lesson_prompt(Verdict(Outcome.REJECTED, message="the reply changes the signature of twice"))
    assert "rejected before it could be built, because: the reply changes the signature of twice" in text


def test_lesson_prompt_for_forged_benchmark_figures_says_they_were_refused() -> None:
    verdict = Verdict(Outcome.REJECTED, stage="bench", message="the rewrite's benchmark printed its figures in "
                      "another shape than the original's (sum 4x (the original: 1x))")
    text = lesson_prompt(verdict)
    assert "passes the tests, but its benchmark results were refused, because: the rewrite's benchmark" in text
    assert "before it could be built" not in text


def test_a_build_timeout_is_told_from_a_test_timeout_by_its_stage() -> None:
    build = lesson_prompt(Verdict(Outcome.TIMEOUT, stage="build", message="compiling took too long"))
    tests = lesson_prompt(Verdict(Outcome.TIMEOUT, stage="test", message="the build of the fixtures hung"))
    assert "did not finish compiling" in build
    assert "did not finish compiling" not in tests and "not equivalent to Code A" in tests


@pytest.mark.parametrize("outcome", [Outcome.TIMEOUT, Outcome.CRASHED])
def test_lesson_prompt_for_timeouts_and_crashes_asks_about_equivalence(outcome: Outcome) -> None:
    text = lesson_prompt(Verdict(outcome, log_tail="killed"))
    assert "not equivalent to Code A" in text


def test_code_and_lesson_prompts_are_told_apart_by_their_heading() -> None:
    code = user_text(prompts.code_messages(REF, "", [lesson("x", Outcome.FASTER, 2)], "cpp"))
    les = user_text(prompts.lesson_messages(REF, CANDIDATE, Verdict(Outcome.FASTER, speedup=2)))
    assert prompts.CODE_TASK in code and prompts.LESSON_TASK not in code
    assert prompts.LESSON_TASK in les and prompts.CODE_TASK not in les


def test_lesson_prompt_for_a_behaviour_difference_gives_the_difference_in_words() -> None:
    from lessonl.records import BehaviourReport
    difference = "on call 1 from the benchmark, y[1000000] was 6.5 with the original and 4.0 with the rewrite"
    verdict = Verdict(Outcome.INCORRECT, message=f"the rewrite behaves differently from the original: {difference}",
                      behaviour=BehaviourReport("mismatch", difference=difference))
    text = user_text(prompts.lesson_messages(REF, "int twice(int x) { return x << 1; }", verdict))
    assert difference in text
    assert "side by side on every call the tests and the benchmark make" in text
    assert text.rstrip().endswith("Answer with the explanation only, in plain sentences, without code.")


def test_lesson_prompt_for_a_mixed_result_names_the_slower_case() -> None:
    from lessonl.records import CaseTiming
    cases = [CaseTiming("BM_gemm/64", 1.0, 1.39, 1 / 1.39, (0.68, 0.76), 20),
             CaseTiming("BM_gemm/128", 2.06, 1.0, 2.06, (1.9, 2.2), 20)]
    verdict = Verdict(Outcome.FASTER, speedup=1.22, ci=(1.1, 1.3), cases=cases, case_regressions=["BM_gemm/64"])
    text = user_text(prompts.lesson_messages(REF, "int twice(int x) { return x << 1; }", verdict))
    assert "benchmark case BM_gemm/64 is 1.39x slower" in text
    assert "why it is slower on those cases" in text
