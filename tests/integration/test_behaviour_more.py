"""More of what "verified" rests on, on real repositories: C pointer kernels checked call by call,
a function whose behaviour cannot be checked (said plainly), the opt-in sanitizer build, and
benchmark cases that get slower while the whole gets faster (real Google Benchmark library)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from lessonl.engine.evaluate import evaluate_reply
from lessonl.judge import check_repository
from lessonl.records import Outcome
from test_evaluate_support import CANDIDATES, FAST_TIMING

pytestmark = pytest.mark.slow

REPOS = Path(__file__).resolve().parents[1] / "fixtures" / "repos"

C_KERNEL = """\
#include <stddef.h>
#include "kernel.h"

/* out[i] = scale * in[i]; returns the number of negative outputs. */
int scale_count(const double* in, double* out, size_t n, double scale) {
    int negative = 0;
    for (size_t i = 0; i < n; ++i) {
        out[i] = scale * in[i];
        if (out[i] < 0) negative += 1;
    }
    return negative;
}

static unsigned long state = 12345;

/* A pseudo-random offset: depends on state outside its arguments. */
double jitter(double x) {
    state = state * 6364136223846793005UL + 1442695040888963407UL;
    return x + (double)(state >> 33) / 4294967296.0;
}
"""
C_HEADER = """\
#pragma once
#include <stddef.h>
int scale_count(const double* in, double* out, size_t n, double scale);
double jitter(double x);
"""
C_TEST = """\
#include <stdio.h>
#include "kernel.h"

int main(void) {
    double in[8] = {1, -2, 3, -4, 5, -6, 7, -8}, out[8];
    if (scale_count(in, out, 8, 2.0) != 4 || out[7] != -16.0) { printf("FAIL\\n"); return 1; }
    double j = jitter(1.0);
    if (j < 1.0 || j >= 2.0) { printf("FAIL jitter\\n"); return 1; }
    printf("ok\\n");
    return 0;
}
"""
C_BENCH = """\
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "kernel.h"

