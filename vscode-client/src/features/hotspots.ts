/**
 * "LessonL: Profile Benchmark": runs the repository's benchmark under a profiler on the server
 * (`lessonl.profileBenchmark`) with a cancellable progress notification. The server saves the
 * hotspots and asks VS Code to refresh its code lenses, so every open file then shows
 * "LessonL: 41% of benchmark time · Optimize" above its hot functions; it also words the
 * outcome (or the problem: no benchmark, profiler missing, run too brief) itself.
 */
import * as vscode from "vscode";
import { Commands, ProfileAnswer } from "../core/protocol";
import { showError } from "../common/logging";
import { ServerHost } from "../common/server";
import { runWithProgress } from "../common/serverProgress";

/** The repository to work on: the active file's, else the first workspace folder. */
export function repositoryUri(): string | undefined {
  const active = vscode.window.activeTextEditor?.document.uri;
  if (active?.scheme === "file") {
    return active.toString();
  }
  return vscode.workspace.workspaceFolders?.[0]?.uri.toString();
}

export async function profileBenchmark(host: ServerHost): Promise<ProfileAnswer | undefined> {
  try {
    const client = host.requireClient();
    return await runWithProgress<ProfileAnswer>(client, Commands.profileBenchmark, [repositoryUri() ?? null],
      "LessonL: profiling the benchmark");
  } catch (error) {
    showError(`LessonL: profiling failed: ${(error as Error).message}`, { "Restart Server": () => host.restart() });
    return undefined;
  }
}
