import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { findFunctionLine, languageOf } from "../core/locate";

const REPO = join(__dirname, "..", "..");
const kernels = readFileSync(join(REPO, "examples", "cpp-kernels", "kernels.cpp"), "utf8");
const header = readFileSync(join(REPO, "examples", "cpp-kernels", "kernels.h"), "utf8");

function lineOf(text: string, needle: string): number {
  return text.split("\n").findIndex((l) => l.includes(needle));
}

test("finds the definitions in the bundled C++ example", () => {
  assert.equal(findFunctionLine(kernels, "matmul", "cpp"), lineOf(kernels, "void matmul("));
  assert.equal(findFunctionLine(kernels, "prefix_sum", "cpp"), lineOf(kernels, "prefix_sum(const"));
});

test("a prototype is not a definition", () => {
  assert.equal(findFunctionLine(header, "matmul", "cpp"), undefined);
});

test("calls are skipped; qualified names and Python methods are found", () => {
  const cpp = "int main() {\n  return work(3);\n}\nint Engine::work(int n)\n{\n  return n;\n}\n";
  assert.equal(findFunctionLine(cpp, "ns::Engine::work", "cpp"), 3);
  const py = "import x\n\nclass A:\n    async def run(self):\n        pass\n";
  assert.equal(findFunctionLine(py, "A.run", "python"), 3);
  assert.equal(findFunctionLine(py, "missing", "python"), undefined);
});

test("the language follows the file name", () => {
  assert.equal(languageOf("src/a.py"), "python");
  assert.equal(languageOf("a.c"), "c");
  assert.equal(languageOf("a.cc"), "cpp");
});
