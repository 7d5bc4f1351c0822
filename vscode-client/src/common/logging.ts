/** One output channel ("LessonL") for the extension's own log and the server's log messages. */
import * as vscode from "vscode";

let channel: vscode.LogOutputChannel | undefined;

export function logChannel(): vscode.LogOutputChannel {
  if (!channel) {
    channel = vscode.window.createOutputChannel("LessonL", { log: true });
  }
  return channel;
}

export function showLog(): void {
  logChannel().show(true);
}

/**
 * An error notification whose button opens the log; extra buttons run their callbacks.
 * It returns at once: the toast stays until the person dismisses it, and nothing (a progress
 * notification, a job, a review) may wait for that. The buttons still work afterwards.
 */
export function showError(message: string, actions: Record<string, () => unknown> = {}): void {
  logChannel().error(message);
  void vscode.window.showErrorMessage(message, ...Object.keys(actions), "Show Log").then(async (choice) => {
    if (choice === "Show Log") {
      showLog();
    } else if (choice && actions[choice]) {
      await actions[choice]();
    }
  }, (error: unknown) => logChannel().warn(`The error notification failed: ${String(error)}`));
}

export function registerLogging(context: vscode.ExtensionContext): void {
  context.subscriptions.push(logChannel(), vscode.commands.registerCommand("lessonl.showLog", showLog));
}
