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

/** An error notification whose button opens the log; extra buttons run their callbacks. */
export async function showError(message: string, actions: Record<string, () => unknown> = {}): Promise<void> {
  logChannel().error(message);
  const choice = await vscode.window.showErrorMessage(message, ...Object.keys(actions), "Show Log");
  if (choice === "Show Log") {
    showLog();
  } else if (choice && actions[choice]) {
    await actions[choice]();
  }
}

export function registerLogging(context: vscode.ExtensionContext): void {
  context.subscriptions.push(logChannel(), vscode.commands.registerCommand("lessonl.showLog", showLog));
}
