/**
 * "LessonL: Optimize Hot Functions (Batch)": asks how many of the hottest functions to take,
 * runs `lessonl.batch` on the server with a cancellable progress notification (one line per
 * function), and shows the report (`lessonl/batchResult`) in a webview: verdicts, speedups with
 * intervals, a bar chart, diffs, lessons. Each verified win has an Accept button: the server
 * applies that rewrite to the document as it reads now (`lessonl.acceptBatchWin`, refused when
 * the function changed since) and the file is saved, one win at a time.
 */
import * as vscode from "vscode";
import { batchHtml, BatchViewState } from "../core/batchHtml";
import { AcceptAnswer, BatchPayload, Commands, speedupText } from "../core/protocol";
import { showError } from "../common/logging";
import { ServerHost } from "../common/server";
import { runWithProgress } from "../common/serverProgress";
import { MAX_TOP, parseTop } from "../core/topCount";
import { repositoryUri } from "./hotspots";

export class BatchReport implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private payload: BatchPayload | undefined;
  private state: BatchViewState = { accepted: new Set(), notes: new Map() };

  constructor(private readonly host: ServerHost) {}

  attach(host: ServerHost): vscode.Disposable[] {
    return [host.onBatchResult((payload) => {
      if (payload.result) {
        this.show(payload);
      }
    })];
  }

  /** The command: how many functions, then the batch with its progress. */
  async run(): Promise<void> {
    let client;
    try {
      client = this.host.requireClient();
    } catch (error) {
      showError((error as Error).message, { "Restart Server": () => this.host.restart() });
      return;
    }
    const answer = await vscode.window.showInputBox({
      title: "LessonL: Optimize Hot Functions (Batch)",
      prompt: "How many of the hottest functions (from the saved profile) to optimize, one after another?",
      value: "3",
      validateInput: (text) => (parseTop(text) ? undefined : `a whole number from 1 to ${MAX_TOP}`),
    });
    const top = answer === undefined ? undefined : parseTop(answer);
    if (top === undefined) {
      return;
    }
    try {
      await runWithProgress<BatchPayload>(client, Commands.batch, [repositoryUri() ?? null, top],
        `LessonL: optimizing the ${top} hottest function(s)`);
    } catch (error) {
      showError(`LessonL: the batch failed: ${(error as Error).message}`);
    }
  }

  show(payload: BatchPayload): void {
    if (!this.panel) {
      this.panel = vscode.window.createWebviewPanel("lessonl.batchReport", "LessonL batch report",
        { viewColumn: vscode.ViewColumn.Active }, { enableScripts: true, retainContextWhenHidden: true });
      this.panel.onDidDispose(() => { this.panel = undefined; });
      this.panel.webview.onDidReceiveMessage((message: { command?: string; key?: string; kind?: string }) => {
        if (message.command === "accept" && message.key) {
          void this.accept(message.key);
        } else if (message.command === "open" && message.kind) {
          void this.openReport(message.kind);
        }
      });
    }
    if (this.payload?.batchId !== payload.batchId) {
      this.state = { accepted: new Set(), notes: new Map() };
    }
    this.payload = payload;
    this.render();
    this.panel.reveal(undefined, false);
  }

  private render(): void {
    if (!this.panel || !this.payload) {
      return;
    }
    const nonce = Math.random().toString(36).slice(2) + Date.now().toString(36);
    this.panel.webview.html = batchHtml(this.payload, this.state, nonce, this.panel.webview.cspSource);
  }

  /** Accept one win: the server applies it (one edit, one undo step); then the file is saved. */
  async accept(key: string): Promise<boolean> {
    const payload = this.payload;
    const win = payload?.wins.find((w) => w.key === key);
    if (!payload || !win) {
      return false;
    }
    let answer: AcceptAnswer;
    try {
      answer = await this.host.executeCommand<AcceptAnswer>(Commands.acceptBatchWin, [payload.batchId, key]);
    } catch (error) {
      answer = { status: "error", message: `LessonL: accepting ${win.function} failed: ${(error as Error).message}` };
    }
    if (answer.status === "ok") {
      const document = await vscode.workspace.openTextDocument(vscode.Uri.parse(answer.uri ?? win.uri));
      await document.save();
      this.state.accepted.add(key);
      this.state.notes.delete(key);
      vscode.window.showInformationMessage(`LessonL: applied the batch win for ${win.function} `
        + `(${speedupText(win.speedup, win.ci)} faster). Undo with Ctrl+Z.`);
    } else {
      this.state.notes.set(key, answer.message);
    }
    this.render();
    return answer.status === "ok";
  }

  private async openReport(kind: string): Promise<void> {
    const path = this.payload?.report?.[kind];
    if (!path) {
      return;
    }
    const uri = vscode.Uri.file(path);
    if (kind === "md") {
      await vscode.commands.executeCommand("markdown.showPreview", uri);
    } else {
      await vscode.commands.executeCommand("vscode.open", uri);
    }
  }

  dispose(): void {
    this.panel?.dispose();
  }
}
