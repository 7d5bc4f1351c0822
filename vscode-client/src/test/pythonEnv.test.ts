import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { PROBE_CODE, candidates, describeProbe, privatePythonPath, readProbe, setupFailure } from "../core/pythonEnv";

test("the setting (then a private environment) when set; else Python extension, private environment, python3", () => {
  assert.deepEqual(candidates(" /opt/py ", "/ext/py", undefined), [{ path: "/opt/py", source: "setting" }]);
  assert.deepEqual(candidates("/opt/py", "/ext/py", "/priv/py").map((c) => c.path), ["/opt/py", "/priv/py"]);
  assert.deepEqual(candidates("", "/ext/py", "/priv/py").map((c) => c.source),
    ["python-extension", "private-environment", "default"]);
  assert.deepEqual(candidates("", undefined, undefined), [{ path: "python3", source: "default" }]);
});

function runProbe(python: string) {
  const r = spawnSync(python, ["-c", PROBE_CODE], { encoding: "utf8", timeout: 30_000, env: { ...process.env, PYTHONPATH: "" } });
  const errorCode = (r.error as NodeJS.ErrnoException | undefined)?.code;
  return readProbe({ code: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "", errorCode });
}

test("a real python3 without lessonl is told apart from a missing interpreter", () => {
  const isolated = spawnSync("python3", ["-I", "-c", "import lessonl"], { encoding: "utf8" });
  if (isolated.status === 0) {
    return; // lessonl is installed system-wide here; the missing case cannot be shown with python3
  }
  const probe = runProbe("python3");
  assert.equal(probe.kind, "missing-lessonl");
  assert.equal(describeProbe("python3", probe), "LessonL is not installed for python3.");
  const missing = runProbe("/nonexistent/python");
  assert.equal(missing.kind, "missing-python");
  assert.equal(describeProbe("/nonexistent/python", missing), "The Python interpreter \"/nonexistent/python\" was not found.");
});

test("the repository's virtual environment, when present, has lessonl", () => {
  const python = `${__dirname}/../../.venv/bin/python`;
  const probe = runProbe(python);
  if (probe.kind === "missing-python") {
    return; // no .venv in this checkout
  }
  assert.equal(probe.kind, "ok");
  assert.match(describeProbe(python, probe), /lessonl \d+\.\d+/);
});

test("the private environment's interpreter is where venv puts it", () => {
  assert.equal(privatePythonPath("/s/env", "linux"), "/s/env/bin/python");
  assert.equal(privatePythonPath("C:\\s\\env", "win32").endsWith("python.exe"), true);
});

test("a failed setup step is one plain line with the tool's own reason and a hint", () => {
  const message = setupFailure("create a Python environment with python3 -m venv",
    { code: 1, stdout: "", stderr: "The virtual environment was not created successfully because ensurepip is not\navailable.\nError: Command '[...]' returned non-zero exit status 1.\n" },
    "Install python3-venv.");
  assert.equal(message, "LessonL could not create a Python environment with python3 -m venv: "
    + "Error: Command '[...]' returned non-zero exit status 1.. Install python3-venv.");
  assert.match(setupFailure("install", { code: null, stdout: "", stderr: "", errorCode: "ETIMEDOUT" }, ""), /took too long/);
});
