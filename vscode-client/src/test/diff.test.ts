import assert from "node:assert/strict";
import { test } from "node:test";
import { diffStat, lineReplacement, parseHunks, splitLines } from "../core/diff";

const OLD = "int f() {\n  int s = 0;\n  for (int i = 0; i < n; i++) s += i;\n  return s;\n}\n\nint g() { return 1; }\n";
// As lessonl.code.unified_diff writes it for one changed line.
const DIFF = "--- a/k.cpp\n+++ b/k.cpp\n@@ -1,5 +1,5 @@\n int f() {\n-  int s = 0;\n+  long s = 0;\n   for (int i = 0; i < n; i++) s += i;\n   return s;\n }\n";

test("a hunk header without a length means one line, at that line", () => {
  const diff = "--- a/k.cpp\n+++ b/k.cpp\n@@ -7 +7 @@\n-int g() { return 1; }\n+int g() { return 2; }\n";
  const [hunk] = parseHunks(diff);
  assert.equal(hunk.oldStart, 6);
  assert.deepEqual(hunk.lines.map((l) => l.mark), ["-", "+"]);
});

test("a last line without a newline keeps having none", () => {
  const diff = "--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n";
  assert.deepEqual(parseHunks(diff)[0].lines.map((l) => l.text), ["a\n", "b", "c"]);
});

test("a removed line that starts with two dashes is not mistaken for a header", () => {
  const diff = "--- a/q.sql\n+++ b/q.sql\n@@ -1,3 +1,2 @@\n x\n--- comment\n y\n";
  assert.deepEqual(diffStat(diff), { added: 0, removed: 1 });
});

test("Accept replaces only the lines that differ, in one edit", () => {
  const after = OLD.replace("int s = 0", "long s = 0");
  const r = lineReplacement(OLD, after);
  assert.ok(r);
  assert.equal(OLD.slice(0, r.start) + r.text + OLD.slice(r.end), after);
  assert.equal(OLD.slice(r.start, r.end), "  int s = 0;\n");
  assert.equal(lineReplacement(OLD, OLD), null);
});

test("line splitting keeps endings, including CRLF", () => {
  assert.deepEqual(splitLines("a\r\nb\nc"), ["a\r\n", "b\n", "c"]);
  assert.deepEqual(splitLines(""), []);
});

test("the diff stat counts added and removed lines", () => {
  assert.deepEqual(diffStat(DIFF), { added: 1, removed: 1 });
});
