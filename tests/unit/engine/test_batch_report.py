"""The batch report: every function's verdict, speedup, interval, diff and lessons, the agents'
costs and the combined judgement, in Markdown, JSON and one self-contained, escaped HTML page."""
from __future__ import annotations

import json
import re
from pathlib import Path

from lessonl.engine.batch_report import chart, html_page, markdown, write_reports
from lessonl.engine.batch_request import AgentStats, BatchItem, BatchResult, CombinedVerdict
from lessonl.records import Outcome, Verdict
from tests.support.batch_fixtures import histogram_win, item, prefix_win

HOSTILE = "<script>alert('x')</script> & \"quotes\""


def sample() -> BatchResult:
    skipped = prefix_win()
    items = [
        item(histogram_win()),
        BatchItem("kernels.cpp", "prefix_sum", "skipped", summary=skipped, skipped_reason="done earlier on unchanged code",
                  message="skipped: done earlier on unchanged code (10.00x faster)"),
        BatchItem("kernels.cpp", "matmul", "failed", message=f"the tests fail {HOSTILE}", exit_code=2),
        BatchItem("gen.cpp", "nope", "cancelled", message="not started: the batch was cancelled"),
    ]
    items[0].summary.lessons[0].text = f"lesson with {HOSTILE}"  # type: ignore[union-attr]
    verdict = Verdict(Outcome.FASTER, speedup=4.5, ci=(4.0, 5.1), message="faster")
    combined = CombinedVerdict(verdict, applied=["kernels.cpp::histogram", "kernels.cpp::prefix_sum"],
                               conflicts={"kernels.cpp::other": "overlaps <b>"}, composes=True,
                               message="2 wins together: the whole benchmark is 4.50x faster (95% interval 4.00x to 5.10x)")
    agents = [AgentStats("agent-a", f"model {HOSTILE}", 4, 2, 1, 1000, 200, 8, 12.5)]
    return BatchResult(items, combined, agents, 42.0, warnings=[f"warn {HOSTILE}"])


def test_markdown_has_every_function_the_agents_and_the_combined_figure() -> None:
    text = markdown(sample())
    assert "4.50x faster (95% interval 4.00x to 5.10x)" in text
    assert "| `kernels.cpp::histogram` | faster | 2.00x | 1.80x - 2.20x |" in text
    assert "| `kernels.cpp::prefix_sum` | skipped (done earlier on unchanged code; earlier: faster) | 10.00x |" in text
    assert "| `kernels.cpp::matmul` | failed | - | - |" in text
    assert "| `gen.cpp::nope` | cancelled |" in text
    assert "| agent-a |" in text and "| 4 | 2 | 1 | 1000 + 200 | 8 | 12.5 s |" in text
    assert "```diff\n--- a/kernels.cpp\n+++ b/kernels.cpp" in text
    assert "- [faster, agent-a, round 1] lesson with" in text
    assert "conflict: `kernels.cpp::other`" in text


def test_html_is_self_contained_and_escapes_everything() -> None:
    page = html_page(sample())
    assert "<script" not in page and "alert('x')" not in page  # escaped as &lt;script&gt;
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "overlaps &lt;b&gt;" in page
    assert not re.search(r"\b(src|href)\s*=", page)  # no external asset of any kind
    assert "@import" not in page and "url(" not in page
    assert page.count("<svg") == 1 and "<pre>" in page and 'class="add"' in page and 'class="del"' in page


def test_chart_draws_a_bar_and_an_interval_per_speedup() -> None:
    svg = chart(sample())
    assert svg.count("<rect") == 3  # histogram, prefix_sum (earlier win) and all together
    assert svg.count("<line") == 3 * 3 + 1  # whisker + two caps each, and the 1x line
    assert "2.00x" in svg and "10.00x" in svg and "4.50x" in svg
    empty = BatchResult([BatchItem("k.cpp", "f", "failed")], CombinedVerdict(), [], 1.0)
    assert "No speedups" in chart(empty)


def test_reports_are_written_side_by_side_and_the_json_reads_back(tmp_path: Path) -> None:
    result = sample()
    paths = write_reports(result, tmp_path / "out" / "report")
    assert paths == {kind: str(tmp_path / "out" / f"report.{kind}") for kind in ("md", "json", "html")}
    data = json.loads(Path(paths["json"]).read_text())
    assert [i["status"] for i in data["items"]] == ["won", "skipped", "failed", "cancelled"]
    assert data["items"][0]["summary"]["speedup"] == 2.0 and data["items"][0]["summary"]["ci"] == [1.8, 2.2]
    assert data["combined"]["verdict"]["speedup"] == 4.5 and data["combined"]["composes"] is True
    assert data["agents"][0]["prompt_tokens"] == 1000 and data["report_paths"]["html"] == paths["html"]
