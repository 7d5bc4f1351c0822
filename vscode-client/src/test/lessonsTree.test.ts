import assert from "node:assert/strict";
import { test } from "node:test";
import { groupByFunction, groupDescription, lessonVerdict, oneLine, outcomeLook, planShowLessons } from "../core/lessonsTree";
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

test("Show lessons reveals the function's group in the view, and says so plainly when there is none", () => {
  const listed = groupByFunction("/repo", [lesson("1", "histogram", "faster", 2.0), lesson("2", "matmul", "slower", 0.9)]);
  const answer = { status: "ok", root: "/repo", file: "kernels.cpp", function: "histogram",
                   lessons: [lesson("1", "histogram", "faster", 2.0)], message: "LessonL: 1 lesson(s) for histogram" };
  assert.deepEqual(planShowLessons(answer, listed), { kind: "reveal", group: listed[0], added: false });

  const none = planShowLessons({ ...answer, function: "scale", lessons: [] }, listed);
  assert.equal(none.kind, "none");
  assert.match(none.kind === "none" ? none.message : "", /^LessonL: no lessons for scale yet\. Run "Optimize this function \(LessonL\)"/);

  // The server refused (no config, cursor outside a function): it said why; nothing more to do.
  assert.deepEqual(planShowLessons({ status: "no_function", message: "put the cursor inside a function" }, listed), { kind: "refused" });
  assert.deepEqual(planShowLessons(undefined, listed), { kind: "refused" });
});

test("a function the view did not list (a bank larger than the list) gets its group from the answer", () => {
  const answer = { status: "ok", root: "/repo", file: "kernels.cpp", function: "scale",
                   lessons: [lesson("7", "scale", "no_significant_change", 1.01), lesson("8", "scale", "faster", 1.5)] };
  const plan = planShowLessons(answer, groupByFunction("/repo", [lesson("1", "histogram", "faster", 2.0)]));
  assert.equal(plan.kind, "reveal");
  if (plan.kind === "reveal") {
    assert.equal(plan.added, true);
    assert.equal(plan.group.key, groupByFunction("/repo", answer.lessons)[0].key);
    assert.deepEqual(plan.group.lessons.map((l) => l.id), ["8", "7"]);
    assert.equal(plan.group.best, 1.5);
  }
});
