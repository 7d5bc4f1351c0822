import assert from "node:assert/strict";
import { test } from "node:test";
import { describeEvent, functionFromTitle, resultSummary, statusText } from "../core/progressText";
import { ProgressEvent } from "../core/protocol";

const event: ProgressEvent = { kind: "candidate_judged", round: 1, rounds: 4, judged: 5, total: 12, best_speedup: 1.843 };

test("progress names the round, the candidates judged and the best verified speedup", () => {
  assert.equal(describeEvent(event), "round 2/4 · 5/12 candidates judged · best verified 1.84×");
  assert.equal(describeEvent({ ...event, best_speedup: null }), "round 2/4 · 5/12 candidates judged · no verified speedup yet");
});

test("the status bar shows one job in detail and several as a count", () => {
  assert.equal(statusText([]), "$(beaker) LessonL");
  assert.equal(statusText([{ function: "matmul", event }]), "$(sync~spin) LessonL: matmul · round 2/4 · best 1.84×");
  assert.equal(statusText([{ function: "matmul" }]), "$(sync~spin) LessonL: matmul · checking baseline");
  assert.equal(statusText([{ function: "a" }, { function: "b" }]), "$(sync~spin) LessonL: 2 functions");
});

test("the function name is read from the server's progress title", () => {
  assert.equal(functionFromTitle("LessonL: optimizing ns::K::matmul"), "ns::K::matmul");
  assert.equal(functionFromTitle(undefined), "");
});

test("a finished job is summed up by its status", () => {
  assert.equal(resultSummary("improved", "matmul", 1.84, [1.78, 1.9]), "matmul 1.84× (95% CI 1.78–1.90) faster");
  assert.equal(resultSummary("no_improvement", "f", null, null), "f: no verified speedup");
  assert.equal(resultSummary("unisolated", "f", 3, [2, 4]), "f: judged without a sandbox, not applied");
  assert.equal(resultSummary("error", "f", null, null), "f: failed");
});
