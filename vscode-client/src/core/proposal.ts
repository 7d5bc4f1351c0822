/**
 * Which text Accept puts in the editor. The server's proposal (`newText`) fits the document
 * only as it read when the proposal was made; after any edit, the server merges the rewrite
 * onto its own copy of the document (`lessonl.mergeResult`, the same rebase it uses for its
 * applyEdit) and says which document version that copy was. The client never patches text
 * itself: these rules only decide when to ask, and whether the answer may be applied.
 */
import { MergeAnswer } from "./protocol";

/** The document as the editor holds it now. */
export interface DocumentNow {
  version: number;
  dirty: boolean;
}

/** What a proposal was made for: the document `version` (null: the file on disk). */
export interface ProposalBase {
  baseVersion?: number | null;
}

/** Whether the server's newText was merged onto exactly this document. */
export function fitsDocument(base: ProposalBase, doc: DocumentNow): boolean {
  return base.baseVersion == null ? !doc.dirty : base.baseVersion === doc.version;
}

export type MergeOutcome =
  | { ok: true; text: string; version: number }
  /** `retry`: the document changed while the server merged; asking again may succeed. */
  | { ok: false; message: string; retry: boolean };

/** The server's merge answer, checked against the document it is about to be applied to. */
export function mergeOutcome(answer: MergeAnswer | undefined, doc: DocumentNow, fn: string, file: string): MergeOutcome {
  if (!answer || answer.status !== "ok" || typeof answer.newText !== "string") {
    return { ok: false, retry: false, message: answer?.message
      ?? `LessonL: the rewrite of ${fn} could not be merged into ${file}; nothing was applied. Run the optimization again.` };
  }
  if (!fitsDocument({ baseVersion: answer.version }, doc)) {
    return { ok: false, retry: true, message: `LessonL: ${file} changed while the rewrite of ${fn} was being merged; `
      + "nothing was applied. Accept again when you stop typing." };
  }
  return { ok: true, text: answer.newText, version: doc.version };
}
