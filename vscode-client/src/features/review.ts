/**
 * Reviewing a verified rewrite: on `lessonl/result` (status improved) a diff editor opens,
 * original vs proposed (read-only virtual documents), with Accept / Reject in the editor title,
 * and beside it the verdict panel (speedup with its interval, models, justifying lessons).
 *
 * One confirmation only: the client declares `experimental.lessonl.reviewUI`, so the server
 * sends no `workspace/applyEdit` for the result, only its merged text (`newText`) and the
 * document version it fits (`baseVersion`). Accept applies that text as one edit (one undo
 * step); after any edit to the file the server merges the rewrite onto the document as it is
 * now (`lessonl.mergeResult`), so typing elsewhere during the review does not block Accept.
 */
import * as path from "node:path";
import * as vscode from "vscode";
import { diffStat, lineReplacement } from "../core/diff";
import { DocumentNow, MergeOutcome, fitsDocument, mergeOutcome } from "../core/proposal";
import { Commands, MergeAnswer, OptimizeResult, speedupText } from "../core/protocol";
import { ReviewState, verdictHtml } from "../core/verdictHtml";
import { logChannel, showError } from "../common/logging";
import { ServerHost } from "../common/server";
import { openReviewAutomatically } from "../common/settings";

export const PROPOSED_SCHEME = "lessonl-proposed";
export const ORIGINAL_SCHEME = "lessonl-original";

interface Review {
  result: OptimizeResult;
  documentUri: vscode.Uri;
  original: string;
  proposed: string;
  originalUri: vscode.Uri;
  proposedUri: vscode.Uri;
  state: ReviewState;
}

