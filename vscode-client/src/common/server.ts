/**
 * Starting `python -m lessonl serve` over stdio with vscode-languageclient, and keeping hold
 * of the running client for the features. Settings reach the server translated (settings.ts)
 * with the API keys from SecretStorage; the client tells the server, in its experimental
 * capabilities, that it reviews results itself (see features/review.ts).
 */
import { ChildProcess, spawn } from "node:child_process";
import * as vscode from "vscode";
import {
  CloseAction, ErrorAction, ExecuteCommandRequest, LanguageClient, LanguageClientOptions,
  ServerOptions, State, StaticFeature,
} from "vscode-languageclient/node";
import { BatchPayload, Notifications, OptimizeResult, ProgressNotice } from "../core/protocol";
import { ApiKeys, BankPasswords } from "./secrets";
import { logChannel, showError, showLog } from "./logging";
import { serverSection } from "./settings";
import { pythonExtensionInterpreter } from "./python";

/** Runs a server command the client takes over (see `handle`), with the server's arguments. */
export type CommandHandler = (args: unknown[]) => Promise<unknown>;

/** Declares what this client renders itself, so that the server does not also prompt or print. */
const reviewCapabilities: StaticFeature = {
  fillClientCapabilities(capabilities) {
    const experimental = (capabilities.experimental ?? {}) as Record<string, unknown>;
    capabilities.experimental = { ...experimental, lessonl: { resultView: true, reviewUI: true } };
  },
  initialize() { /* nothing to register */ },
  getState() { return { kind: "static" }; },
  clear() { /* nothing to clear */ },
};

export class ServerHost implements vscode.Disposable {
  private current: LanguageClient | undefined;
  private process: ChildProcess | undefined;
  private stderrTail: string[] = [];
  private exited: Promise<number | null> = Promise.resolve(null);
  private python: string | undefined;
  private problem = "it has not been started yet";
  private readonly started = new vscode.EventEmitter<LanguageClient>();
  /** Fired with each client that started; features register their handlers on it. */
  readonly onDidStart = this.started.event;
  private readonly handlers = new Map<string, CommandHandler>();
  // One handler per notification method (a second registration would replace the first),
  // fanned out to every feature through these events.
  private readonly results = new vscode.EventEmitter<OptimizeResult>();
  readonly onResult = this.results.event;
  private readonly progress = new vscode.EventEmitter<ProgressNotice>();
  readonly onProgress = this.progress.event;
  private readonly batches = new vscode.EventEmitter<BatchPayload>();
  readonly onBatchResult = this.batches.event;

  constructor(private readonly keys: ApiKeys, private readonly bankPasswords?: BankPasswords) {
    keys.onDidChange(() => this.settingsChanged());
    bankPasswords?.onDidChange(() => this.settingsChanged());
  }

  /**
   * Commands the server's code actions and code lenses name (lessonl.optimize,
   * lessonl.showLessons) run here instead of going straight to the server, so that the
   * extension can show what they do: a progress notification, the Lessons view.
   */
  handle(command: string, handler: CommandHandler): void {
    this.handlers.set(command, handler);
  }

  get client(): LanguageClient | undefined {
    return this.current?.state === State.Running ? this.current : undefined;
  }

  /** Set when the server is not running: why, in words for a notification. */
  notRunning(reason: string): void {
    this.problem = reason;
  }

  requireClient(): LanguageClient {
    const client = this.client;
    if (!client) {
      throw new Error(`LessonL's language server is not running: ${this.problem}`);
    }
    return client;
  }

  async executeCommand<T>(command: string, args: unknown[], token?: vscode.CancellationToken): Promise<T> {
    return this.requireClient().sendRequest(ExecuteCommandRequest.type, { command, arguments: args }, token) as Promise<T>;
  }

  async start(python: string): Promise<boolean> {
    await this.stop();
    this.python = python;
    const client = new LanguageClient("lessonl", "LessonL", this.serverOptions(python), await this.clientOptions());
    client.registerFeature(reviewCapabilities);
    client.onNotification(Notifications.result, (result: OptimizeResult) => this.results.fire(result));
    client.onNotification(Notifications.progress, (notice: ProgressNotice) => this.progress.fire(notice));
    client.onNotification(Notifications.batchResult, (payload: BatchPayload) => this.batches.fire(payload));
    // The same object answers lessonl.showLessons, which the Lessons view runs and shows itself.
    client.onNotification(Notifications.lessons, () => undefined);
    this.current = client;
    logChannel().info(`Starting ${python} -m lessonl serve`);
    try {
      await client.start();
    } catch (error) {
      this.current = undefined;
      const why = await this.startFailure(error);
      this.problem = `${python} -m lessonl serve did not start (${why})`;
      void client.dispose(2000).catch(() => undefined); // a client that failed to start may never settle
      this.killProcess();
      void showError(`LessonL: the language server could not start: ${python} -m lessonl serve failed: `
        + `${why}. The log has its output.`, { Restart: () => this.restart() });
      return false;
    }
    this.started.fire(client);
    return true;
  }

