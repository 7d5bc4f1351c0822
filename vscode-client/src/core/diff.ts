/**
 * Reading the server's unified diff (for the review's added/removed counts) and turning an
 * old/new text pair into one replacement, so that Accept is one edit, one undo step.
 *
 * The diff is the one `lessonl.code.unified_diff` writes: `diff -u` hunks, lines keep their
 * own endings, and a line without one is followed by `\ No newline at end of file`. The client
 * never patches text with it: merging onto an edited document is the server's job
 * (`lessonl.mergeResult`, see proposal.ts).
 */

interface HunkLine {
  mark: " " | "-" | "+";
  text: string; // with its line ending, if it had one
}

interface Hunk {
  oldStart: number; // 0-based index of the first old line the hunk covers
  lines: HunkLine[];
}

const HUNK_HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

/** Lines with their endings (\n or \r\n), as the server counts them. */
export function splitLines(text: string): string[] {
  const lines = text.match(/[^\n]*\n|[^\n]+$/g);
  return lines ?? [];
}

export function parseHunks(diff: string): Hunk[] {
  const rows = splitLines(diff);
  const hunks: Hunk[] = [];
  let current: Hunk | undefined;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    const header = HUNK_HEADER.exec(row);
    if (header) {
      const start = Number(header[1]);
      const length = header[2] === undefined ? 1 : Number(header[2]);
      current = { oldStart: length === 0 ? start : start - 1, lines: [] };
      hunks.push(current);
      continue;
    }
    if (!current) {
      continue; // the "--- a/" and "+++ b/" header lines
    }
    const mark = row[0];
    if (mark === "\\") {
      const last = current.lines[current.lines.length - 1];
      if (last) {
        last.text = last.text.replace(/\n$/, "");
      }
      continue;
    }
    if (mark === " " || mark === "-" || mark === "+") {
      current.lines.push({ mark, text: row.slice(1) });
    }
  }
  return hunks;
}

export interface Replacement {
  /** Offsets into the old text (UTF-16 code units, as JavaScript strings and VS Code count). */
  start: number;
  end: number;
  text: string;
}

/** The smallest single replacement (whole lines) that turns `before` into `after`; null if equal. */
export function lineReplacement(before: string, after: string): Replacement | null {
  if (before === after) {
    return null;
  }
  const a = splitLines(before);
  const b = splitLines(after);
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) {
    head++;
  }
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head
         && a[a.length - 1 - tail] === b[b.length - 1 - tail]) {
    tail++;
  }
  const start = a.slice(0, head).join("").length;
  const end = before.length - a.slice(a.length - tail).join("").length;
  const text = b.slice(head, b.length - tail).join("");
  return { start, end, text };
}

/** Counts of added and removed lines, for the review's summary. */
export function diffStat(diff: string): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const hunk of parseHunks(diff)) {
    for (const line of hunk.lines) {
      if (line.mark === "+") {
        added++;
      } else if (line.mark === "-") {
        removed++;
      }
    }
  }
  return { added, removed };
}
