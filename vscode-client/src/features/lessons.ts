/**
 * The "Lessons" view: every lesson of the workspace's LessonL repositories, grouped by
 * function, with outcome icons and speedups; clicking opens the function. Also "Show lessons
 * for this function" (the server's code action and code lens, and the command at the cursor),
 * which reveals that function in the view, and export / import of the lesson bank.
 */
import * as path from "node:path";
import * as vscode from "vscode";
import {
  FunctionGroup, groupByFunction, groupDescription, lessonVerdict, oneLine, outcomeLook, planShowLessons,
} from "../core/lessonsTree";
import { findFunctionLine, languageOf } from "../core/locate";
import { Commands, Lesson, LessonsAnswer, ShowLessonsAnswer } from "../core/protocol";
import { logChannel, showError } from "../common/logging";
import { ServerHost } from "../common/server";

type Node = FunctionGroup | LessonNode | MessageNode;
interface LessonNode { kind: "lesson"; group: FunctionGroup; lesson: Lesson }
interface MessageNode { kind: "message"; text: string }

function isGroup(node: Node): node is FunctionGroup {
  return "lessons" in node;
}

export class LessonsView implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private groups: FunctionGroup[] = [];
  private message: string | undefined;
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  readonly view: vscode.TreeView<Node>;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly host: ServerHost) {
    // The code action and the code lens name lessonl.showLessons: show its answer in the view.
    host.handle(Commands.showLessons, (args) => this.show(args));
    this.view = vscode.window.createTreeView("lessonl.lessons", { treeDataProvider: this, showCollapseAll: true });
    this.disposables.push(this.view, this.changed,
      vscode.commands.registerCommand("lessonl.refreshLessons", () => this.refresh()),
      vscode.commands.registerCommand("lessonl.openFunction", (root: string, file: string, fn: string) => openFunction(root, file, fn)),
      vscode.commands.registerCommand("lessonl.showLessonsAtCursor", () => this.showAtCursor()),
      vscode.commands.registerCommand("lessonl.exportLessonsToFile", () => this.exportLessons()),
      vscode.commands.registerCommand("lessonl.importLessonsFromFile", () => this.importLessons()),
    );
  }

  attach(host: ServerHost): vscode.Disposable[] {
    return [
      host.onDidStart(() => this.refresh()),
      host.onResult(() => this.refresh()),
    ];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (isGroup(node)) {
      const item = new vscode.TreeItem(node.function, vscode.TreeItemCollapsibleState.Expanded);
      item.id = node.key;
      item.description = groupDescription(node);
      item.iconPath = new vscode.ThemeIcon("symbol-function");
      item.tooltip = `${node.function} in ${path.join(node.root, node.file)}`;
      item.contextValue = "lessonl.function";
      item.command = { command: "lessonl.openFunction", title: "Open Function", arguments: [node.root, node.file, node.function] };
      return item;
    }
    if (node.kind === "message") {
      return new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
    }
    const { lesson, group } = node;
    const look = outcomeLook(lesson.outcome);
    const item = new vscode.TreeItem(oneLine(lesson.text, 80), vscode.TreeItemCollapsibleState.None);
    item.id = `${group.key}\u0000${lesson.id}`;
    item.description = lessonVerdict(lesson);
    item.iconPath = new vscode.ThemeIcon(look.icon, new vscode.ThemeColor(look.color));
    const tooltip = new vscode.MarkdownString();
    tooltip.appendMarkdown(`**${lessonVerdict(lesson)}** · ${lesson.model || lesson.agent} · round ${lesson.round + 1}\n\n`);
    tooltip.appendText(lesson.text);
    item.tooltip = tooltip;
    item.contextValue = "lessonl.lesson";
    item.command = { command: "lessonl.openFunction", title: "Open Function", arguments: [group.root, group.file, group.function] };
    return item;
  }

  getChildren(node?: Node): Node[] {
    if (!node) {
      return this.groups.length ? this.groups : this.message ? [{ kind: "message", text: this.message }] : [];
    }
    return isGroup(node) ? node.lessons.map((lesson) => ({ kind: "lesson", group: node, lesson })) : [];
  }

  getParent(node: Node): Node | undefined {
    return !isGroup(node) && node.kind === "lesson" ? node.group : undefined;
  }

  /** Ask the server for each repository's lessons (folders that hold a lessonl.toml). */
  async refresh(): Promise<void> {
    if (!this.host.client) {
      return;
    }
    const configs = await lessonlConfigs();
    const groups: FunctionGroup[] = [];
    const roots = new Set<string>();
    for (const config of configs) {
      try {
        const answer = await this.host.executeCommand<LessonsAnswer>(Commands.listLessons, [config.toString(), 500]);
        if (answer?.status === "ok" && answer.root && !roots.has(answer.root)) {
          roots.add(answer.root);
          groups.push(...groupByFunction(answer.root, answer.lessons ?? []));
        }
      } catch (error) {
        logChannel().warn(`Listing the lessons of ${config.fsPath} failed: ${(error as Error).message}`);
      }
    }
    this.groups = groups;
    this.message = configs.length ? undefined : "No LessonL configuration in this workspace (run `lessonl init`).";
    this.changed.fire(undefined);
  }

  private async showAtCursor(): Promise<unknown> {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      vscode.window.showInformationMessage("LessonL: put the cursor in a C, C++ or Python function to see its lessons.");
      return undefined;
    }
    const position = editor.selection.active;
    return this.show([editor.document.uri.toString(), position.line, position.character]);
  }

  /** lessonl.showLessons with the server's arguments [uri, line0, character]: reveal the function's lessons. */
  async show(args: unknown[]): Promise<unknown> {
    let answer: ShowLessonsAnswer;
    try {
      answer = await this.host.executeCommand<ShowLessonsAnswer>(Commands.showLessons, args);
    } catch (error) {
      showError(`LessonL: ${(error as Error).message}`);
      return undefined;
    }
    await this.refresh();
    const plan = planShowLessons(answer, this.groups);
    if (plan.kind === "none") {
      vscode.window.showInformationMessage(plan.message);
    } else if (plan.kind === "reveal") {
      if (plan.added) {
        this.groups = [...this.groups, plan.group];
        this.message = undefined;
        this.changed.fire(undefined);
      }
      await vscode.commands.executeCommand("lessonl.lessons.focus");
      await this.view.reveal(plan.group, { select: true, focus: true, expand: true });
    } // refused: the server said why (window/showMessage)
    return answer;
  }

  private rootArgument(): string | null {
    const editor = vscode.window.activeTextEditor;
    return editor?.document.uri.scheme === "file" ? editor.document.uri.toString()
      : vscode.workspace.workspaceFolders?.[0]?.uri.toString() ?? null;
  }

  private async exportLessons(): Promise<void> {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const target = await vscode.window.showSaveDialog({
      title: "LessonL: export lessons", filters: { "JSON Lines": ["jsonl"] },
      defaultUri: folder ? vscode.Uri.joinPath(folder, "lessons.jsonl") : undefined,
    });
    if (target) {
      await this.bankCommand(Commands.exportLessons, [this.rootArgument(), target.fsPath]);
    }
  }

  private async importLessons(): Promise<void> {
    const picked = await vscode.window.showOpenDialog({
      title: "LessonL: import lessons", canSelectMany: false, filters: { "JSON Lines": ["jsonl"] },
    });
    if (picked?.[0]) {
      await this.bankCommand(Commands.importLessons, [this.rootArgument(), picked[0].fsPath]);
      await this.refresh();
    }
  }

  private async bankCommand(command: string, args: unknown[]): Promise<void> {
    try {
      const answer = await this.host.executeCommand<{ status: string; message?: string }>(command, args);
      if (answer?.status === "ok" && answer.message) {
        vscode.window.showInformationMessage(answer.message);
      }
    } catch (error) {
      showError(`LessonL: ${(error as Error).message}`);
    }
  }

  dispose(): void {
    this.disposables.forEach((d) => d.dispose());
  }
}

