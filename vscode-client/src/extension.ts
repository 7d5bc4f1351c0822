/** LessonL for VS Code: wires the parts together; each lives in common/ or features/. */
import * as vscode from "vscode";
import { registerLogging, showError } from "./common/logging";
import { discover, setUpPrivateEnvironment } from "./common/python";
import { ApiKeys, BankPasswords } from "./common/secrets";
import { ServerHost } from "./common/server";
import { BatchReport } from "./features/batch";
import { profileBenchmark } from "./features/hotspots";
import { LessonsView } from "./features/lessons";
import { Optimizer } from "./features/optimize";
import { ReviewManager } from "./features/review";
import { StatusItem } from "./features/status";

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  registerLogging(context);
  const keys = new ApiKeys(context);
  const bankPasswords = new BankPasswords(context);
  const host = new ServerHost(keys, bankPasswords);
  const status = new StatusItem();
  const optimizer = new Optimizer(host, status);
  const review = new ReviewManager(host);
  const lessons = new LessonsView(host);
  const batch = new BatchReport(host);
  context.subscriptions.push(host, status, review, lessons, batch);
  context.subscriptions.push(...status.attach(host), ...optimizer.attach(host), ...review.attach(), ...lessons.attach(host),
    ...batch.attach(host));

  const setupPython = async () => {
    const python = await setUpPrivateEnvironment(context);
    if (python) {
      await host.start(python);
    }
  };
  context.subscriptions.push(
    vscode.commands.registerCommand("lessonl.optimizeAtCursor", () => optimizer.atCursor()),
    vscode.commands.registerCommand("lessonl.setApiKey", () => keys.prompt()),
    vscode.commands.registerCommand("lessonl.setBankPassword", () => bankPasswords.prompt()),
    vscode.commands.registerCommand("lessonl.clearBankPassword", () => bankPasswords.clear()),
    vscode.commands.registerCommand("lessonl.setupPython", setupPython),
    vscode.commands.registerCommand("lessonl.restartServer", () => startServer(context, host, setupPython)),
    vscode.commands.registerCommand("lessonl.cancelAll", () => host.executeCommand("lessonl.cancel", [])),
    vscode.commands.registerCommand("lessonl.profile", () => profileBenchmark(host)),
    vscode.commands.registerCommand("lessonl.optimizeHotFunctions", () => batch.run()),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration("lessonl.interpreter")) {
        void startServer(context, host, setupPython);
      }
    }),
  );
  await startServer(context, host, setupPython);
}

async function startServer(context: vscode.ExtensionContext, host: ServerHost, setupPython: () => Promise<void>): Promise<void> {
  const found = await discover(context);
  if (found.found) {
    await host.start(found.found.python);
    return;
  }
  await host.stop();
  const reason = found.firstProblem ?? "no Python interpreter was found";
  host.notRunning(reason);
  void showError(`LessonL: ${reason} The extension needs Python 3.11+ with LessonL installed.`, {
    "Set Up Python Environment": setupPython,
    "Choose Interpreter": () => vscode.commands.executeCommand("workbench.action.openSettings", "lessonl.interpreter"),
  });
}

export function deactivate(): void {
  // The subscriptions stop the server (ServerHost.dispose).
}