export class ReviewManager implements vscode.Disposable, vscode.TextDocumentContentProvider {
  private readonly reviews = new Map<string, Review>(); // by document uri
  private readonly contents = new Map<string, string>(); // virtual document uri -> text
  private panel: vscode.WebviewPanel | undefined;
  private panelReview: Review | undefined;
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly decided = new vscode.EventEmitter<{ review: OptimizeResult; accepted: boolean }>();
  readonly onDidDecide = this.decided.event;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly host: ServerHost) {
    this.disposables.push(
      vscode.workspace.registerTextDocumentContentProvider(PROPOSED_SCHEME, this),
      vscode.workspace.registerTextDocumentContentProvider(ORIGINAL_SCHEME, this),
      vscode.commands.registerCommand("lessonl.accept", (target?: unknown) => this.decide(target, true)),
      vscode.commands.registerCommand("lessonl.reject", (target?: unknown) => this.decide(target, false)),
      this.changed, this.decided,
    );
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.toString()) ?? "";
  }

  attach(): vscode.Disposable[] {
    return [this.host.onResult((result) => this.onResult(result))];
  }

  /** The open review, for tests and commands: by proposed/document uri, else the only one. */
  private find(target?: unknown): Review | undefined {
    const open = [...this.reviews.values()].filter((r) => r.state === "open");
    const uri = target instanceof vscode.Uri ? target.toString()
      : vscode.window.activeTextEditor?.document.uri.toString();
    return open.find((r) => r.proposedUri.toString() === uri || r.documentUri.toString() === uri
                       || r.originalUri.toString() === uri) ?? (open.length === 1 ? open[0] : open[open.length - 1]);
  }

  private async onResult(result: OptimizeResult): Promise<void> {
    if (result.status !== "improved" || !(result.diff || result.newText)) {
      return; // the server told the person already (no speedup, stale, cancelled, error)
    }
    const documentUri = vscode.Uri.parse(result.uri);
    let document: vscode.TextDocument;
    try {
      document = await vscode.workspace.openTextDocument(documentUri);
    } catch (error) {
      showError(`LessonL: cannot open ${result.file} to review the rewrite: ${(error as Error).message}`);
      return;
    }
    // The server's merged text fits only the version it was merged onto; a person who typed
    // since gets it merged again, by the server, onto what is in the editor now.
    let proposed: string;
    if (result.newText != null && fitsDocument(result, now(document))) {
      proposed = result.newText;
    } else {
      const merged = await this.merge(result, document);
      if (!merged.ok) {
        showError(merged.message);
        return;
      }
      proposed = merged.text;
    }
    const original = document.getText();
    this.supersede(documentUri);
    const base = `/${result.jobId}/${path.basename(documentUri.fsPath)}`;
    const review: Review = {
      result, documentUri, original, proposed, state: "open",
      originalUri: vscode.Uri.from({ scheme: ORIGINAL_SCHEME, path: base }),
      proposedUri: vscode.Uri.from({ scheme: PROPOSED_SCHEME, path: base }),
    };
    this.contents.set(review.originalUri.toString(), original);
    this.contents.set(review.proposedUri.toString(), proposed);
    this.reviews.set(documentUri.toString(), review);
    void vscode.commands.executeCommand("setContext", "lessonl.reviewing", true);
    logChannel().info(`Review: ${result.message}`);
    if (openReviewAutomatically()) {
      await this.show(review);
    } else {
      const choice = await vscode.window.showInformationMessage(result.message, "Review", "Accept", "Reject");
      if (choice === "Review") {
        await this.show(review);
      } else if (choice) {
        await this.decide(review.proposedUri, choice === "Accept");
      }
    }
  }

  private async show(review: Review): Promise<void> {
    const r = review.result;
    const title = `${path.basename(review.documentUri.fsPath)}: ${r.function} · LessonL ${speedupText(r.speedup, r.ci)} (original ↔ proposed)`;
    await vscode.commands.executeCommand("vscode.diff", review.originalUri, review.proposedUri, title,
      { preview: false, viewColumn: vscode.ViewColumn.One });
    this.showVerdict(review);
  }

  private showVerdict(review: Review): void {
    if (!this.panel) {
      this.panel = vscode.window.createWebviewPanel("lessonl.verdict", "LessonL verdict",
        { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, { enableScripts: true });
      this.panel.onDidDispose(() => { this.panel = undefined; this.panelReview = undefined; });
      this.panel.webview.onDidReceiveMessage((message: { command?: string }) => {
        if (this.panelReview && (message.command === "accept" || message.command === "reject")) {
          void this.decide(this.panelReview.proposedUri, message.command === "accept");
        }
      });
    }
    this.panelReview = review;
    this.renderVerdict(review);
  }

  private renderVerdict(review: Review, note?: string): void {
    if (!this.panel || this.panelReview !== review) {
      return;
    }
    const { added, removed } = diffStat(review.result.diff);
    const nonce = Math.random().toString(36).slice(2) + Date.now().toString(36);
    this.panel.title = `LessonL: ${review.result.function}`;
    this.panel.webview.html = verdictHtml({ result: review.result, state: review.state, added, removed, note },
      nonce, this.panel.webview.cspSource);
  }

  /** Accept applies the rewrite to what is in the editor now, as one edit (one undo step). */
  async decide(target: unknown, accept: boolean): Promise<boolean> {
    const review = this.find(target);
    if (!review) {
      vscode.window.showInformationMessage("LessonL: there is no proposed rewrite to review.");
      return false;
    }
    const r = review.result;
    if (!accept) {
      this.close(review, "rejected");
      vscode.window.showInformationMessage(`LessonL: discarded the rewrite of ${r.function}; `
        + `its ${r.lessons.length} lesson(s) are kept.`);
      this.decided.fire({ review: r, accepted: false });
      return true;
    }
    const applied = await this.apply(review);
    if (!applied) {
      return false;
    }
    this.close(review, "accepted");
    vscode.window.showInformationMessage(`LessonL: applied the rewrite of ${r.function} `
      + `(${speedupText(r.speedup, r.ci)} faster). Undo with Ctrl+Z.`);
    this.decided.fire({ review: r, accepted: true });
    return true;
  }

  private async apply(review: Review): Promise<boolean> {
    const document = await vscode.workspace.openTextDocument(review.documentUri);
    let target = review.proposed;
    if (document.getText() !== review.original) {
      // mergeOutcome has checked the answer against this document's version.
      const merged = await this.merge(review.result, document);
      if (!merged.ok) {
        this.renderVerdict(review, merged.message);
        showError(merged.message);
        return false;
      }
      target = merged.text;
    }
    const current = document.getText();
    const replacement = lineReplacement(current, target);
    if (!replacement) {
      return true;
    }
    const wasDirty = document.isDirty;
    const edit = new vscode.WorkspaceEdit();
    edit.replace(document.uri, new vscode.Range(document.positionAt(replacement.start), document.positionAt(replacement.end)),
      replacement.text);
    if (!(await vscode.workspace.applyEdit(edit))) {
      showError(`LessonL: VS Code refused the edit to ${review.result.file}; nothing was applied.`);
      return false;
    }
    if (!wasDirty) {
      await document.save(); // it was saved before: keep the file on disk in step
    }
    const editor = await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.One, preview: false });
    const start = document.positionAt(replacement.start);
    editor.selection = new vscode.Selection(start, start);
    editor.revealRange(new vscode.Range(start, start), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    return true;
  }

  /**
   * The server merges the proposal onto its copy of the document (the edits the editor sent it),
   * once more if the person typed while it did.
   */
  private async merge(result: OptimizeResult, document: vscode.TextDocument): Promise<MergeOutcome> {
    for (let attempt = 1; ; attempt++) {
      let answer: MergeAnswer;
      try {
        answer = await this.host.executeCommand<MergeAnswer>(Commands.mergeResult, [result.resultId ?? result.jobId, result.uri]);
      } catch (error) {
        return { ok: false, retry: false, message: `LessonL: the rewrite of ${result.function} could not be merged into `
          + `${result.file} (${(error as Error).message}); nothing was applied.` };
      }
      const outcome = mergeOutcome(answer, now(document), result.function, result.file);
      logChannel().info(`Merging the rewrite of ${result.function} onto ${result.file} v${document.version}: `
        + (outcome.ok ? "merged" : outcome.message));
      if (outcome.ok || !outcome.retry || attempt === 2) {
        return outcome;
      }
    }
  }

  private close(review: Review, state: ReviewState): void {
    review.state = state;
    this.renderVerdict(review);
    const tabs = vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter((tab) =>
      tab.input instanceof vscode.TabInputTextDiff && tab.input.modified.toString() === review.proposedUri.toString());
    void vscode.window.tabGroups.close(tabs);
    if (this.panelReview === review) {
      this.panel?.dispose();
    }
    if (this.reviews.get(review.documentUri.toString()) === review) {
      this.reviews.delete(review.documentUri.toString());
    }
    void vscode.commands.executeCommand("setContext", "lessonl.reviewing",
      [...this.reviews.values()].some((r) => r.state === "open"));
  }

  /** A newer result for the same file replaces the open review (its edit is not applied). */
  private supersede(documentUri: vscode.Uri): void {
    const old = this.reviews.get(documentUri.toString());
    if (old && old.state === "open") {
      this.close(old, "rejected");
    }
  }

  dispose(): void {
    this.panel?.dispose();
    this.disposables.forEach((d) => d.dispose());
  }
}

function now(document: vscode.TextDocument): DocumentNow {
  return { version: document.version, dirty: document.isDirty };
}
