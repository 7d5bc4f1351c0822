import assert from "node:assert/strict";
import { test } from "node:test";
import { barChart, batchHtml, BatchViewState, verdictWords } from "../core/batchHtml";
import { BatchItem, BatchPayload } from "../core/protocol";
import { parseTop } from "../core/topCount";

function item(name: string, status: string, speedup: number | null, extra: Partial<BatchItem> = {}): BatchItem {
  return {
    file: "hotspots/core.py", qualified_name: name, status, message: "", skipped_reason: "", wall_s: 3,
    summary: speedup == null && status !== "no_win" ? null : {
      file: "hotspots/core.py", qualified_name: name, improved: status === "won", speedup, ci: speedup ? [speedup - 0.1, speedup + 0.1] : null,
      outcome: "faster", message: "", diff: "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-old <b>\n+new & better", attempts: 2, wall_s: 3,
      unisolated: false,
      lessons: [{ id: "l1", text: "Use a <set> of seen values", outcome: "faster", speedup, agent: "a", round: 0 }],
    },
    ...extra,
  };
}

const payload: BatchPayload = {
  batchId: "b1", status: "ok", message: "LessonL: batch done: 3 function(s), 1 verified win(s).", root: "/r",
  result: {
    items: [item("count_primes", "won", 4.2), item("moving_average", "no_win", 1.01), item("join_<words>", "failed", null,
      { message: "the build failed: <error>" })],
    combined: { verdict: { speedup: 2.5, ci: [2.3, 2.7], outcome: "faster" }, applied: ["hotspots/core.py::count_primes"],
      conflicts: {}, composes: true, message: "" },
    agents: [{ agent: "fake", model: "m<1>", attempts: 3, wins: 1, best_wins: 1, prompt_tokens: 10, completion_tokens: 5,
      requests: 3, time_s: 12.4 }],
    wall_s: 40, warnings: [],
  },
  report: { md: "/r/.lessonl/batch/report.md", html: "/r/.lessonl/batch/report.html", json: "/r/.lessonl/batch/report.json" },
  wins: [{ key: "hotspots/core.py::count_primes", file: "hotspots/core.py", function: "count_primes",
    uri: "file:///r/hotspots/core.py", speedup: 4.2, ci: [4.1, 4.3], unisolated: false, acceptable: true }],
};

const fresh = (): BatchViewState => ({ accepted: new Set(), notes: new Map() });

test("the report shows each function's verdict and speedup with its interval, escaped, under a nonce CSP", () => {
  const html = batchHtml(payload, fresh(), "n0nce", "vscode-resource:");
  assert.match(html, /script-src 'nonce-n0nce'/);
  assert.doesNotMatch(html, /style="/); // inline styles would break under the CSP
  assert.match(html, /verified win<\/span> <span class="speedup">4\.20× \(95% CI 4\.10–4\.30\)/);
  assert.match(html, /no verified speedup/);
  assert.match(html, /join_&lt;words&gt;/);
  assert.match(html, /the build failed: &lt;error&gt;/);
  assert.match(html, /Use a &lt;set&gt; of seen values/);
  assert.match(html, /<span class="del">-old &lt;b&gt;<\/span>/);
  assert.match(html, /<span class="add">\+new &amp; better<\/span>/);
  assert.match(html, /All wins together: <span class="speedup">2\.50× \(95% CI 2\.30–2\.70\)/);
  const worded = { ...payload, result: { ...payload.result!, combined: { ...payload.result!.combined, message: "3 wins <together>" } } };
  const withMessage = batchHtml(worded, fresh(), "n", "c");
  assert.match(withMessage, /3 wins &lt;together&gt;/);
  assert.doesNotMatch(withMessage, /All wins together/); // said once, in the judge's words
  assert.match(html, /m&lt;1&gt;/);
  assert.doesNotMatch(html, /<b>|<set>|<error>|<words>/);
  assert.match(html, /Open Markdown report/);
});

test("only a verified win has an Accept button, and an accepted win says so instead", () => {
  const html = batchHtml(payload, fresh(), "n", "c");
  assert.equal((html.match(/class="accept"/g) ?? []).length, 1);
  assert.match(html, /data-key="hotspots\/core\.py::count_primes">Accept/);
  const state = fresh();
  state.accepted.add("hotspots/core.py::count_primes");
  const after = batchHtml(payload, state, "n", "c");
  assert.doesNotMatch(after, /class="accept"/);
  assert.match(after, /Accepted: the rewrite is in your file/);
  const stale = fresh();
  stale.notes.set("hotspots/core.py::count_primes", "count_primes changed <since>");
  assert.match(batchHtml(payload, stale, "n", "c"), /count_primes changed &lt;since&gt;/);
});

test("a win judged without a sandbox is not offered", () => {
  const unisolated = { ...payload, wins: [{ ...payload.wins[0], unisolated: true, acceptable: false }] };
  const html = batchHtml(unisolated, fresh(), "n", "c");
  assert.doesNotMatch(html, /class="accept"/);
  assert.match(html, /Judged without a sandbox/);
});

test("the bar chart has one bar per measured speedup, wins marked, longest for the fastest", () => {
  const svg = barChart(payload.result!.items, new Set(["hotspots/core.py::count_primes"]));
  const widths = [...svg.matchAll(/<rect x="150" y="\d+" width="(\d+)" height="18" class="([^"]+)"/g)]
    .map((m) => [Number(m[1]), m[2]] as const);
  assert.equal(widths.length, 2);
  assert.equal(widths[0][1], "bar win");
  assert.equal(widths[1][1], "bar");
  assert.ok(widths[0][0] > 3 * widths[1][0]); // log scale: 4.2× against 1.01×
  assert.match(svg, /4\.20×/);
  assert.match(barChart([], new Set()), /No function has a measured speedup/);
});

test("verdict words for a function done in an earlier run", () => {
  assert.equal(verdictWords(item("f", "skipped", 2, { skipped_reason: "done earlier on unchanged code" })),
    "done earlier");
  const skippedWin = item("f", "skipped", 2, { skipped_reason: "done earlier on unchanged code" });
  skippedWin.summary!.improved = true;
  assert.equal(verdictWords(skippedWin), "verified win (done earlier on unchanged code)");
});

test("the batch asks for a whole number of functions from 1 to 100", () => {
  assert.equal(parseTop(" 3 "), 3);
  for (const bad of ["", "0", "2.5", "101", "three", "-1"]) {
    assert.equal(parseTop(bad), undefined, bad);
  }
});
