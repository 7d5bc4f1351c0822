/**
 * The batch report view: per function its verdict, speedup with interval, diff and lessons, a
 * bar chart of the speedups, the whole benchmark's combined verdict, what each model cost and
 * earned, and an Accept button per verified win. Pure HTML from the `lessonl/batchResult`
 * payload so it can be tested without VS Code; every server string is escaped, the page runs
 * under a nonce CSP (the bars are SVG attributes, not inline styles).
 */
import { BatchItem, BatchPayload, BatchWin, speedupText } from "./protocol";
import { escapeHtml } from "./verdictHtml";

/** What the person did with each win so far: key -> "accepted" or the reason it failed. */
export interface BatchViewState {
  accepted: Set<string>;
  notes: Map<string, string>;
}

const VERDICT: Record<string, string> = {
  won: "verified win", no_win: "no verified speedup", failed: "failed", skipped: "done earlier", cancelled: "cancelled",
};

export function verdictWords(item: BatchItem): string {
  if (item.status === "skipped" && item.summary?.improved) {
    return `verified win (${item.skipped_reason || "done earlier"})`;
  }
  return VERDICT[item.status] ?? item.status.replace(/_/g, " ");
}

export function keyOf(item: { file: string; qualified_name: string }): string {
  return `${item.file}::${item.qualified_name}`;
}

interface Bar { label: string; speedup: number; win: boolean }

/**
 * One horizontal bar per function with a measured speedup, on a log scale (a 2× and a 1000×
 * win both stay readable), starting at the dashed 1× line (no change); slower ones get a stub.
 */
export function barChart(items: BatchItem[], wins: Set<string>): string {
  const bars: Bar[] = items
    .filter((i) => i.summary?.speedup != null)
    .map((i) => ({ label: i.qualified_name, speedup: i.summary!.speedup as number, win: wins.has(keyOf(i)) }));
  if (bars.length === 0) {
    return "<p class=\"muted\">No function has a measured speedup.</p>";
  }
  const top = Math.log(Math.max(1.5, ...bars.map((b) => b.speedup)) * 1.1);
  const width = 480, left = 150, row = 26;
  const scale = (value: number) => Math.round((Math.max(0, Math.log(value)) / top) * (width - left - 70));
  const rows = bars.map((b, i) => {
    const y = 8 + i * row;
    return `<text x="${left - 8}" y="${y + 14}" text-anchor="end" class="label">${escapeHtml(b.label)}</text>`
      + `<rect x="${left}" y="${y}" width="${Math.max(2, scale(b.speedup))}" height="18" class="${b.win ? "bar win" : "bar"}"></rect>`
      + `<text x="${left + scale(b.speedup) + 6}" y="${y + 14}" class="value">${b.speedup.toFixed(2)}×</text>`;
  }).join("");
  const height = 16 + bars.length * row;
  return `<svg class="chart" role="img" aria-label="speedup per function (log scale)" width="${width}" height="${height}" `
    + `viewBox="0 0 ${width} ${height}">${rows}`
    + `<line x1="${left}" y1="2" x2="${left}" y2="${height - 2}" class="one"></line></svg>`
    + "<p class=\"muted\">log scale; the dashed line is 1× (no change)</p>";
}

function diffHtml(diff: string): string {
  if (!diff) {
    return "";
  }
  const lines = diff.split("\n").map((line) => {
    const kind = line.startsWith("+") && !line.startsWith("+++") ? "add"
      : line.startsWith("-") && !line.startsWith("---") ? "del" : line.startsWith("@@") ? "hunk" : "";
    return kind ? `<span class="${kind}">${escapeHtml(line)}</span>` : escapeHtml(line);
  });
  return `<details open><summary>Diff</summary><pre class="diff">${lines.join("\n")}</pre></details>`;
}

function actionHtml(key: string, win: BatchWin | undefined, state: BatchViewState): string {
  if (!win) {
    return "";
  }
  if (state.accepted.has(key)) {
    return "<p class=\"state accepted\">Accepted: the rewrite is in your file.</p>";
  }
  const note = state.notes.get(key);
  const noteHtml = note ? `<p class="state failed">${escapeHtml(note)}</p>` : "";
  if (!win.acceptable) {
    return "<p class=\"state failed\">Judged without a sandbox: it cannot be accepted "
      + "(set [sandbox] allow_unisolated = true to allow it).</p>";
  }
  return `<div class="actions"><button class="accept" data-key="${escapeHtml(key)}">Accept</button></div>${noteHtml}`;
}

function itemHtml(item: BatchItem, wins: Map<string, BatchWin>, state: BatchViewState): string {
  const key = keyOf(item);
  const s = item.summary;
  const speed = s && s.speedup != null ? `<span class="speedup">${escapeHtml(speedupText(s.speedup, s.ci))}</span>` : "";
  const lessons = s && s.lessons.length
    ? `<ol>${s.lessons.map((l) => `<li><span class="tag">${escapeHtml(l.outcome.replace(/_/g, " "))}`
      + `${l.speedup != null ? ` ${l.speedup.toFixed(2)}×` : ""}</span> ${escapeHtml(l.text)}</li>`).join("")}</ol>`
    : "";
  return `<section class="function ${escapeHtml(item.status)}" data-key="${escapeHtml(key)}">`
    + `<h2>${escapeHtml(item.qualified_name)} <span class="muted">${escapeHtml(item.file)}</span></h2>`
    + `<p><span class="verdict">${escapeHtml(verdictWords(item))}</span> ${speed}</p>`
    + (item.message ? `<p class="muted">${escapeHtml(item.message)}</p>` : "")
    + actionHtml(key, wins.get(key), state)
    + (lessons ? `<h3>Lessons that justify it</h3>${lessons}` : "")
    + diffHtml(s?.diff ?? "")
    + "</section>";
}

