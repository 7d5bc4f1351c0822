/** Reading the `lessonl` settings and turning them into the server's settings section. */
import * as vscode from "vscode";
import { ExtensionSettings, ServerSection, toServerSection } from "../core/settingsShape";
import { logChannel } from "./logging";

const reported = new Set<string>();

export function extensionSettings(scope?: vscode.Uri): ExtensionSettings {
  const c = vscode.workspace.getConfiguration("lessonl", scope);
  return {
    agents: c.get("agents"), rounds: c.get("rounds"), k: c.get("k"),
    relevance: c.get("relevance"), timeouts: c.get("timeouts"), codeLens: c.get("codeLens"),
    profileInPrompt: c.get("profileInPrompt"), hotspotThreshold: c.get("hotspotThreshold"),
    bankUrl: c.get("bank.url"),
  };
}

/** The server's `lessonl` section for a scope; problems are warned about once each.
 * `projectPython`: the Python extension's interpreter for the scope, which `{python}` means. */
export function serverSection(scope: vscode.Uri | undefined, apiKeys: Record<string, string>,
                              projectPython?: string, bankPasswords: Record<string, string> = {}): ServerSection {
  const { section, problems } = toServerSection({ ...extensionSettings(scope), projectPython }, apiKeys, bankPasswords);
  for (const problem of problems) {
    if (!reported.has(problem)) {
      reported.add(problem);
      logChannel().warn(problem);
      vscode.window.showWarningMessage(`LessonL: ${problem}`);
    }
  }
  return section;
}

export function interpreterSetting(): string {
  return vscode.workspace.getConfiguration("lessonl").get<string>("interpreter", "");
}

export function openReviewAutomatically(): boolean {
  return vscode.workspace.getConfiguration("lessonl").get<boolean>("openReviewAutomatically", true);
}
