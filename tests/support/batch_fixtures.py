"""Summaries of real rewrites of the bundled C++ example's kernels, for the batch's unit tests."""
from __future__ import annotations

import shutil
from pathlib import Path

from lessonl.code import locate, unified_diff
from lessonl.engine.batch_request import AgentStats, BatchItem, FunctionSummary, LessonNote

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "cpp-kernels"
ORIGINAL = (EXAMPLE / "kernels.cpp").read_text()
HISTOGRAM_OLD = """    for (int bin = 0; bin < bins; ++bin) {
        for (std::size_t i = 0; i < data.size(); ++i) {
            if (data[i] == bin) {
                counts[bin] += 1;
            }
        }
    }"""
HISTOGRAM_NEW = """    for (int value : data) {
        if (value >= 0 && value < bins) {
            counts[value] += 1;
        }
    }"""
PREFIX_OLD = """    for (std::size_t i = 0; i < in.size(); ++i) {
        std::int64_t total = 0;
        for (std::size_t j = 0; j <= i; ++j) {
            total += in[j];
        }
        out[i] = total;
    }"""
PREFIX_NEW = """    std::int64_t total = 0;
    for (std::size_t i = 0; i < in.size(); ++i) {
        total += in[i];
        out[i] = total;
    }"""


def repo_copy(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("*.o", "bench", "test_kernels", ".lessonl"))
    return root


def win(name: str, new_text: str, original: str = ORIGINAL, speedup: float = 2.0) -> FunctionSummary:
    ref = locate(original, "cpp", "kernels.cpp", name=name)
    new_ref = locate(new_text, "cpp", "kernels.cpp", name=name)
    return FunctionSummary(
        file="kernels.cpp", qualified_name=name, function_hash=ref.text_hash, improved=True, speedup=speedup,
        ci=(speedup * 0.9, speedup * 1.1), outcome="faster", message=f"{speedup:.2f}x faster",
        diff=unified_diff(original, new_text, "kernels.cpp"), original_text=original, new_text=new_text,
        new_function_hash=new_ref.text_hash, target=ref.to_json(),
        lessons=[LessonNote("l1", "One pass <b>instead</b> of one per bin.", "faster", speedup, "agent-a", 0)],
        agents=[AgentStats("agent-a", "model-a", attempts=2, wins=1, best_wins=1, prompt_tokens=100,
                           completion_tokens=20, requests=4, time_s=3.0)],
        attempts=2, rounds=1, wall_s=5.0)


def histogram_win() -> FunctionSummary:
    return win("histogram", ORIGINAL.replace(HISTOGRAM_OLD, HISTOGRAM_NEW))


def prefix_win() -> FunctionSummary:
    return win("prefix_sum", ORIGINAL.replace(PREFIX_OLD, PREFIX_NEW), speedup=10.0)


def item(summary: FunctionSummary, status: str = "won") -> BatchItem:
    return BatchItem(summary.file, summary.qualified_name, status, message=summary.message, summary=summary)
