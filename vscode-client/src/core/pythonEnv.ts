/**
 * Which Python runs the server, how to tell whether `lessonl` is importable there, and where
 * the private environment lives. Pure decisions; the processes are started by common/python.ts.
 */
import * as path from "node:path";

export type InterpreterSource = "setting" | "python-extension" | "private-environment" | "default";

export interface Candidate {
  path: string;
  source: InterpreterSource;
}

/**
 * The order: the `lessonl.interpreter` setting when set (the person chose it), else the Python
 * extension's interpreter, then `python3`; the private environment (made on request, when
 * none of those had lessonl) comes before `python3`, and after a chosen interpreter so that
 * setting it up fixes a setting that names a Python without lessonl.
 */
export function candidates(setting: string, pythonExtension: string | undefined, privatePython: string | undefined): Candidate[] {
  if (setting.trim()) {
    const chosen: Candidate[] = [{ path: setting.trim(), source: "setting" }];
    return privatePython ? [...chosen, { path: privatePython, source: "private-environment" }] : chosen;
  }
  const list: Candidate[] = [];
  if (pythonExtension) {
    list.push({ path: pythonExtension, source: "python-extension" });
  }
  if (privatePython) {
    list.push({ path: privatePython, source: "private-environment" });
  }
  list.push({ path: "python3", source: "default" });
  return list;
}

/** Prints the version, or fails with the import error as the last line of stderr. */
export const PROBE_CODE = "import sys, lessonl; print(lessonl.__version__); print(sys.executable)";

export type Probe =
  | { kind: "ok"; version: string; executable: string }
  | { kind: "missing-python"; detail: string }
  | { kind: "missing-lessonl"; detail: string }
  | { kind: "too-old"; detail: string }
  | { kind: "failed"; detail: string };

export interface ProcessOutcome {
  code: number | null;
  stdout: string;
  stderr: string;
  /** e.g. ENOENT when the interpreter does not exist, ETIMEDOUT when it hung. */
  errorCode?: string;
}

export function readProbe(outcome: ProcessOutcome): Probe {
  if (outcome.errorCode === "ENOENT" || outcome.errorCode === "EACCES") {
    return { kind: "missing-python", detail: outcome.errorCode === "ENOENT" ? "not found" : "not executable" };
  }
  if (outcome.errorCode === "ETIMEDOUT") {
    return { kind: "failed", detail: "it did not answer within the time limit" };
  }
  const lastError = outcome.stderr.trim().split(/\r?\n/).pop() ?? "";
  if (outcome.code === 0) {
    const [version, executable] = outcome.stdout.trim().split(/\r?\n/);
    return { kind: "ok", version: version ?? "", executable: executable ?? "" };
  }
  if (/ModuleNotFoundError: No module named 'lessonl'/.test(outcome.stderr)) {
    return { kind: "missing-lessonl", detail: lastError };
  }
  if (/SyntaxError|requires Python|TypeError: .*unsupported operand/.test(outcome.stderr)) {
    return { kind: "too-old", detail: lastError };
  }
  return { kind: "failed", detail: lastError || `exit status ${outcome.code}` };
}

export function describeProbe(python: string, probe: Probe): string {
  switch (probe.kind) {
    case "ok":
      return `${python}: lessonl ${probe.version}`;
    case "missing-python":
      return `The Python interpreter "${python}" was ${probe.detail}.`;
    case "missing-lessonl":
      return `LessonL is not installed for ${python}.`;
    case "too-old":
      return `${python} is too old for LessonL (it needs Python 3.11 or newer): ${probe.detail}`;
    default:
      return `${python} could not import lessonl: ${probe.detail}`;
  }
}

export function privatePythonPath(envDir: string, platform: string = process.platform): string {
  return platform === "win32" ? path.join(envDir, "Scripts", "python.exe") : path.join(envDir, "bin", "python");
}

/** The one line to show when a setup step failed: the step, and the last line the tool printed. */
export function setupFailure(step: string, outcome: ProcessOutcome, hint: string): string {
  const lines = `${outcome.stderr}\n${outcome.stdout}`.trim().split(/\r?\n/).filter((l) => l.trim());
  const last = lines.filter((l) => /error|not|fail|denied|No /i.test(l)).pop() ?? lines.pop() ?? "";
  const why = outcome.errorCode === "ETIMEDOUT" ? "it took too long and was stopped"
    : outcome.errorCode ? outcome.errorCode : last || `exit status ${outcome.code}`;
  return `LessonL could not ${step}: ${why}. ${hint}`.trim();
}
