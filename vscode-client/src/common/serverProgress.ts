/**
 * Runs a long server command (profiling, a batch) with a work-done token of our own and shows
 * its progress as a cancellable notification: the server's reports become the notification's
 * text and percentage, and Cancel sends `window/workDoneProgress/cancel` for the token (the
 * server stops the job's processes).
 */
import * as vscode from "vscode";
import {
  ExecuteCommandRequest, LanguageClient, WorkDoneProgress, WorkDoneProgressCancelNotification,
} from "vscode-languageclient/node";

let counter = 0;

export async function runWithProgress<T>(client: LanguageClient, command: string, args: unknown[],
                                         title: string): Promise<T | undefined> {
  const token = `lessonl-client/${command}/${Date.now()}-${++counter}`;
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true },
    async (progress, cancel) => {
      let percentage = 0;
      progress.report({ message: "starting…" });
      const subscription = client.onProgress(WorkDoneProgress.type, token, (value) => {
        if (value.kind === "end") {
          return;
        }
        const next = value.percentage ?? percentage;
        progress.report({ message: value.message ?? "", increment: Math.max(0, next - percentage) });
        percentage = Math.max(percentage, next);
      });
      const onCancel = cancel.onCancellationRequested(() => {
        progress.report({ message: "cancelling: stopping the running processes…" });
        void client.sendNotification(WorkDoneProgressCancelNotification.type, { token });
      });
      try {
        return await client.sendRequest(ExecuteCommandRequest.type,
          { command, arguments: args, workDoneToken: token }) as T;
      } finally {
        subscription.dispose();
        onCancel.dispose();
      }
    });
}
