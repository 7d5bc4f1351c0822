"""The batch's report: Markdown (to read in a terminal or a pull request), JSON (for tools and
the editor) and one self-contained HTML page (diffs, and a bar chart of the speedups with their
intervals as inline SVG: no scripts, styles or images from anywhere else; every text from the
repository or a model is escaped).

Per function: verdict, speedup, interval, diff and the lessons behind the win. Per agent
(model): attempts, verified wins, tokens and judge time, so a user sees which model earns its
cost on their code. Then the wins judged together: the whole benchmark's speedup, or why they do
not compose.
"""
from __future__ import annotations

import html
import json
import time
from pathlib import Path
from typing import Any

from ..atomic import write_atomic
from .batch_request import BatchItem, BatchResult

STATUS_WORDS = {"won": "faster", "no_win": "no verified improvement", "failed": "failed",
                "skipped": "skipped", "cancelled": "cancelled", "pending": "not run"}


def write_reports(result: BatchResult, stem: Path, root: Path | None = None) -> dict[str, str]:
    """Write stem.md, stem.json and stem.html; returns {"md": path, "json": path, "html": path}."""
    stem = Path(stem)
    paths = {kind: stem.with_name(f"{stem.name}.{kind}") for kind in ("md", "json", "html")}
    result.report_paths = {kind: str(path) for kind, path in paths.items()}
    title = f"LessonL batch report{f' for {root.name}' if root else ''}"
    write_atomic(paths["json"], json.dumps(to_json(result), indent=2))
    write_atomic(paths["md"], markdown(result, title))
    write_atomic(paths["html"], html_page(result, title))
    return result.report_paths