  async restart(): Promise<void> {
    if (this.python) {
      await this.start(this.python);
    } else {
      await vscode.commands.executeCommand("lessonl.setupPython");
    }
  }

  async stop(): Promise<void> {
    const client = this.current;
    this.current = undefined;
    if (client) {
      try {
        await client.stop(5000);
      } catch {
        // already stopped, or it did not answer: dispose kills the process
      }
      await client.dispose().catch(() => undefined);
    }
    this.killProcess();
  }

  /** The server exits on `exit`; one that did not is stopped here (it stops its own jobs). */
  private killProcess(): void {
    const child = this.process;
    this.process = undefined;
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
    }
  }

  dispose(): void {
    void this.stop();
    [this.started, this.results, this.progress, this.batches].forEach((e) => e.dispose());
  }

  /**
   * We start the process ourselves (the client still reads its stdio and copies its stderr to
   * the log) so that a server dying at start is explained with its own last words.
   */
  private serverOptions(python: string): ServerOptions {
    return async () => {
      const child = spawn(python, ["-m", "lessonl", "serve"], {
        env: { ...process.env, PYTHONUNBUFFERED: "1" }, stdio: ["pipe", "pipe", "pipe"],
      });
      this.process = child;
      this.stderrTail = [];
      child.stderr.on("data", (data: Buffer) => {
        this.stderrTail.push(...data.toString().split(/\r?\n/).filter((l) => l.trim()));
        this.stderrTail.splice(0, Math.max(0, this.stderrTail.length - 20));
      });
      this.exited = new Promise((resolve) => {
        child.on("exit", (code) => resolve(code));
        child.on("error", (error) => { this.stderrTail.push(error.message); resolve(null); });
      });
      return child;
    };
  }

  /** Why a start failed, in the server's own words when it said any. */
  private async startFailure(error: unknown): Promise<string> {
    const code = await Promise.race([this.exited, new Promise<undefined>((r) => setTimeout(() => r(undefined), 2000))]);
    const said = this.stderrTail.filter((l) => !/^\s*(File "|Traceback|\^)/.test(l)).pop();
    if (said) {
      return code != null ? `${said} (exit status ${code})` : said;
    }
    return code != null ? `it exited with status ${code}` : errorText(error);
  }

  private async clientOptions(): Promise<LanguageClientOptions> {
    const keys = this.keys;
    const passwords = async () => (await this.bankPasswords?.all()) ?? {};
    return {
      documentSelector: [
        { scheme: "file", language: "c" }, { scheme: "file", language: "cpp" }, { scheme: "file", language: "python" },
        { scheme: "file", pattern: "**/lessonl.toml" }, { scheme: "file", pattern: "**/pyproject.toml" },
      ],
      outputChannel: logChannel(),
      initializationOptions: {
        lessonl: serverSection(undefined, await keys.all(), await pythonExtensionInterpreter(), await passwords()),
      },
      initializationFailedHandler: () => false,
      errorHandler: {
        error: () => ({ action: ErrorAction.Continue, handled: true }),
        closed: () => {
          if (this.current?.state === State.Running) {
            this.problem = "it stopped unexpectedly";
            void showError("LessonL: the language server stopped unexpectedly. The log has its last output.",
              { Restart: () => this.restart() });
          }
          return { action: CloseAction.DoNotRestart, handled: true };
        },
      },
      middleware: {
        executeCommand: (command, args, next) => {
          const handler = this.handlers.get(command);
          return handler ? handler(args) : next(command, args);
        },
        workspace: {
          // The server asks for section "lessonl"; it gets the translated section with the keys.
          configuration: async (params, token, next) => {
            const values = await next(params, token);
            if (!Array.isArray(values)) {
              return values;
            }
            const apiKeys = await keys.all();
            const bankPasswords = await passwords();
            return Promise.all(params.items.map(async (item, i) => {
              if (item.section !== "lessonl") {
                return values[i];
              }
              const scope = item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined;
              return serverSection(scope, apiKeys, await pythonExtensionInterpreter(scope), bankPasswords);
            }));
          },
          // Tell the server "settings changed" without values: it pulls them (translated) itself.
          didChangeConfiguration: (_sections, next) => next(undefined),
        },
      },
    };
  }

  private settingsChanged(): void {
    const client = this.client;
    if (client) {
      void client.sendNotification("workspace/didChangeConfiguration", { settings: null });
    }
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export { showLog };
