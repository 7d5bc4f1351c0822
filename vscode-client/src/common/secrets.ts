/**
 * API keys live in VS Code's SecretStorage (the OS keychain where there is one), keyed by the
 * environment variable name an agent reads (OPENAI_API_KEY by default). They reach the server
 * through `initializationOptions` and `workspace/configuration` (the `apiKeys` object, held in
 * memory only) and are never written to a settings file.
 */
import * as vscode from "vscode";
import { apiKeyNames, isEnvName } from "../core/settingsShape";

const PREFIX = "lessonl.apiKey.";
const NAMES = "lessonl.apiKeyNames"; // the names are not secret: kept in globalState

export class ApiKeys {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly context: vscode.ExtensionContext) {
    context.subscriptions.push(this.changed, context.secrets.onDidChange((e) => {
      if (e.key.startsWith(PREFIX)) {
        this.changed.fire();
      }
    }));
  }

  private names(): string[] {
    return this.context.globalState.get<string[]>(NAMES, []);
  }

  async all(): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const name of this.names()) {
      const value = await this.context.secrets.get(PREFIX + name);
      if (value) {
        out[name] = value;
      }
    }
    return out;
  }

  async set(name: string, value: string): Promise<void> {
    if (value) {
      await this.context.secrets.store(PREFIX + name, value);
      await this.context.globalState.update(NAMES, [...new Set([...this.names(), name])]);
    } else {
      await this.context.secrets.delete(PREFIX + name);
      await this.context.globalState.update(NAMES, this.names().filter((n) => n !== name));
    }
  }

  /** "LessonL: Set API Key": pick the variable name, type the key (hidden); empty removes it. */
  async prompt(): Promise<void> {
    const agents = vscode.workspace.getConfiguration("lessonl").get<unknown>("agents");
    const stored = new Set(this.names());
    const items = [...new Set([...apiKeyNames(agents), ...stored])].map((name) => ({
      label: name, description: stored.has(name) ? "stored" : "",
    }));
    items.push({ label: "Other…", description: "another environment variable name" });
    const picked = await vscode.window.showQuickPick(items, {
      title: "LessonL: Set API Key", placeHolder: "Which key? (the agent setting apiKeyEnv names it)",
    });
    if (!picked) {
      return;
    }
    let name = picked.label;
    if (name === "Other…") {
      const typed = await vscode.window.showInputBox({
        title: "LessonL: API key name", prompt: "Environment variable name, e.g. TOGETHER_API_KEY",
        validateInput: (v) => (isEnvName(v) ? undefined : "Letters, digits and _, not starting with a digit"),
      });
      if (!typed) {
        return;
      }
      name = typed;
    }
    const value = await vscode.window.showInputBox({
      title: `LessonL: ${name}`, prompt: `The key for ${name}; stored in VS Code's secret storage. Leave empty to remove it.`,
      password: true, ignoreFocusOut: true,
    });
    if (value === undefined) {
      return;
    }
    await this.set(name, value.trim());
    vscode.window.showInformationMessage(value.trim()
      ? `LessonL: ${name} stored in VS Code's secret storage.` : `LessonL: ${name} removed.`);
  }
}
