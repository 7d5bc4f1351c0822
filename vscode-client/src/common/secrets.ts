/**
 * API keys live in VS Code's SecretStorage (the OS keychain where there is one), keyed by the
 * environment variable name an agent reads (OPENAI_API_KEY by default). They reach the server
 * through `initializationOptions` and `workspace/configuration` (the `apiKeys` object, held in
 * memory only) and are never written to a settings file.
 */
import * as vscode from "vscode";
import { bankKey, bankUrlProblem } from "../core/bankUrl";
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

const BANK_PREFIX = "lessonl.bankPassword.";
const BANK_URLS = "lessonl.bankPasswordUrls"; // the bank URLs (no password) are not secret: globalState

/**
 * Passwords of a team's PostgreSQL lesson banks, in SecretStorage under the bank they were given
 * for (core/bankUrl.ts bankKey). They reach the server as `bankPasswords`, held in memory there
 * and sent only to that bank; a change is picked up without restarting the server.
 */
export class BankPasswords {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly context: vscode.ExtensionContext) {
    context.subscriptions.push(this.changed, context.secrets.onDidChange((e) => {
      if (e.key.startsWith(BANK_PREFIX)) {
        this.changed.fire();
      }
    }));
  }

  private urls(): string[] {
    return this.context.globalState.get<string[]>(BANK_URLS, []);
  }

  async all(): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const url of this.urls()) {
      const value = await this.context.secrets.get(BANK_PREFIX + url);
      if (value) {
        out[url] = value;
      }
    }
    return out;
  }

  async set(url: string, password: string): Promise<void> {
    const key = bankKey(url);
    if (password) {
      await this.context.secrets.store(BANK_PREFIX + key, password);
      await this.context.globalState.update(BANK_URLS, [...new Set([...this.urls(), key])]);
    } else {
      await this.context.secrets.delete(BANK_PREFIX + key);
      await this.context.globalState.update(BANK_URLS, this.urls().filter((u) => u !== key));
    }
  }

  /** "LessonL: Set Lesson Bank Password": the bank's URL (lessonl.bank.url offered), then the password (hidden). */
  async prompt(): Promise<void> {
    const configured = vscode.workspace.getConfiguration("lessonl").get<string>("bank.url", "").trim();
    const url = await vscode.window.showInputBox({
      title: "LessonL: Set Lesson Bank Password (1/2)",
      prompt: "The bank's URL, without the password: the password is sent to this bank only",
      value: configured || this.urls()[0] || "", placeHolder: "postgresql://USER@HOST:PORT/DATABASE",
      ignoreFocusOut: true, validateInput: (v) => bankUrlProblem(v),
    });
    if (!url) {
      return;
    }
    const key = bankKey(url);
    const password = await vscode.window.showInputBox({
      title: "LessonL: Set Lesson Bank Password (2/2)",
      prompt: `The password for ${key}; stored in VS Code's secret storage, never in a settings file. Leave empty to remove it.`,
      password: true, ignoreFocusOut: true,
    });
    if (password === undefined) {
      return;
    }
    await this.set(key, password);
    vscode.window.showInformationMessage(password
      ? `LessonL: the password for ${key} is stored in VS Code's secret storage.`
      : `LessonL: the password for ${key} is removed.`);
  }

  /** "LessonL: Clear Lesson Bank Password": pick one of the banks with a stored password, or all. */
  async clear(): Promise<void> {
    const urls = this.urls();
    if (urls.length === 0) {
      vscode.window.showInformationMessage("LessonL: no lesson bank password is stored.");
      return;
    }
    const ALL = "All of them";
    const picked = await vscode.window.showQuickPick([...urls, ...(urls.length > 1 ? [ALL] : [])], {
      title: "LessonL: Clear Lesson Bank Password", placeHolder: "Which bank's password?",
    });
    if (!picked) {
      return;
    }
    for (const url of picked === ALL ? urls : [picked]) {
      await this.set(url, "");
    }
    vscode.window.showInformationMessage(picked === ALL
      ? "LessonL: every lesson bank password is removed." : `LessonL: the password for ${picked} is removed.`);
  }
}
