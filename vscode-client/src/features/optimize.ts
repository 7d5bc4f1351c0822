/**
 * "Optimize Function at Cursor" (command, context menu, and the server's code action, which
 * the client routes here): runs `lessonl.optimize` with a work-done token of our own, shows a
 * cancellable progress notification (round, candidates judged, best verified speedup), and
 * ends it when the result arrives. The review of the result is features/review.ts's job.
 */
import * as vscode from "vscode";
import {
  ExecuteCommandRequest, LanguageClient, WorkDoneProgress, WorkDoneProgressCancelNotification,
} from "vscode-languageclient/node";
import { functionFromTitle } from "../core/progressText";
import { Commands, OptimizeResult, Refusal } from "../core/protocol";
import { showError } from "../common/logging";
import { ServerHost } from "../common/server";
import { StatusItem } from "./status";

const LANGUAGES = new Set(["c", "cpp", "python"]);

interface Run {
  uri: string;
  function: string;
  finish: () => void;
}

export class Optimizer {
  private readonly runs = new Set<Run>();
  private counter = 0;

  constructor(private readonly host: ServerHost, private readonly status: StatusItem) {
    host.handle(Commands.optimize, (args) => this.run(args));
  }

  attach(host: ServerHost): vscode.Disposable[] {
    return [host.onResult((result: OptimizeResult) => {
      for (const run of this.runs) {
        if (run.uri === result.uri && (!run.function || run.function === result.function)) {
          run.finish();
        }
      }
    })];
  }

  /** The command: the cursor of the active editor. */
  async atCursor(): Promise<unknown> {
    const editor = vscode.window.activeTextEditor;
    if (!editor || !LANGUAGES.has(editor.document.languageId) || editor.document.uri.scheme !== "file") {
      vscode.window.showWarningMessage("LessonL: open a C, C++ or Python file and put the cursor inside a function.");
      return undefined;
    }
    const position = editor.selection.active;
    return this.run([editor.document.uri.toString(), position.line, position.character]);
  }

  /** Arguments as the server takes them: [uri, line0, character]. */
  async run(args: unknown[]): Promise<unknown> {
    let client: LanguageClient;
    try {
      client = this.host.requireClient();
    } catch (error) {
      showError((error as Error).message, { "Restart Server": () => this.host.restart() });
      return undefined;
    }
    const uri = String(args[0]);
    const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri);
    if (document?.isDirty && !(await document.save())) {
      vscode.window.showWarningMessage("LessonL: save the file first: builds and benchmarks run on the saved file.");
      return undefined;
    }
    const token = `lessonl-client/${Date.now()}-${++this.counter}`;
    return vscode.window.withProgress({
      location: vscode.ProgressLocation.Notification, title: "LessonL", cancellable: true,
    }, (progress, cancel) => this.follow(client, token, uri, args, progress, cancel));
  }

  private async follow(client: LanguageClient, token: string, uri: string, args: unknown[],
                       progress: vscode.Progress<{ message?: string; increment?: number }>,
                       cancel: vscode.CancellationToken): Promise<unknown> {
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => { finish = resolve; });
    const run: Run = { uri, function: "", finish };
    this.runs.add(run);
    this.status.started(token, "");
    let percentage = 0;
    progress.report({ message: "starting…" });
    const subscription = client.onProgress(WorkDoneProgress.type, token, (value) => {
      if (value.kind === "begin") {
        run.function = functionFromTitle(value.title);
        this.status.forget(token);
        progress.report({ message: `optimizing ${run.function}: ${value.message ?? ""}` });
      } else if (value.kind === "report") {
        const next = value.percentage ?? percentage;
        progress.report({ message: `${run.function}: ${value.message ?? ""}`, increment: Math.max(0, next - percentage) });
        percentage = Math.max(percentage, next);
      }
    });
    const onCancel = cancel.onCancellationRequested(() => {
      progress.report({ message: "cancelling: stopping builds and benchmarks…" });
      void client.sendNotification(WorkDoneProgressCancelNotification.type, { token });
    });
    const answer = client.sendRequest(ExecuteCommandRequest.type,
      { command: Commands.optimize, arguments: args, workDoneToken: token });
    try {
      return await Promise.race([answer, finished.then(() => undefined)]) as OptimizeResult | Refusal | undefined;
    } catch (error) {
      // Not awaited: the progress notification ends now, the error toast stays until dismissed.
      showError(`LessonL: the optimization failed: ${(error as Error).message}`);
      return undefined;
    } finally {
      subscription.dispose();
      onCancel.dispose();
      this.runs.delete(run);
      this.status.forget(token);
      // Refusals were already told by the server (window/showMessage); results go to the review.
      void answer.catch(() => undefined);
    }
  }
}
