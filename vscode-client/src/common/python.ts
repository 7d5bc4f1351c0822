/**
 * Finding a Python that can run `python -m lessonl serve`, and making one when there is none:
 * a private virtual environment in the extension's global storage with the bundled wheel.
 * Every process has a time limit and is killed with its whole process group.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import {
  Candidate, PROBE_CODE, Probe, ProcessOutcome, candidates, describeProbe, privatePythonPath,
  readProbe, setupFailure,
} from "../core/pythonEnv";
import { logChannel, showError } from "./logging";
import { interpreterSetting } from "./settings";

export interface Interpreter {
  python: string;
  source: Candidate["source"];
  version: string;
}

export interface Discovery {
  found?: Interpreter;
  /** One line per interpreter tried, for the log and the notification. */
  tried: string[];
  firstProblem?: string;
}

/** Run a process with a time limit; never rejects. */
export function runProcess(command: string, args: string[], timeoutMs: number,
                           token?: vscode.CancellationToken): Promise<ProcessOutcome> {
  return new Promise((resolve) => {
    let stdout = "";
    let stderr = "";
    let errorCode: string | undefined;
    let child;
    try {
      child = spawn(command, args, { detached: true, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, PYTHONNOUSERSITE: "1" } });
    } catch (error) {
      resolve({ code: null, stdout, stderr, errorCode: (error as NodeJS.ErrnoException).code ?? String(error) });
      return;
    }
    const kill = (why: string) => {
      errorCode = why;
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
    };
    const timer = setTimeout(() => kill("ETIMEDOUT"), timeoutMs);
    const cancel = token?.onCancellationRequested(() => kill("cancelled"));
    child.stdout.on("data", (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on("data", (d: Buffer) => { stderr += d.toString(); });
    child.on("error", (error: NodeJS.ErrnoException) => { errorCode = error.code ?? error.message; });
    child.on("close", (code: number | null) => {
      clearTimeout(timer);
      cancel?.dispose();
      resolve({ code, stdout, stderr, errorCode });
    });
  });
}

export async function probe(python: string): Promise<Probe> {
  return readProbe(await runProcess(python, ["-c", PROBE_CODE], 30_000));
}

/** The interpreter the Python extension selected for `resource`'s folder, if it is installed
 * and answers within `timeoutMs` (a slow activation must never hold up the language server). */
export async function pythonExtensionInterpreter(resource?: vscode.Uri, timeoutMs = 3000): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => { timer = setTimeout(() => resolve(undefined), timeoutMs); });
  try {
    return await Promise.race([askPythonExtension(resource), late]);
  } finally {
    clearTimeout(timer);
  }
}

async function askPythonExtension(resource?: vscode.Uri): Promise<string | undefined> {
  const extension = vscode.extensions.getExtension("ms-python.python");
  if (!extension) {
    return undefined;
  }
  try {
    const api = extension.isActive ? extension.exports : await extension.activate();
    const envPath = api?.environments?.getActiveEnvironmentPath?.(resource);
    if (envPath) {
      const resolved = await api.environments.resolveEnvironment?.(envPath);
      return resolved?.executable?.uri?.fsPath ?? envPath.path;
    }
    const details = api?.settings?.getExecutionDetails?.(resource);
    return details?.execCommand?.[0];
  } catch (error) {
    logChannel().warn(`The Python extension did not tell its interpreter: ${error}`);
    return undefined;
  }
}

export function privateEnvDir(context: vscode.ExtensionContext): string {
  return path.join(context.globalStorageUri.fsPath, "python-env");
}

export async function discover(context: vscode.ExtensionContext): Promise<Discovery> {
  const resource = vscode.workspace.workspaceFolders?.[0]?.uri;
  const privatePython = privatePythonPath(privateEnvDir(context));
  const list = candidates(interpreterSetting(), await pythonExtensionInterpreter(resource),
                          fs.existsSync(privatePython) ? privatePython : undefined);
  const tried: string[] = [];
  let firstProblem: string | undefined;
  for (const candidate of list) {
    const result = await probe(candidate.path);
    const line = `${describeProbe(candidate.path, result)} (${candidate.source})`;
    tried.push(line);
    logChannel().info(`Python: ${line}`);
    if (result.kind === "ok") {
      return { found: { python: candidate.path, source: candidate.source, version: result.version }, tried, firstProblem };
    }
    firstProblem ??= describeProbe(candidate.path, result);
  }
  return { tried, firstProblem };
}

function bundledWheel(context: vscode.ExtensionContext): string | undefined {
  const dir = path.join(context.extensionPath, "vscode-client", "wheels");
  try {
    const wheel = fs.readdirSync(dir).filter((n) => n.endsWith(".whl")).sort().pop();
    return wheel ? path.join(dir, wheel) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Make the private environment and install the bundled wheel (its dependencies come from the
 * package index pip is configured with). Returns the new interpreter, or undefined after
 * telling the person plainly what failed.
 */
export async function setUpPrivateEnvironment(context: vscode.ExtensionContext): Promise<string | undefined> {
  const wheel = bundledWheel(context);
  if (!wheel) {
    showError("LessonL: this copy of the extension has no bundled Python wheel. "
      + "Install LessonL yourself (pip install lessonl) and set lessonl.interpreter to that Python.");
    return undefined;
  }
  const envDir = privateEnvDir(context);
  const basePython = interpreterSetting().trim() || "python3";
  const python = privatePythonPath(envDir);
  return vscode.window.withProgress({
    location: vscode.ProgressLocation.Notification, title: "LessonL: setting up Python", cancellable: true,
  }, async (progress, token) => {
    progress.report({ message: `creating an environment with ${basePython}…` });
    fs.mkdirSync(path.dirname(envDir), { recursive: true });
    const venv = await runProcess(basePython, ["-m", "venv", "--clear", envDir], 180_000, token);
    logChannel().info(`venv: ${venv.stdout}${venv.stderr}`);
    if (venv.code !== 0) {
      showError(setupFailure(`create a Python environment with ${basePython} -m venv`, venv,
        "On Debian or Ubuntu install the python3-venv package, or set lessonl.interpreter to a Python 3.11+."));
      return undefined;
    }
    progress.report({ message: `installing ${path.basename(wheel)} and its dependencies (pip)…` });
    const pip = await runProcess(python, ["-m", "pip", "install", "--disable-pip-version-check", "--upgrade", wheel], 900_000, token);
    logChannel().info(`pip: ${pip.stdout}${pip.stderr}`);
    if (pip.code !== 0) {
      showError(setupFailure("install LessonL into its environment", pip,
        "pip needs to reach your package index for the dependencies; see the LessonL log for pip's output."));
      return undefined;
    }
    const check = await probe(python);
    if (check.kind !== "ok") {
      showError(`LessonL: the new environment does not work: ${describeProbe(python, check)}`);
      return undefined;
    }
    vscode.window.showInformationMessage(`LessonL ${check.version} is installed in its own Python environment.`);
    return python;
  });
}
