import assert from "node:assert/strict";
import { test } from "node:test";
import { groupByFunction, groupDescription, lessonVerdict, oneLine, outcomeLook } from "../core/lessonsTree";
import { Lesson } from "../core/protocol";

function lesson(id: string, fn: string, outcome: string, speedup: number | null, factor = 1): Lesson {
  return { id, text: `lesson ${id}`, outcome, speedup, ci: speedup ? [speedup - 0.1, speedup + 0.1] : null, round: 0,
           agent: "a", model: "m", file: "kernels.cpp", function: fn, factor, created: 0 };
}

test("lessons are grouped by function, best first, with the best verified speedup", () => {
  const groups = groupByFunction("/repo", [
    lesson("1", "matmul", "not_compilable", null), lesson("2", "matmul", "faster", 2.5),
    lesson("3", "histogram", "slower", 0.8), lesson("4", "matmul", "faster", 3.1, 0.5),
  ]);
  assert.deepEqual(groups.map((g) => g.function), ["histogram", "matmul"]);
  const matmul = groups[1];
  assert.deepEqual(matmul.lessons.map((l) => l.id), ["2", "4", "1"]); // 2.5×1 > 3.1×0.5 > 0
  assert.equal(matmul.best, 3.1);
  assert.equal(groups[0].best, null); // a slower lesson is no speedup
  assert.equal(groupDescription(matmul), "kernels.cpp · 3 lessons · best 3.10×");
});

test("each outcome has its own icon and words; speedups come with their interval", () => {
  const icons = new Set(["faster", "slower", "no_significant_change", "incorrect", "not_compilable", "timeout", "crashed", "rejected"]
    .map((o) => outcomeLook(o).icon));
  assert.equal(icons.size, 8);
  assert.equal(lessonVerdict(lesson("x", "f", "faster", 1.84)), "1.84× (95% CI 1.74–1.94) faster");
  assert.equal(lessonVerdict(lesson("y", "f", "not_compilable", null)), "did not compile");
  assert.equal(outcomeLook("something_new").words, "something new");
});

test("long lesson texts become one short line", () => {
  assert.equal(oneLine("a\n  b   c"), "a b c");
  assert.equal(oneLine("x".repeat(100), 10), `${"x".repeat(9)}…`);
});