function agentsHtml(payload: BatchPayload): string {
  const agents = payload.result?.agents ?? [];
  if (agents.length === 0) {
    return "";
  }
  const rows = agents.map((a) => `<tr><td>${escapeHtml(a.agent)}</td><td>${escapeHtml(a.model)}</td>`
    + `<td>${a.attempts}</td><td>${a.wins}</td><td>${a.best_wins}</td>`
    + `<td>${a.prompt_tokens + a.completion_tokens}</td><td>${Math.round(a.time_s)} s</td></tr>`).join("");
  return "<h2>Models</h2><table class=\"agents\"><tr><th>agent</th><th>model</th><th>attempts</th><th>faster</th>"
    + `<th>chosen</th><th>tokens</th><th>judge time</th></tr>${rows}</table>`;
}

function combinedHtml(payload: BatchPayload): string {
  const c = payload.result?.combined;
  if (!c) {
    return "";
  }
  const v = c.verdict;
  const head = v && v.speedup != null && !c.message
    ? `<p>All wins together: <span class="speedup">${escapeHtml(speedupText(v.speedup, v.ci ?? null))}</span> on the whole benchmark</p>`
    : "";
  const conflicts = Object.entries(c.conflicts ?? {})
    .map(([key, why]) => `<li>${escapeHtml(key)}: ${escapeHtml(why)}</li>`).join("");
  return head + (c.message ? `<p class="muted">${escapeHtml(c.message)}</p>` : "")
    + (conflicts ? `<p>Left out of the combination:</p><ul>${conflicts}</ul>` : "");
}

export function batchHtml(payload: BatchPayload, state: BatchViewState, nonce: string, cspSource: string): string {
  const items = payload.result?.items ?? [];
  const wins = new Map(payload.wins.map((w) => [w.key, w]));
  const reports = Object.keys(payload.report ?? {}).filter((k) => k === "md" || k === "html");
  const reportButtons = reports.map((k) => `<button class="secondary open" data-kind="${escapeHtml(k)}">`
    + `Open ${k === "md" ? "Markdown" : "HTML"} report</button>`).join(" ");
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${cspSource} 'nonce-${nonce}'; script-src 'nonce-${nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>LessonL batch report</title>
<style nonce="${nonce}">
body { font-family: var(--vscode-font-family); color: var(--vscode-foreground); padding: 0 14px 20px; }
h1 { font-size: 1.3em; margin: 14px 0 4px; }
h2 { font-size: 1.1em; margin: 16px 0 4px; }
h3 { font-size: 1em; margin: 8px 0 2px; }
.muted { color: var(--vscode-descriptionForeground); font-weight: normal; }
.speedup { font-weight: 600; color: var(--vscode-testing-iconPassed, #3fb950); }
.verdict { font-weight: 600; }
.function { border-top: 1px solid var(--vscode-panel-border, #444); padding-top: 4px; }
.function.failed .verdict { color: var(--vscode-testing-iconFailed, #f85149); }
.chart .label, .chart .value { fill: var(--vscode-foreground); font-size: 12px; }
.chart .bar { fill: var(--vscode-descriptionForeground, #888); }
.chart .bar.win { fill: var(--vscode-testing-iconPassed, #3fb950); }
.chart .one { stroke: var(--vscode-foreground); stroke-dasharray: 3 3; }
pre.diff { background: var(--vscode-textCodeBlock-background); padding: 6px; overflow-x: auto; }
.add { color: var(--vscode-gitDecoration-addedResourceForeground, #3fb950); }
.del { color: var(--vscode-gitDecoration-deletedResourceForeground, #f85149); }
.hunk { color: var(--vscode-descriptionForeground); }
table { border-collapse: collapse; }
td, th { padding: 2px 10px 2px 0; text-align: left; }
button { background: var(--vscode-button-background); color: var(--vscode-button-foreground); border: none; padding: 4px 14px; cursor: pointer; }
button.secondary { background: var(--vscode-button-secondaryBackground); color: var(--vscode-button-secondaryForeground); }
.state.accepted { color: var(--vscode-testing-iconPassed, #3fb950); }
.state.failed { color: var(--vscode-testing-iconFailed, #f85149); }
</style></head><body>
<h1>LessonL batch report</h1>
<p>${escapeHtml(payload.message)}</p>
${combinedHtml(payload)}
${reportButtons ? `<p>${reportButtons}</p>` : ""}
<h2>Speedup per function</h2>
${barChart(items, new Set(wins.keys()))}
${items.map((i) => itemHtml(i, wins, state)).join("\n")}
${agentsHtml(payload)}
<script nonce="${nonce}">
const vscode = acquireVsCodeApi();
for (const b of document.querySelectorAll("button.accept")) {
  b.addEventListener("click", () => { b.disabled = true; vscode.postMessage({ command: "accept", key: b.dataset.key }); });
}
for (const b of document.querySelectorAll("button.open")) {
  b.addEventListener("click", () => vscode.postMessage({ command: "open", kind: b.dataset.kind }));
}
</script>
</body></html>`;
}
