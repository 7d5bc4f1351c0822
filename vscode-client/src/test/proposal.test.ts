import assert from "node:assert/strict";
import { test } from "node:test";
import { fitsDocument, mergeOutcome } from "../core/proposal";

const TYPED = "// typed during the review\n";
const MERGED = `${TYPED}int histogram() { /* one pass */ }\n`;

test("the server's text is used as it is only on the document version it was merged onto", () => {
  assert.equal(fitsDocument({ baseVersion: 3 }, { version: 3, dirty: true }), true);
  assert.equal(fitsDocument({ baseVersion: 3 }, { version: 4, dirty: false }), false); // one keystroke since
  // null: merged onto the file on disk (the editor had not opened it): fits while the buffer is unmodified.
  assert.equal(fitsDocument({ baseVersion: null }, { version: 1, dirty: false }), true);
  assert.equal(fitsDocument({ baseVersion: null }, { version: 2, dirty: true }), false);
});

test("a merge onto the document as it is now is applied", () => {
  const outcome = mergeOutcome({ status: "ok", newText: MERGED, version: 5 }, { version: 5, dirty: false },
    "histogram", "kernels.cpp");
  assert.deepEqual(outcome, { ok: true, text: MERGED, version: 5 });
});

test("a merge onto a version the person has typed past is asked for again, not applied", () => {
  const outcome = mergeOutcome({ status: "ok", newText: MERGED, version: 5 }, { version: 6, dirty: true },
    "histogram", "kernels.cpp");
  assert.equal(outcome.ok, false);
  assert.equal(!outcome.ok && outcome.retry, true);
  assert.match(!outcome.ok ? outcome.message : "", /kernels\.cpp changed while the rewrite of histogram was being merged; nothing was applied/);
});

test("stale: the server's message says why and nothing is applied; no answer at all says so too", () => {
  const stale = { status: "stale", version: 5,
                  message: "LessonL: histogram in kernels.cpp changed where the rewrite goes; nothing was applied." };
  assert.deepEqual(mergeOutcome(stale, { version: 5, dirty: false }, "histogram", "kernels.cpp"),
    { ok: false, retry: false, message: stale.message });
  const lost = mergeOutcome(undefined, { version: 5, dirty: false }, "histogram", "kernels.cpp");
  assert.equal(lost.ok, false);
  assert.match(!lost.ok ? lost.message : "", /could not be merged into kernels\.cpp; nothing was applied/);
});