int main(void) {
    size_t n = 100003;
    double* in = malloc(n * sizeof *in);
    double* out = malloc(n * sizeof *out);
    for (size_t i = 0; i < n; ++i) in[i] = (double)(i % 7) - 3.0;
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    long calls = 0;
    volatile double sink = 0;
    do {
        sink += scale_count(in, out, n, 1.5) + jitter(0.5);
        scale_count(in, in, n, 1.0);  /* in place: in and out are the same buffer */
        calls += 1;
        clock_gettime(CLOCK_MONOTONIC, &b);
    } while ((b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9 < 0.03);
    printf("scale_count: %.1f ns\\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / calls);
    free(in);
    free(out);
    return 0;
}
"""
C_CONFIG = """\
[build]
command = "cc -O2 -std=gnu11 -Wall -o test_kernel test_kernel.c kernel.c && cc -O2 -std=gnu11 -Wall -o bench bench.c kernel.c"
[test]
command = "./test_kernel"
[bench]
command = "./bench"
format = "regex"
regex = '(?P<case>\\w+): (?P<value>[0-9.]+) ns'
unit = "ns"
[scratch]
exclude = ["bench", "test_kernel"]
"""
MISSING_TAIL = """```c
int scale_count(const double* in, double* out, size_t n, double scale) {
    int negative = 0;
    size_t i = 0;
    for (; i + 2 <= n; i += 2) {
        out[i] = scale * in[i];
        out[i + 1] = scale * in[i + 1];
        negative += (out[i] < 0) + (out[i + 1] < 0);
    }
    return negative;
}
```"""
JITTER_REWRITE = """```c
double jitter(double x) {
    state = state * 6364136223846793005UL + 1442695040888963407UL;
    return x + (double)(state >> 33) * (1.0 / 4294967296.0);
}
```"""


@pytest.fixture(scope="module")
def c_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = tmp_path_factory.mktemp("ckernel") / "ckernel"
    repo.mkdir()
    for name, text in {"kernel.c": C_KERNEL, "kernel.h": C_HEADER, "test_kernel.c": C_TEST,
                       "bench.c": C_BENCH, "lessonl.toml": C_CONFIG}.items():
        (repo / name).write_text(text)
    return repo


async def test_c_pointer_outputs_are_compared_element_by_element(c_repo: Path) -> None:
    """`out` has its length in `n`: the odd element the unrolled loop skips is named."""
    verdict = await evaluate_reply("kernel.c::scale_count", MISSING_TAIL, cwd=c_repo,
                                   overrides={"timing": FAST_TIMING})
    assert verdict.outcome is Outcome.INCORRECT, verdict.message
    assert "out[100002]" in verdict.message and "from the benchmark" in verdict.message, verdict.message


async def test_a_function_with_hidden_state_is_checked_by_the_tests_alone_and_says_so(c_repo: Path) -> None:
    _, report = await check_repository(c_repo, function=str(c_repo / "kernel.c") + "::jitter",
                                       overrides={"timing": FAST_TIMING})
    assert report.behaviour is not None and report.behaviour.status == "not_applicable"
    assert "different results when run twice on the same input" in report.behaviour.reason
    assert report.behaviour.calls_tests == 1 and report.behaviour.calls_benchmark >= 1
    verdict = await evaluate_reply("kernel.c::jitter", JITTER_REWRITE, cwd=c_repo, overrides={"timing": FAST_TIMING})
    assert verdict.outcome.is_correct, verdict.message
    assert verdict.behaviour.status == "not_applicable"
    assert verdict.behaviour.summary().startswith("behaviour check not applicable: the original gives different "
                                                  "results when run twice")


# ---- sanitizers ---------------------------------------------------------------------------------

async def test_an_out_of_bounds_read_that_passes_the_tests_fails_the_address_sanitizer(tmp_path: Path) -> None:
    repo = tmp_path / "axpy"
    shutil.copytree(REPOS / "axpy-weak-tests", repo)
    reply = (CANDIDATES / "axpy" / "peeks_past_the_end.md").read_text()
    plain = await evaluate_reply("axpy.cpp::axpy_sum", reply, cwd=repo, overrides={"timing": FAST_TIMING})
    assert plain.outcome.is_correct, plain.message  # by luck, without the sanitizer
    overrides = {"timing": FAST_TIMING, "check": {"sanitizers": ["address", "undefined"]}}
    verdict = await evaluate_reply("axpy.cpp::axpy_sum", reply, cwd=repo, overrides=overrides)
    assert verdict.outcome is Outcome.INCORRECT, verdict.message
    assert "AddressSanitizer: heap-buffer-overflow" in verdict.message
    assert "axpy.cpp" in verdict.log_tail  # the report's stack names the rewrite's line
    correct = (CANDIDATES / "axpy" / "unrolled.md").read_text()
    clean = await evaluate_reply("axpy.cpp::axpy_sum", correct, cwd=repo, overrides=overrides)
    assert clean.outcome.is_correct, clean.message + clean.log_tail


async def test_when_the_unchanged_code_fails_a_sanitizer_the_check_is_off_with_a_warning(tmp_path: Path) -> None:
    repo = tmp_path / "axpy"
    shutil.copytree(REPOS / "axpy-weak-tests", repo)
    source = (repo / "axpy.cpp").read_text()
    (repo / "axpy.cpp").write_text(source.replace("double sum = 0.0;", "double sum = 0.0 * x.data()[x.size()];"))
    reply = (CANDIDATES / "axpy" / "unrolled.md").read_text()
    overrides = {"timing": FAST_TIMING, "check": {"sanitizers": ["address"]}}
    verdict = await evaluate_reply("axpy.cpp::axpy_sum", reply, cwd=repo, overrides=overrides)
    assert verdict.outcome.is_correct, verdict.message
    assert any("your unchanged code already fails in the address sanitizer build" in w for w in verdict.warnings)


# ---- benchmark cases that get slower ------------------------------------------------------------

@pytest.fixture(scope="module")
def sumsq(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = tmp_path_factory.mktemp("sumsq") / "sumsq"
    shutil.copytree(REPOS / "sumsq-google-benchmark", repo)
    return repo


async def test_a_slower_case_is_named_even_when_the_whole_is_faster(sumsq: Path) -> None:
    reply = (CANDIDATES / "sumsq" / "mixed.md").read_text()
    verdict = await evaluate_reply("sumsq.cpp::sum_squares", reply, cwd=sumsq,
                                   overrides={"timing": {"budget": 30, "max_runs": 60}})
    assert verdict.outcome.is_correct, verdict.message
    assert verdict.case_regressions == ["BM_sum_squares/2000"], verdict.message
    assert "BM_sum_squares/2000 is " in verdict.message and "x slower" in verdict.message
    fast = next(case for case in verdict.cases if case.name == "BM_sum_squares/200000")
    assert fast.ci[0] > 1.0


async def test_with_regressions_refused_such_a_candidate_is_not_faster(sumsq: Path) -> None:
    reply = (CANDIDATES / "sumsq" / "mixed.md").read_text()
    verdict = await evaluate_reply("sumsq.cpp::sum_squares", reply, cwd=sumsq,
                                   overrides={"timing": {"budget": 30, "max_runs": 60,
                                                         "allow_case_regressions": False}})
    assert verdict.outcome is not Outcome.FASTER, verdict.message
    assert verdict.case_regressions == ["BM_sum_squares/2000"], verdict.message