/** lessonl.toml files, and pyproject.toml files with a [tool.lessonl] table. */
async function lessonlConfigs(): Promise<vscode.Uri[]> {
  const skip = "**/{node_modules,.git,.lessonl,.venv}/**";
  const tomls = await vscode.workspace.findFiles("**/lessonl.toml", skip, 50);
  for (const pyproject of await vscode.workspace.findFiles("**/pyproject.toml", skip, 50)) {
    const text = Buffer.from(await vscode.workspace.fs.readFile(pyproject)).toString("utf8");
    if (/^\[tool\.lessonl(\.|\])/m.test(text)) {
      tomls.push(pyproject);
    }
  }
  return tomls;
}

export async function openFunction(root: string, file: string, fn: string): Promise<void> {
  const uri = vscode.Uri.file(path.isAbsolute(file) ? file : path.join(root, file));
  let document: vscode.TextDocument;
  try {
    document = await vscode.workspace.openTextDocument(uri);
  } catch {
    vscode.window.showWarningMessage(`LessonL: ${file} is not there any more (in ${root}).`);
    return;
  }
  const line = findFunctionLine(document.getText(), fn, languageOf(file)) ?? 0;
  const position = new vscode.Position(line, 0);
  await vscode.window.showTextDocument(document, { selection: new vscode.Range(position, position), preview: false });
}
