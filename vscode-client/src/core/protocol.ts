/**
 * The LessonL language server's protocol beyond plain LSP (docs/lsp-protocol.md), as types.
 * Kept free of `vscode` imports so that the pure logic built on it runs under node's test runner.
 */

export const Commands = {
  optimize: "lessonl.optimize",
  showLessons: "lessonl.showLessons",
  cancel: "lessonl.cancel",
  listLessons: "lessonl.listLessons",
  exportLessons: "lessonl.exportLessons",
  importLessons: "lessonl.importLessons",
  mergeResult: "lessonl.mergeResult",
  profileBenchmark: "lessonl.profileBenchmark",
  batch: "lessonl.batch",
  acceptBatchWin: "lessonl.acceptBatchWin",
} as const;

export const Notifications = {
  result: "lessonl/result",
  progress: "lessonl/progress",
  lessons: "lessonl/lessons",
  batchResult: "lessonl/batchResult",
} as const;

export type Outcome =
  | "faster" | "slower" | "no_significant_change" | "incorrect"
  | "not_compilable" | "timeout" | "crashed" | "rejected";

export interface Lesson {
  id: string;
  text: string;
  outcome: Outcome | string;
  speedup: number | null;
  ci: [number, number] | null;
  round: number;
  agent: string;
  model: string;
  file: string;
  function: string;
  factor: number;
  created: number;
}

export type ResultStatus = "improved" | "no_improvement" | "unisolated" | "stale" | "cancelled" | "error";

export interface OptimizeResult {
  jobId: string;
  status: ResultStatus;
  message: string;
  uri: string;
  root: string;
  file: string;
  function: string;
  improved: boolean;
  speedup: number | null;
  ci: [number, number] | null;
  diff: string;
  /** The whole proposed file, when the server sends it (review clients); else use `diff`. */
  newText?: string | null;
  /** The document version `newText` was merged onto (null: the file on disk). */
  baseVersion?: number | null;
  models: string[];
  bestModel: string | null;
  lessons: Lesson[];
  resultId: string | null;
  attempts: number;
  wallSeconds: number | null;
  applied: boolean | null;
  /** The behaviour check of the winning rewrite, e.g. "behaviour: matched on 6 calls (tests 4, benchmark 2)". */
  behaviour?: string | null;
  /** Benchmark cases the winning rewrite makes slower, e.g. "BM_gemm/64 is 1.39× slower (95% CI 1.31–1.47)". */
  regressions?: string[];
}

/** What `lessonl.optimize` answers at once when it refuses to start. */
export interface Refusal {
  status: "unavailable" | "no_function" | "unsaved" | "already_running" | "error";
  message: string;
  jobId?: string;
}

export interface ProgressEvent {
  kind: "started" | "round_started" | "candidate_judged" | "lesson_banked" | "warning" | "finished" | string;
  round: number;
  rounds: number;
  judged: number;
  total: number;
  best_speedup: number | null;
  message?: string | null;
  agent?: string | null;
  outcome?: string | null;
  speedup?: number | null;
}

export interface ProgressNotice {
  jobId: string;
  uri: string;
  function: string;
  event: ProgressEvent;
}

export interface LessonsAnswer {
  status: string;
  root?: string;
  total?: number;
  lessons?: Lesson[];
  message?: string;
}

/** The answer of `lessonl.showLessons` (and the `lessonl/lessons` notification). */
export interface ShowLessonsAnswer {
  status: "ok" | "unavailable" | "no_function" | "error" | string;
  message?: string;
  uri?: string;
  root?: string;
  file?: string;
  function?: string;
  lessons?: Lesson[];
}

/** The answer of `lessonl.mergeResult`: the proposal merged onto the server's copy of the document. */
export interface MergeAnswer {
  status: "ok" | "stale" | "unknown" | string;
  newText?: string;
  /** The document version the text was merged onto (null: the file on disk). */
  version?: number | null;
  message?: string;
}

export function isResult(value: unknown): value is OptimizeResult {
  const v = value as OptimizeResult | null;
  return !!v && typeof v === "object" && typeof v.jobId === "string" && typeof v.status === "string";
}

/** '1.84× (95% CI 1.78–1.90)', the way the server words it: never a speedup without its interval. */
export function speedupText(speedup: number | null | undefined, ci?: [number, number] | null): string {
  if (speedup == null) {
    return "no measured speedup";
  }
  let text = `${speedup.toFixed(2)}×`;
  if (ci) {
    text += ` (95% CI ${ci[0].toFixed(2)}–${ci[1].toFixed(2)})`;
  }
  return text;
}

/** The answer of `lessonl.profileBenchmark`. */
export interface ProfileAnswer {
  status: "ok" | "error" | "cancelled" | "unavailable" | "already_running" | string;
  message: string;
  profiler?: string;
  hot?: { key: string; qualified_name: string; inclusive_share: number }[];
}

/** A justifying lesson as the batch keeps it. */
export interface BatchLesson {
  id: string;
  text: string;
  outcome: string;
  speedup: number | null;
  agent: string;
  round: number;
}

/** What a batch keeps of one function's optimization (server: FunctionSummary.to_json()). */
export interface BatchSummary {
  file: string;
  qualified_name: string;
  improved: boolean;
  speedup: number | null;
  ci: [number, number] | null;
  outcome: string;
  message: string;
  diff: string;
  lessons: BatchLesson[];
  attempts: number;
  wall_s: number;
  unisolated: boolean;
}

export interface BatchItem {
  file: string;
  qualified_name: string;
  status: "won" | "no_win" | "failed" | "skipped" | "cancelled" | string;
  message: string;
  skipped_reason: string;
  wall_s: number;
  summary: BatchSummary | null;
}

export interface BatchAgentStats {
  agent: string;
  model: string;
  attempts: number;
  wins: number;
  best_wins: number;
  prompt_tokens: number;
  completion_tokens: number;
  requests: number;
  time_s: number;
}

export interface BatchWin {
  key: string;
  file: string;
  function: string;
  uri: string;
  speedup: number | null;
  ci: [number, number] | null;
  unisolated: boolean;
  /** false: judged without a sandbox and not allowed; it cannot be accepted. */
  acceptable: boolean;
}

/** The `lessonl/batchResult` notification (and the answer of `lessonl.batch`). */
export interface BatchPayload {
  batchId: string;
  status: "ok" | "cancelled" | "error" | string;
  message: string;
  root: string;
  result: {
    items: BatchItem[];
    combined: { verdict: { speedup?: number | null; ci?: [number, number] | null; outcome?: string } | null;
      applied: string[]; conflicts: Record<string, string>; composes: boolean; message: string };
    agents: BatchAgentStats[];
    wall_s: number;
    warnings: string[];
  } | null;
  /** "md" | "html" | "json" -> path of the report's files */
  report: Record<string, string>;
  wins: BatchWin[];
}

/** The answer of `lessonl.acceptBatchWin`. */
export interface AcceptAnswer {
  status: "ok" | "stale" | "unknown" | "not_applied" | string;
  message: string;
  applied?: boolean;
  uri?: string;
}