def to_json(result: BatchResult) -> dict[str, Any]:
    return {"generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **result.to_json()}


def speed_words(item: BatchItem) -> tuple[str, str]:
    """(speedup, interval) as the report prints them; "-" where there is none."""
    summary = item.summary
    if summary is None or not summary.improved or summary.speedup is None:
        return "-", "-"
    interval = f"{summary.ci[0]:.2f}x - {summary.ci[1]:.2f}x" if summary.ci else "-"
    return f"{summary.speedup:.2f}x", interval


def verdict_words(item: BatchItem) -> str:
    words = STATUS_WORDS.get(item.status, item.status)
    if item.status == "skipped" and item.summary is not None:
        earlier = "faster" if item.summary.improved else "no verified improvement"
        words = f"skipped ({item.skipped_reason}; earlier: {earlier})"
    return words


def combined_words(result: BatchResult) -> tuple[str, str]:
    """(headline, interval) of the wins judged together."""
    combined = result.combined
    verdict = combined.verdict
    if verdict is None:
        return combined.message or "not judged", "-"
    interval = f"{verdict.ci[0]:.2f}x - {verdict.ci[1]:.2f}x" if verdict.ci else "-"
    return combined.message, interval


# ---- Markdown -------------------------------------------------------------------------------

def ray_words(item: BatchItem) -> str:
    """"timed on HOST (IP, node ID)", and with a retry each attempt: for items of a Ray batch."""
    words = f"timed on {item.node}" if item.node else "not run"
    if len(item.attempts) > 1:
        runs = "; ".join(f"attempt {a['number']} on {a['node']}: "
                         f"{a['status'].replace('_', ' ') if a['status'] else 'its worker died'}" for a in item.attempts)
        words += f"; retried ({runs})"
    return words


def markdown(result: BatchResult, title: str = "LessonL batch report") -> str:
    out = [f"# {title}", ""]
    if result.cancelled:
        out += ["**The batch was cancelled**: functions not finished are marked cancelled.", ""]
    headline, interval = combined_words(result)
    out += ["## All wins together", "", f"{headline}", ""]
    if result.combined.verdict is not None:
        out += [f"Whole benchmark: {_x(result.combined.verdict.speedup)} (95% interval {interval}), "
                f"wins in the combined copy: {', '.join(f'`{k}`' for k in result.combined.applied)}", ""]
    for key, why in result.combined.conflicts.items():
        out.append(f"- conflict: `{key}`: {why}")
    if result.combined.conflicts:
        out.append("")
    out += ["## Functions", "", "| function | verdict | speedup | 95% interval | time |", "|---|---|---|---|---|"]
    for item in result.items:
        speed, ci = speed_words(item)
        out.append(f"| `{_cell(item.key)}` | {_cell(verdict_words(item))} | {speed} | {ci} | {item.wall_s:.1f} s |")
    out.append("")
    out += ["## Agents", "", "| agent | model | attempts | verified faster | chosen wins | tokens (prompt + completion) "
            "| requests | judge time |", "|---|---|---|---|---|---|---|---|"]
    for a in result.agents:
        out.append(f"| {_cell(a.agent)} | {_cell(a.model)} | {a.attempts} | {a.wins} | {a.best_wins} | "
                   f"{a.prompt_tokens} + {a.completion_tokens} | {a.requests} | {a.time_s:.1f} s |")
    out.append("")
    for item in result.items:
        out += [f"### `{item.key}`", "", f"{verdict_words(item)}: {item.message}".rstrip(": "), ""]
        if item.attempts:  # a Ray batch: where its verdicts were timed, and each run of its task
            out += [f"Ray: {_one_line(ray_words(item))}", ""]
        summary = item.summary
        if summary is None or not summary.improved:
            continue
        speed, ci = speed_words(item)
        out += [f"Speedup {speed} (95% interval {ci}).", "", "```diff", summary.diff.rstrip("\n"), "```", ""]
        if summary.lessons:
            out.append("Lessons behind it:")
            for lesson in summary.lessons:
                out.append(f"- [{lesson.outcome.replace('_', ' ')}, {lesson.agent}, round {lesson.round + 1}] "
                           f"{_one_line(lesson.text)}")
            out.append("")
    if result.warnings:
        out += ["## Warnings", ""] + [f"- {_one_line(w)}" for w in result.warnings] + [""]
    out.append(f"Batch wall time {result.wall_s:.1f} s.")
    return "\n".join(out) + "\n"


def _cell(text: str) -> str:
    return _one_line(text).replace("|", "\\|")


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _x(value: float | None) -> str:
    return f"{value:.2f}x" if value is not None else "-"


# ---- HTML -----------------------------------------------------------------------------------

STYLE = """body{font-family:system-ui,sans-serif;max-width:70em;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}
pre{background:#f6f8fa;padding:.8em;overflow-x:auto}.add{color:#116329}.del{color:#82071e}
.hunk{color:#0550ae}.won{color:#116329;font-weight:bold}.failed{color:#82071e}"""


def html_page(result: BatchResult, title: str = "LessonL batch report") -> str:
    e = html.escape
    headline, interval = combined_words(result)
    parts = [f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{e(title)}</title>"
             f"<style>{STYLE}</style></head><body><h1>{e(title)}</h1>"]
    if result.cancelled:
        parts.append("<p><strong>The batch was cancelled</strong>: functions not finished are marked cancelled.</p>")
    parts.append(f"<h2>All wins together</h2><p>{e(headline)}</p>")
    if result.combined.verdict is not None:
        parts.append(f"<p>Whole benchmark: {e(_x(result.combined.verdict.speedup))} (95% interval {e(interval)})</p>")
    if result.combined.conflicts:
        parts.append("<ul>" + "".join(f"<li>conflict: <code>{e(k)}</code>: {e(v)}</li>"
                                      for k, v in result.combined.conflicts.items()) + "</ul>")
    parts.append(chart(result))
    parts.append("<h2>Functions</h2><table><tr><th>function</th><th>verdict</th><th>speedup</th>"
                 "<th>95% interval</th><th>time</th></tr>")
    for item in result.items:
        speed, ci = speed_words(item)
        parts.append(f"<tr><td><code>{e(item.key)}</code></td><td class=\"{e(item.status)}\">"
                     f"{e(verdict_words(item))}</td><td>{e(speed)}</td><td>{e(ci)}</td>"
                     f"<td>{item.wall_s:.1f} s</td></tr>")
    parts.append("</table><h2>Agents</h2><table><tr><th>agent</th><th>model</th><th>attempts</th>"
                 "<th>verified faster</th><th>chosen wins</th><th>tokens (prompt + completion)</th>"
                 "<th>requests</th><th>judge time</th></tr>")
    for a in result.agents:
        parts.append(f"<tr><td>{e(a.agent)}</td><td>{e(a.model)}</td><td>{a.attempts}</td><td>{a.wins}</td>"
                     f"<td>{a.best_wins}</td><td>{a.prompt_tokens} + {a.completion_tokens}</td>"
                     f"<td>{a.requests}</td><td>{a.time_s:.1f} s</td></tr>")
    parts.append("</table>")
    for item in result.items:
        parts.append(f"<h3><code>{e(item.key)}</code></h3><p>{e(verdict_words(item))}"
                     f"{': ' + e(item.message) if item.message else ''}</p>")
        if item.attempts:
            parts.append(f"<p>Ray: {e(ray_words(item))}</p>")
        summary = item.summary
        if summary is None or not summary.improved:
            continue
        parts.append(f"<pre>{diff_html(summary.diff)}</pre>")
        if summary.lessons:
            parts.append("<p>Lessons behind it:</p><ul>" + "".join(
                f"<li>[{e(l.outcome.replace('_', ' '))}, {e(l.agent)}, round {l.round + 1}] {e(l.text)}</li>"
                for l in summary.lessons) + "</ul>")
    if result.warnings:
        parts.append("<h2>Warnings</h2><ul>" + "".join(f"<li>{e(w)}</li>" for w in result.warnings) + "</ul>")
    parts.append(f"<p>Batch wall time {result.wall_s:.1f} s.</p></body></html>\n")
    return "".join(parts)


def diff_html(diff: str) -> str:
    lines = []
    for line in diff.splitlines():
        kind = ("hunk" if line.startswith("@@") else "add" if line.startswith("+") and not line.startswith("+++")
                else "del" if line.startswith("-") and not line.startswith("---") else "")
        text = html.escape(line)
        lines.append(f"<span class=\"{kind}\">{text}</span>" if kind else text)
    return "\n".join(lines)


def chart(result: BatchResult) -> str:
    """Inline SVG: one bar per function with a speedup (and the combined one), its 95% interval
    as a whisker, and a line at 1x (no change)."""
    rows: list[tuple[str, float, tuple[float, float] | None]] = []
    for item in result.items:
        summary = item.summary
        if summary is not None and summary.improved and summary.speedup:
            rows.append((item.key, summary.speedup, summary.ci))
    verdict = result.combined.verdict
    if verdict is not None and verdict.speedup:
        rows.append(("all wins together (whole benchmark)", verdict.speedup, verdict.ci))
    if not rows:
        return "<p>No speedups to chart.</p>"
    label_w, bar_w, row_h = 330, 420, 26
    top = max(max(s, ci[1] if ci else s) for _, s, ci in rows)
    scale = bar_w / max(top * 1.1, 1.2)
    height = row_h * len(rows) + 30
    e = html.escape
    out = [f"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{label_w + bar_w + 80}\" height=\"{height}\" "
           f"role=\"img\" aria-label=\"speedups with 95% intervals\">"]
    for index, (label, speed, ci) in enumerate(rows):
        y = 10 + index * row_h
        short = label if len(label) <= 48 else "..." + label[-45:]
        out.append(f"<text x=\"{label_w - 6}\" y=\"{y + 15}\" text-anchor=\"end\" font-size=\"12\">{e(short)}</text>")
        out.append(f"<rect x=\"{label_w}\" y=\"{y + 4}\" width=\"{speed * scale:.1f}\" height=\"14\" "
                   f"fill=\"{'#0969da' if index < len(rows) - 1 or verdict is None else '#1a7f37'}\"/>")
        if ci:
            x1, x2 = label_w + ci[0] * scale, label_w + ci[1] * scale
            out.append(f"<line x1=\"{x1:.1f}\" x2=\"{x2:.1f}\" y1=\"{y + 11}\" y2=\"{y + 11}\" stroke=\"#222\"/>")
            for x in (x1, x2):
                out.append(f"<line x1=\"{x:.1f}\" x2=\"{x:.1f}\" y1=\"{y + 6}\" y2=\"{y + 16}\" stroke=\"#222\"/>")
        out.append(f"<text x=\"{label_w + max(speed, ci[1] if ci else speed) * scale + 6:.1f}\" y=\"{y + 15}\" "
                   f"font-size=\"12\">{speed:.2f}x</text>")
    one = label_w + scale
    out.append(f"<line x1=\"{one:.1f}\" x2=\"{one:.1f}\" y1=\"4\" y2=\"{height - 16}\" stroke=\"#cf222e\" "
               f"stroke-dasharray=\"4 3\"/><text x=\"{one:.1f}\" y=\"{height - 4}\" font-size=\"11\" "
               f"text-anchor=\"middle\">1x</text></svg>")
    return "".join(out)
