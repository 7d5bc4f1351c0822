import assert from "node:assert/strict";
import { test } from "node:test";
import { OptimizeResult } from "../core/protocol";
import { escapeHtml, verdictHtml } from "../core/verdictHtml";

const result: OptimizeResult = {
  jobId: "j1", status: "improved", message: "LessonL: matmul 1.84× faster", uri: "file:///r/k.cpp", root: "/r",
  file: "k.cpp", function: "matmul", improved: true, speedup: 1.84, ci: [1.78, 1.9], diff: "", models: ["m-a", "m<b>"],
  bestModel: "m-a", resultId: "r1", attempts: 12, wallSeconds: 95.2, applied: null,
  lessons: [{ id: "l1", text: "Interchange <i,k,j> loops", outcome: "faster", speedup: 1.84, ci: [1.78, 1.9], round: 0,
              agent: "a", model: "m-a", file: "k.cpp", function: "matmul", factor: 1, created: 0 }],
};

test("the verdict shows the speedup with its interval, the models and the lessons, escaped", () => {
  const html = verdictHtml({ result, state: "open", added: 3, removed: 2 }, "n0nce", "vscode-resource:");
  assert.match(html, /1\.84× \(95% CI 1\.78–1\.90\) faster/);
  assert.match(html, /m-a, m&lt;b&gt;/);
  assert.match(html, /Interchange &lt;i,k,j&gt; loops/);
  assert.match(html, /\+3 −2 lines/);
  assert.match(html, /id="accept"/);
  assert.doesNotMatch(html, /<b>|<i,k,j>/);
  assert.match(html, /script-src 'nonce-n0nce'/);
});

test("after a decision the buttons give way to what happened", () => {
  const html = verdictHtml({ result, state: "rejected", added: 0, removed: 0 }, "n", "c");
  assert.doesNotMatch(html, /id="accept"/);
  assert.match(html, /your file is unchanged; the lessons are kept/);
});

test("escaping covers quotes", () => {
  assert.equal(escapeHtml(`<a href="x">'</a>`), "&lt;a href=&quot;x&quot;&gt;&#39;&lt;/a&gt;");
});

test("the behaviour check and slower cases are shown beside the speedup, escaped", () => {
  const checked: OptimizeResult = {
    ...result,
    behaviour: "behaviour: matched on 6 calls (tests 4, benchmark 2); compared: return value, y<0>",
    regressions: ["BM_gemm/64 is 1.39× slower (95% CI 1.31–1.47)"],
  };
  const html = verdictHtml({ result: checked, state: "open", added: 1, removed: 1 }, "n", "c");
  assert.match(html, /id="behaviour">behaviour: matched on 6 calls \(tests 4, benchmark 2\); compared: return value, y&lt;0&gt;/);
  assert.match(html, /class="behaviour ok"/);
  assert.match(html, /Slower case: BM_gemm\/64 is 1\.39× slower/);
});

test("no behaviour line when the server sent none", () => {
  const html = verdictHtml({ result, state: "open", added: 1, removed: 1 }, "n", "c");
  assert.doesNotMatch(html, /id="behaviour"/);
});
