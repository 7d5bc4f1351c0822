/**
 * The verdict panel beside the diff: the verified speedup with its interval, who proposed it,
 * the lessons that justified it, and Accept / Reject buttons. Pure HTML from the result so it
 * can be tested without VS Code; every server string is escaped.
 */
import { lessonVerdict, outcomeLook } from "./lessonsTree";
import { Lesson, OptimizeResult, speedupText } from "./protocol";

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" }[c] as string));
}

export type ReviewState = "open" | "accepted" | "rejected" | "failed";

export interface VerdictView {
  result: OptimizeResult;
  state: ReviewState;
  added: number;
  removed: number;
  note?: string;
}

function lessonItem(lesson: Lesson): string {
  const look = outcomeLook(lesson.outcome);
  const who = lesson.model || lesson.agent;
  return `<li class="lesson ${escapeHtml(String(lesson.outcome))}">`
    + `<span class="tag">${escapeHtml(lessonVerdict(lesson))}</span>`
    + (who ? ` <span class="who">${escapeHtml(who)}, round ${lesson.round + 1}</span>` : "")
    + `<div class="text" title="${escapeHtml(look.words)}">${escapeHtml(lesson.text)}</div></li>`;
}

export function verdictHtml(view: VerdictView, nonce: string, cspSource: string): string {
  const r = view.result;
  const speed = speedupText(r.speedup, r.ci);
  const models = r.models.length ? r.models.map(escapeHtml).join(", ") : "unknown";
  const wall = r.wallSeconds != null ? `${Math.round(r.wallSeconds)} s` : "";
  const lessons = r.lessons.length
    ? `<ol>${r.lessons.map(lessonItem).join("")}</ol>`
    : "<p class=\"muted\">No lessons were recorded for this run.</p>";
  const buttons = view.state === "open"
    ? `<div class="actions"><button id="accept">Accept</button><button id="reject" class="secondary">Reject</button></div>`
    : `<p class="state ${view.state}">${escapeHtml(stateWords(view.state))}</p>`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${cspSource} 'nonce-${nonce}'; script-src 'nonce-${nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>LessonL verdict</title>
<style nonce="${nonce}">
body { font-family: var(--vscode-font-family); color: var(--vscode-foreground); padding: 0 14px; }
h1 { font-size: 1.25em; margin: 14px 0 4px; }
.speedup { font-size: 1.6em; font-weight: 600; color: var(--vscode-testing-iconPassed, #3fb950); margin: 8px 0; }
.muted, .who { color: var(--vscode-descriptionForeground); }
table { border-collapse: collapse; margin: 6px 0 12px; }
td { padding: 2px 10px 2px 0; vertical-align: top; }
ol { padding-left: 20px; }
.lesson { margin-bottom: 10px; }
.tag { font-weight: 600; }
.lesson.faster .tag { color: var(--vscode-testing-iconPassed, #3fb950); }
.lesson.incorrect .tag, .lesson.not_compilable .tag, .lesson.crashed .tag { color: var(--vscode-testing-iconFailed, #f85149); }
.actions { margin: 12px 0; }
button { background: var(--vscode-button-background); color: var(--vscode-button-foreground); border: none; padding: 6px 14px; margin-right: 8px; cursor: pointer; }
button.secondary { background: var(--vscode-button-secondaryBackground); color: var(--vscode-button-secondaryForeground); }
.state { font-weight: 600; }
.behaviour.ok { color: var(--vscode-testing-iconPassed, #3fb950); }
.warn { color: var(--vscode-editorWarning-foreground, #d29922); }
</style></head>
<body>
<h1>LessonL · ${escapeHtml(r.function)} <span class="muted">in ${escapeHtml(r.file)}</span></h1>
<div class="speedup" id="speedup">${escapeHtml(speed)} faster</div>
<p class="muted">Verified by your build, tests and benchmarks in a scratch copy (95% confidence interval of the speedup).</p>
${checksHtml(r)}
${buttons}
<table>
<tr><td>Models</td><td>${models}</td></tr>
<tr><td>Best candidate</td><td>${escapeHtml(r.bestModel ?? "unknown")}</td></tr>
<tr><td>Attempts</td><td>${r.attempts}${wall ? ` in ${wall}` : ""}</td></tr>
<tr><td>Change</td><td>+${view.added} −${view.removed} lines</td></tr>
</table>
${view.note ? `<p class="note">${escapeHtml(view.note)}</p>` : ""}
<h2>Lessons that justified it</h2>
${lessons}
<script nonce="${nonce}">
const vscode = acquireVsCodeApi();
for (const id of ["accept", "reject"]) {
  const button = document.getElementById(id);
  if (button) { button.addEventListener("click", () => vscode.postMessage({ command: id })); }
}
</script>
</body></html>`;
}

/** The behaviour check and any benchmark case that got slower: what "verified" rests on. */
export function checksHtml(r: OptimizeResult): string {
  const parts: string[] = [];
  if (r.behaviour) {
    const matched = r.behaviour.startsWith("behaviour: matched");
    parts.push(`<p class="behaviour ${matched ? "ok" : "warn"}" id="behaviour">${escapeHtml(r.behaviour)}</p>`);
  }
  for (const regression of r.regressions ?? []) {
    parts.push(`<p class="regression warn">Slower case: ${escapeHtml(regression)}</p>`);
  }
  return parts.join("\n");
}

function stateWords(state: ReviewState): string {
  switch (state) {
    case "accepted":
      return "Accepted: the rewrite is in your file (undo with Ctrl+Z).";
    case "rejected":
      return "Rejected: your file is unchanged; the lessons are kept.";
    default:
      return "Could not apply the rewrite: see the notification.";
  }
}
