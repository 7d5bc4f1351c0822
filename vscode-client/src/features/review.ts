/**
 * Reviewing a verified rewrite: on `lessonl/result` (status improved) a diff editor opens,
 * original vs proposed (read-only virtual documents), with Accept / Reject in the editor title,
 * and beside it the verdict panel (speedup with its interval, models, justifying lessons).
 *
 * One confirmation only. The client declares `experimental.lessonl.reviewUI`; a server that
 * honours it sends no `workspace/applyEdit` for the result. A server that still sends the
 * annotated edit gets its answer held until the person decides here (applied: true after
 * Accept, false after Reject), so VS Code's own refactor preview never opens on top.
 */
import * as path from "node:path";
import * as vscode from "vscode";
import {
  ApplyWorkspaceEditParams, ApplyWorkspaceEditRequest, ApplyWorkspaceEditResult, LanguageClient,
  TextDocumentEdit,
} from "vscode-languageclient/node";
import { applyUnifiedDiff, diffStat, lineReplacement } from "../core/diff";
import { EDIT_ANNOTATION, OptimizeResult, speedupText } from "../core/protocol";
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
  /** The server's applyEdit request, answered when the person decides. */
  held?: (answer: ApplyWorkspaceEditResult) => void;
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

  constructor() {
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

  attach(host: ServerHost): vscode.Disposable[] {
    return [host.onResult((result) => this.onResult(result))];
  }

  /** Per client: the server's applyEdit requests come here (see the module comment). */
  attachClient(client: LanguageClient): vscode.Disposable[] {
    return [
      client.onRequest(ApplyWorkspaceEditRequest.type, (params) => this.onApplyEdit(client, params)),
    ];
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
      await showError(`LessonL: cannot open ${result.file} to review the rewrite: ${(error as Error).message}`);
      return;
    }
    const original = document.getText();
    // The server's merged text fits only the version it was merged onto; a person typing since
    // gets the diff applied to what is in the editor now.
    const proposed = result.newText != null && (result.baseVersion == null || result.baseVersion === document.version)
      ? result.newText : applyUnifiedDiff(original, result.diff);
    if (proposed == null) {
      await showError(`LessonL: ${result.function} in ${result.file} changed while LessonL ran; `
        + "the proposed rewrite no longer fits. Nothing was changed; run the optimization again.");
      return;
    }
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
      this.close(review, "rejected", { applied: false, failureReason: "rejected in the LessonL review" });
      vscode.window.showInformationMessage(`LessonL: discarded the rewrite of ${r.function}; `
        + `its ${r.lessons.length} lesson(s) are kept.`);
      this.decided.fire({ review: r, accepted: false });
      return true;
    }
    const applied = await this.apply(review);
    if (!applied) {
      return false;
    }
    this.close(review, "accepted", { applied: true });
    vscode.window.showInformationMessage(`LessonL: applied the rewrite of ${r.function} `
      + `(${speedupText(r.speedup, r.ci)} faster). Undo with Ctrl+Z.`);
    this.decided.fire({ review: r, accepted: true });
    return true;
  }

  private async apply(review: Review): Promise<boolean> {
    const document = await vscode.workspace.openTextDocument(review.documentUri);
    const current = document.getText();
    const target = current === review.original ? review.proposed : applyUnifiedDiff(current, review.result.diff);
    if (target == null) {
      await showError(`LessonL: ${review.result.file} changed where the rewrite goes; nothing was applied. `
        + "Run the optimization again.");
      return false;
    }
    const replacement = lineReplacement(current, target);
    if (!replacement) {
      return true;
    }
    const wasDirty = document.isDirty;
    const edit = new vscode.WorkspaceEdit();
    edit.replace(document.uri, new vscode.Range(document.positionAt(replacement.start), document.positionAt(replacement.end)),
      replacement.text);
    if (!(await vscode.workspace.applyEdit(edit))) {
      await showError(`LessonL: VS Code refused the edit to ${review.result.file}; nothing was applied.`);
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

  private close(review: Review, state: ReviewState, answer: ApplyWorkspaceEditResult): void {
    review.state = state;
    review.held?.(answer);
    review.held = undefined;
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
      this.close(old, "rejected", { applied: false, failureReason: "replaced by a newer LessonL result" });
    }
  }

  private async onApplyEdit(client: LanguageClient, params: ApplyWorkspaceEditParams): Promise<ApplyWorkspaceEditResult> {
    const uri = lessonlEditUri(params);
    const review = uri ? this.reviews.get(vscode.Uri.parse(uri).toString()) : undefined;
    if (review && review.state === "open") {
      logChannel().info(`The server's edit for ${review.result.function} waits for Accept or Reject in the review.`);
      return new Promise((resolve) => { review.held = resolve; });
    }
    // Any other edit (or a result this view could not show): VS Code applies it as usual,
    // with its own preview when the edit asks for confirmation.
    const converted = await client.protocol2CodeConverter.asWorkspaceEdit(params.edit);
    return { applied: await vscode.workspace.applyEdit(converted) };
  }

  dispose(): void {
    for (const review of this.reviews.values()) {
      review.held?.({ applied: false, failureReason: "the LessonL extension stopped" });
    }
    this.panel?.dispose();
    this.disposables.forEach((d) => d.dispose());
  }
}

/** The document of a LessonL result edit (its annotation is "lessonl"), else undefined. */
function lessonlEditUri(params: ApplyWorkspaceEditParams): string | undefined {
  const edit = params.edit;
  const annotated = edit.changeAnnotations && EDIT_ANNOTATION in edit.changeAnnotations;
  if (!annotated && !params.label?.startsWith("LessonL:")) {
    return undefined;
  }
  const first = edit.documentChanges?.find((c): c is TextDocumentEdit => TextDocumentEdit.is(c));
  return first?.textDocument.uri ?? Object.keys(edit.changes ?? {})[0];
}
