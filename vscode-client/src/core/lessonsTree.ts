/** Grouping the bank's lessons by function for the Lessons view, and how each outcome looks. */
import { Lesson, ShowLessonsAnswer, speedupText } from "./protocol";

export interface FunctionGroup {
  key: string; // root + file + function
  root: string;
  file: string;
  function: string;
  lessons: Lesson[];
  /** Best verified speedup among the lessons whose candidates were correct and faster. */
  best: number | null;
}

export function groupByFunction(root: string, lessons: Lesson[]): FunctionGroup[] {
  const groups = new Map<string, FunctionGroup>();
  for (const lesson of lessons) {
    const key = `${root}\u0000${lesson.file}\u0000${lesson.function}`;
    let group = groups.get(key);
    if (!group) {
      group = { key, root, file: lesson.file, function: lesson.function, lessons: [], best: null };
      groups.set(key, group);
    }
    group.lessons.push(lesson);
    if (lesson.outcome === "faster" && lesson.speedup != null && (group.best == null || lesson.speedup > group.best)) {
      group.best = lesson.speedup;
    }
  }
  const sorted = [...groups.values()];
  for (const group of sorted) {
    group.lessons.sort(byUsefulness);
  }
  return sorted.sort((a, b) => a.file.localeCompare(b.file) || a.function.localeCompare(b.function));
}

/** Best first, as the server ranks them: speedup × effectiveness factor. */
function byUsefulness(a: Lesson, b: Lesson): number {
  return (b.speedup ?? 0) * (b.factor ?? 1) - (a.speedup ?? 0) * (a.factor ?? 1);
}

export interface OutcomeLook {
  icon: string; // a codicon id
  color: string; // a theme color id
  words: string;
}

const LOOKS: Record<string, OutcomeLook> = {
  faster: { icon: "arrow-up", color: "testing.iconPassed", words: "faster" },
  slower: { icon: "arrow-down", color: "list.warningForeground", words: "slower" },
  no_significant_change: { icon: "dash", color: "descriptionForeground", words: "no significant change" },
  incorrect: { icon: "error", color: "testing.iconFailed", words: "incorrect" },
  not_compilable: { icon: "tools", color: "testing.iconFailed", words: "did not compile" },
  timeout: { icon: "watch", color: "list.warningForeground", words: "timed out" },
  crashed: { icon: "bug", color: "testing.iconFailed", words: "crashed" },
  rejected: { icon: "circle-slash", color: "descriptionForeground", words: "rejected" },
};

export function outcomeLook(outcome: string): OutcomeLook {
  return LOOKS[outcome] ?? { icon: "question", color: "descriptionForeground", words: outcome.replace(/_/g, " ") };
}

/** '1.84× (95% CI 1.78–1.90) faster' or 'did not compile'. */
export function lessonVerdict(lesson: Lesson): string {
  const look = outcomeLook(lesson.outcome);
  if (lesson.speedup != null && ["faster", "slower", "no_significant_change"].includes(lesson.outcome)) {
    return `${speedupText(lesson.speedup, lesson.ci)} ${look.words}`;
  }
  return look.words;
}

export function oneLine(text: string, limit = 90): string {
  const flat = text.split(/\s+/).filter(Boolean).join(" ");
  return flat.length <= limit ? flat : `${flat.slice(0, limit - 1)}…`;
}

export function groupDescription(group: FunctionGroup): string {
  const count = `${group.lessons.length} lesson${group.lessons.length === 1 ? "" : "s"}`;
  const best = group.best != null ? ` · best ${group.best.toFixed(2)}×` : "";
  return `${group.file} · ${count}${best}`;
}

/**
 * What "Show lessons for this function" does with the server's answer: nothing more when the
 * server refused (it said why), a plain message when the function has no lessons, else the
 * view's group to reveal. The view lists at most a few hundred lessons of the whole bank; a
 * function left out of that list gets its group from the answer (`added`).
 */
export type ShowPlan =
  | { kind: "refused" }
  | { kind: "none"; message: string }
  | { kind: "reveal"; group: FunctionGroup; added: boolean };

export function planShowLessons(answer: ShowLessonsAnswer | undefined, groups: FunctionGroup[]): ShowPlan {
  if (!answer || answer.status !== "ok" || !answer.root || !answer.function) {
    return { kind: "refused" };
  }
  const lessons = answer.lessons ?? [];
  if (lessons.length === 0) {
    return { kind: "none", message: `LessonL: no lessons for ${answer.function} yet. `
      + "Run \"Optimize this function (LessonL)\" on it: every candidate it judges leaves one." };
  }
  const [fromAnswer] = groupByFunction(answer.root, lessons.map((l) => ({ ...l, file: answer.file ?? l.file, function: answer.function as string })));
  const listed = groups.find((g) => g.key === fromAnswer.key);
  return listed ? { kind: "reveal", group: listed, added: false } : { kind: "reveal", group: fromAnswer, added: true };
}
