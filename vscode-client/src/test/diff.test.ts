import assert from "node:assert/strict";
import { test } from "node:test";
import { applyUnifiedDiff, diffStat, lineReplacement, splitLines } from "../core/diff";

const OLD = "int f() {\n  int s = 0;\n  for (int i = 0; i < n; i++) s += i;\n  return s;\n}\n\nint g() { return 1; }\n";
// As lessonl.code.unified_diff writes it for one changed line.
const DIFF = "--- a/k.cpp\n+++ b/k.cpp\n@@ -1,5 +1,5 @@\n int f() {\n-  int s = 0;\n+  long s = 0;\n   for (int i = 0; i < n; i++) s += i;\n   return s;\n }\n";

test("applying the server's diff to the original gives the proposed text", () => {
  assert.equal(applyUnifiedDiff(OLD, DIFF), OLD.replace("int s = 0", "long s = 0"));
});

test("a diff whose context no longer matches the file is refused, not forced in", () => {
  const edited = OLD.replace("return s;", "return s + 1;");
  assert.equal(applyUnifiedDiff(edited, DIFF), null);
});

test("a hunk header without a length means one line, at that line", () => {
  const diff = "--- a/k.cpp\n+++ b/k.cpp\n@@ -7 +7 @@\n-int g() { return 1; }\n+int g() { return 2; }\n";
  assert.equal(applyUnifiedDiff(OLD, diff), OLD.replace("return 1;", "return 2;"));
});

test("a last line without a newline keeps having none", () => {
  const old = "a\nb";
  const diff = "--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n";
  assert.equal(applyUnifiedDiff(old, diff), "a\nc");
});

test("pure insertions (old length 0) go after the named line", () => {
  const diff = "--- a/x\n+++ b/x\n@@ -1,0 +2 @@\n+inserted\n";
  assert.equal(applyUnifiedDiff("one\ntwo\n", diff), "one\ninserted\ntwo\n");
});

test("an empty diff proposes nothing", () => {
  assert.equal(applyUnifiedDiff(OLD, ""), null);
});

test("a removed line that starts with two dashes is not mistaken for a header", () => {
  const old = "x\n-- comment\ny\n";
  const diff = "--- a/q.sql\n+++ b/q.sql\n@@ -1,3 +1,2 @@\n x\n--- comment\n y\n";
  assert.equal(applyUnifiedDiff(old, diff), "x\ny\n");
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
