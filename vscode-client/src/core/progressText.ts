/** The words of the progress notification and the status bar item while a job runs. */
import { ProgressEvent, speedupText } from "./protocol";

/** 'round 2/4 · 5/12 candidates judged · best verified 1.84×' (no speedup without proof). */
export function describeEvent(event: ProgressEvent): string {
  const parts: string[] = [];
  if (event.rounds) {
    parts.push(`round ${event.round + 1}/${event.rounds}`);
  }
  if (event.total) {
    parts.push(`${event.judged}/${event.total} candidates judged`);
  }
  parts.push(event.best_speedup ? `best verified ${event.best_speedup.toFixed(2)}×` : "no verified speedup yet");
  return parts.join(" · ");
}

export interface RunState {
  function: string;
  event?: ProgressEvent;
}

/** Status bar text: one running job in detail, several as a count. */
export function statusText(runs: RunState[]): string {
  if (runs.length === 0) {
    return "$(beaker) LessonL";
  }
  if (runs.length > 1) {
    return `$(sync~spin) LessonL: ${runs.length} functions`;
  }
  const run = runs[0];
  const name = run.function || "optimizing";
  if (!run.event) {
    return `$(sync~spin) LessonL: ${name} · checking baseline`;
  }
  const e = run.event;
  const best = e.best_speedup ? ` · best ${e.best_speedup.toFixed(2)}×` : "";
  const round = e.rounds ? ` · round ${e.round + 1}/${e.rounds}` : "";
  return `$(sync~spin) LessonL: ${name}${round}${best}`;
}

/** The function name in a progress title 'LessonL: optimizing matmul'. */
export function functionFromTitle(title: string | undefined): string {
  const match = /optimizing (.+)$/.exec(title ?? "");
  return match ? match[1].trim() : "";
}

export function resultSummary(status: string, fn: string, speedup: number | null, ci: [number, number] | null): string {
  switch (status) {
    case "improved":
      return `${fn} ${speedupText(speedup, ci)} faster`;
    case "no_improvement":
      return `${fn}: no verified speedup`;
    case "unisolated":
      return `${fn}: judged without a sandbox, not applied`;
    case "stale":
      return `${fn} changed while LessonL ran`;
    case "cancelled":
      return `${fn}: cancelled`;
    default:
      return `${fn}: failed`;
  }
}
