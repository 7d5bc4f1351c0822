/**
 * The status bar item: what is running (from the server's `lessonl/progress` notifications,
 * whichever way the job was started) and, for a while afterwards, how it ended.
 */
import * as vscode from "vscode";
import { ServerHost } from "../common/server";
import { resultSummary, statusText } from "../core/progressText";
import { OptimizeResult, ProgressNotice } from "../core/protocol";

export class StatusItem implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem("lessonl.status", vscode.StatusBarAlignment.Left, 50);
  private readonly jobs = new Map<string, ProgressNotice>();
  private lastResult: string | undefined;
  private clearTimer: NodeJS.Timeout | undefined;

  constructor() {
    this.item.name = "LessonL";
    this.item.command = "lessonl.showLog";
    this.render();
  }

  attach(host: ServerHost): vscode.Disposable[] {
    return [
      host.onProgress((notice) => {
        this.jobs.set(notice.jobId, notice);
        this.render();
      }),
      host.onResult((result) => this.finished(result)),
      // a batch's progress notices carry its batch id as jobId; its end is lessonl/batchResult
      host.onBatchResult((payload) => this.forget(payload.batchId)),
    ];
  }

  /** A job this client started, before its first progress notification. */
  started(jobKey: string, fn: string): void {
    if (!this.jobs.has(jobKey)) {
      this.jobs.set(jobKey, { jobId: jobKey, uri: "", function: fn, event: undefined as never });
      this.render();
    }
  }

  forget(jobKey: string): void {
    this.jobs.delete(jobKey);
    this.render();
  }

  private finished(result: OptimizeResult): void {
    this.jobs.delete(result.jobId);
    for (const [key, notice] of this.jobs) {
      if (!notice.uri && notice.function === result.function) {
        this.jobs.delete(key);
      }
    }
    this.lastResult = resultSummary(result.status, result.function, result.speedup, result.ci);
    if (this.clearTimer) {
      clearTimeout(this.clearTimer);
    }
    this.clearTimer = setTimeout(() => { this.lastResult = undefined; this.render(); }, 30_000);
    this.render();
  }

  private render(): void {
    const runs = [...this.jobs.values()].map((n) => ({ function: n.function, event: n.event }));
    if (runs.length === 0 && this.lastResult) {
      this.item.text = `$(beaker) LessonL: ${this.lastResult}`;
    } else {
      this.item.text = statusText(runs);
    }
    this.item.tooltip = runs.length ? "LessonL is optimizing; click for the log" : "LessonL: click for the log";
    this.item.show();
  }

  dispose(): void {
    if (this.clearTimer) {
      clearTimeout(this.clearTimer);
    }
    this.item.dispose();
  }
}
