// Drives one e2e scenario in code-server and writes what it saw as JSON; the pytest test
// (tests/e2e/test_vscode.py) starts code-server and the fake LLM endpoint and checks the files.
// Usage: node driver.mjs <scenario> <config.json>
//   config: {url, folder, report, shots, docsShots (or null), file, line, column, timeout, ...}
// Every scenario ends with a screenshot in <shots>: <scenario>-final.png when it ran through
// (the Python test checks files and the fake server afterwards, and keeps it when those checks
// fail), <scenario>-failure.png when it did not (the error goes in the report).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  clearToasts, widenSideBar, goTo, openFromExplorer, openWorkbench, paletteEntries, runCommand, runningProgress,
  toasts, waitForActivation, waitForErrorToast, waitForToast, waitUntil,
} from "./workbench.mjs";

const [scenario, configPath] = process.argv.slice(2);
const config = JSON.parse(readFileSync(configPath, "utf8"));
const report = { scenario, steps: [], progress: [], errors: [] };
const step = (name, data = {}) => { report.steps.push({ name, at: new Date().toISOString(), ...data }); };

async function shot(page, name, docs = false) {
  const dirs = [config.shots];
  if (docs && config.docsShots) {
    dirs.push(config.docsShots);
  }
  for (const dir of dirs) {
    mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: join(dir, `${name}.png`) });
  }
}

/** Open the Refactor menu (the server's code actions) at the cursor; the rows' texts. */
async function refactorMenu(page, title) {
  await page.keyboard.press("Control+Shift+R");
  const action = page.locator(".action-widget .monaco-list-row", { hasText: title });
  await action.waitFor({ timeout: 20_000 });
  return { action, rows: await page.locator(".action-widget .monaco-list-row").allInnerTexts() };
}

/** Choose a row of the open menu: it blocks pointer events while it animates in, so by keyboard. */
async function chooseAction(page, action) {
  for (let i = 0; i < 8 && !(await action.evaluate((el) => el.classList.contains("focused"))); i++) {
    await page.keyboard.press("ArrowDown");
  }
  await page.keyboard.press("Enter");
}

/** "Show lessons for this function" from the code action at the cursor. */
async function showLessonsFromCodeAction(page) {
  const { action } = await refactorMenu(page, "Show lessons for this function");
  await chooseAction(page, action);
}

/** The extension is installed, active, and offers its commands. */
async function activation(page) {
  await waitForActivation(page);
  step("activated");
  report.commands = await paletteEntries(page, "LessonL:");
  step("palette", { commands: report.commands });
}

/** "LessonL: Set API Key": pick the name, type the key into the password box. */
async function setApiKey(page, name, value) {
  await runCommand(page, "LessonL: Set API Key");
  const pick = page.locator(".quick-input-widget .monaco-list-row", { hasText: name }).first();
  await pick.waitFor({ timeout: 10_000 });
  await pick.click();
  const input = page.locator(".quick-input-widget input[type='password']");
  await input.waitFor({ timeout: 10_000 });
  await input.fill(value);
  await page.keyboard.press("Enter");
  return waitForToast(page, /stored in VS Code's secret storage/, 10_000);
}

/** Set the key, optimize from the code action, watch the progress, review and accept, hover, lessons view. */
async function optimize(page) {
  await activation(page);
  if (config.apiKey) {
    report.keyStored = await setApiKey(page, config.apiKey.name, config.apiKey.value);
    step("api key stored", { toast: report.keyStored });
  }
  await openFromExplorer(page, config.file);
  await goTo(page, config.line, config.column);
  step("cursor placed");
  await page.waitForTimeout(1500); // the server parses the file once it is opened
  const menu = await refactorMenu(page, "Optimize this function (LessonL)"); // Refactor…: the server's code actions
  report.codeActions = menu.rows;
  await shot(page, "code-action", true);
  await chooseAction(page, menu.action);
  step("code action chosen", { actions: report.codeActions });

  const diffTab = page.locator(".tab", { hasText: "original ↔ proposed" });
  const deadline = Date.now() + config.timeout * 1000;
  while (Date.now() < deadline && !(await diffTab.count())) {
    for (const text of await toasts(page)) {
      if (/LessonL/.test(text) && !report.progress.includes(text)) {
        report.progress.push(text);
      }
      if (/no verified speedup for|internal error|optimization failed|could not start|is not running/i.test(text)) {
        throw new Error(`the optimization ended without a rewrite to review: ${text}`);
      }
    }
    // The selector endpointDown relies on to see that a progress ended must see it running here.
    report.progressRunning = Math.max(report.progressRunning ?? 0, await runningProgress(page));
    const status = await page.locator(".statusbar-item:has-text('LessonL')").first().innerText().catch(() => "");
    if (status && !report.progress.includes(`status: ${status}`)) {
      report.progress.push(`status: ${status}`);
    }
    await page.waitForTimeout(300);
  }
  await diffTab.first().waitFor({ timeout: 5_000 });
  await page.locator(".monaco-diff-editor").first().waitFor({ timeout: 20_000 });
  await page.waitForTimeout(2500); // let the diff and the verdict panel render
  report.diffTab = await diffTab.first().innerText();
  report.verdictTab = await page.locator(".tab", { hasText: "LessonL:" }).allInnerTexts();
  // The verdict panel is a webview: an iframe holding the page's own iframe.
  report.verdictBehaviour = await page.frameLocator("iframe.webview").last().frameLocator("iframe#active-frame")
    .locator("#behaviour").innerText({ timeout: 15_000 }).catch((error) => `unreadable: ${error.message.split("\n")[0]}`);
  await runCommand(page, "View: Toggle Primary Side Bar Visibility"); // room for a side-by-side diff
  await page.waitForTimeout(1500);
  await page.mouse.move(5, 990); // no tooltip over the review
  await shot(page, "diff-review", true);
  await runCommand(page, "View: Toggle Primary Side Bar Visibility");
  step("diff review open", { tab: report.diffTab });

  // While the review is open the person adds a line at the top and saves: Accept must still work.
  let line = config.line;
  if (config.editDuringReview) {
    await openFromExplorer(page, config.file);
    await goTo(page, 1, 1);
    await page.keyboard.press("Enter"); // a new first line (typing on line 1 then Enter would continue the comment)
    await page.keyboard.press("ArrowUp");
    await page.keyboard.type(config.editDuringReview);
    await page.keyboard.press("Control+S");
    await page.waitForTimeout(1500); // saved, and the server has the change
    line += 1;
    step("edited during the review", { text: config.editDuringReview });
    await diffTab.first().click();
    await page.locator(".monaco-diff-editor").first().waitFor({ timeout: 20_000 });
  }
  await page.locator(".editor-actions .action-label[aria-label*='Accept Proposed Rewrite']").first().click();
  report.accepted = await waitForToast(page, /applied the rewrite/, 30_000);
  step("accepted", { toast: report.accepted });
  await page.waitForTimeout(1500); // the save reaches the disk
  // One confirmation only: VS Code's own refactor preview must not open for the server's edit.
  report.refactorPreviewShown = await page.locator(".pane-header:has-text('Refactor Preview'), .composite.title:has-text('Refactor Preview')").count() > 0;
  report.tabsAfterAccept = await page.locator(".tabs-container .tab").allInnerTexts();

  await clearToasts(page);
  await goTo(page, line, config.column);
  await page.keyboard.press("Control+K");
  await page.keyboard.press("Control+I");
  const hover = page.locator(".monaco-hover:not(.hidden) .monaco-hover-content, .monaco-resizable-hover .monaco-hover-content").first();
  await hover.waitFor({ timeout: 20_000 });
  await page.waitForTimeout(500);
  report.hover = await hover.innerText();
  step("hover", { text: report.hover });
  await page.keyboard.press("Escape");

  // "Show lessons for this function" opens the LessonL view on that function, selected and focused.
  await goTo(page, line, config.column);
  await showLessonsFromCodeAction(page);
  const rows = page.locator(".pane:has(.title:has-text('Lessons')) .monaco-list-row");
  const revealed = page.locator(".pane:has(.title:has-text('Lessons')) .monaco-list-row.selected.focused");
  await revealed.first().waitFor({ timeout: 20_000 });
  await page.waitForTimeout(1000);
  report.lessonsRevealed = await revealed.first().innerText();
  report.lessonsViewFocused = await page.locator(".pane:has(.title:has-text('Lessons')) .monaco-list:focus-within").count() > 0;
  report.lessonsView = await rows.allInnerTexts();
  step("lessons shown from the code action", { revealed: report.lessonsRevealed });
  await widenSideBar(page, 330);
  await page.mouse.move(900, 990); // no tooltip over the view
  await page.waitForTimeout(500);
  await shot(page, "lessons-view", true);
  step("lessons view", { rows: report.lessonsView });

  await page.locator(".editor-group-container.active .monaco-editor .view-lines").first().click(); // move the cursor away
  await goTo(page, 1, 1);
  await rows.first().click(); // the function's row opens it at its definition
  await page.waitForTimeout(1500);
  report.cursorAfterClick = await page.locator("#status\\.editor\\.selection").first().innerText();
  step("function opened from the view", { cursor: report.cursorAfterClick });
}

/**
 * "Show lessons" on a function without any says so; then the command palette's "Optimize
 * Function at Cursor", then Reject: the file stays, the lessons stay.
 */
async function reject(page) {
  await activation(page);
  await openFromExplorer(page, config.file);
  await goTo(page, config.line, config.column);
  await page.waitForTimeout(1500);
  await showLessonsFromCodeAction(page);
  report.noLessons = await waitForToast(page, /no lessons for/, 20_000);
  step("no lessons yet", { toast: report.noLessons });
  await clearToasts(page);
  await goTo(page, config.line, config.column);
  await runCommand(page, "LessonL: Optimize Function at Cursor");
  step("optimize command");
  const diffTab = page.locator(".tab", { hasText: "original ↔ proposed" }).first();
  await diffTab.waitFor({ timeout: config.timeout * 1000 });
  await page.waitForTimeout(1500);
  await page.locator(".editor-actions .action-label[aria-label*='Reject Proposed Rewrite']").first().click();
  report.rejected = await waitForToast(page, /discarded the rewrite/, 30_000);
  step("rejected", { toast: report.rejected });
  await shot(page, "rejected");
  report.tabsAfterReject = await page.locator(".tabs-container .tab").allInnerTexts();
  await page.locator(".activitybar .action-item a[aria-label^='LessonL']").first().click();
  const rows = page.locator(".pane:has(.title:has-text('Lessons')) .monaco-list-row");
  await rows.first().waitFor({ timeout: 20_000 });
  await page.waitForTimeout(1000);
  report.lessonsView = await rows.allInnerTexts();
}

/** The endpoint is down: a readable error, and nothing changed. */
async function endpointDown(page) {
  await activation(page);
  await openFromExplorer(page, config.file);
  await goTo(page, config.line, config.column);
  await page.waitForTimeout(1500);
  await runCommand(page, "LessonL: Optimize Function at Cursor");
  step("optimize command");
  report.error = await waitForErrorToast(page, config.timeout * 1000);
  step("error shown", { toast: report.error });
  // The error does not hold the job: its progress notification ends while the error stays.
  report.progressEnded = await waitUntil(async () => (await runningProgress(page)) === 0, 15_000);
  report.toasts = await toasts(page);
  await shot(page, "endpoint-down");
}

/** lessonl is not importable by the configured Python: an offer to set up an environment. */
async function missingLessonl(page) {
  await waitForActivation(page);
  report.error = await waitForToast(page, /LessonL is not installed/, 60_000);
  step("offer shown", { toast: report.error });
  await shot(page, "missing-lessonl");
  if (!config.setUp) {
    return;
  }
  // One click: a private environment with the bundled wheel, then the server starts from it.
  await page.locator(".notifications-toasts .notification-toast", { hasText: "LessonL is not installed" })
    .locator(".monaco-button", { hasText: "Set Up Python Environment" }).first().click();
  report.setupProgress = await waitForToast(page, /setting up Python/, 30_000);
  report.installed = await waitForToast(page, /installed in its own Python environment/, config.timeout * 1000);
  step("environment made", { toast: report.installed });
  await openFromExplorer(page, config.file);
  await goTo(page, config.line, config.column);
  await page.waitForTimeout(1500);
  await page.keyboard.press("Control+Shift+R");
  await page.locator(".action-widget .monaco-list-row").first().waitFor({ timeout: 30_000 });
  report.codeActions = await page.locator(".action-widget .monaco-list-row").allInnerTexts();
  await page.keyboard.press("Escape");
}

/** The server process dies at start: a clear notification whose button opens the log. */
async function serverStartFails(page) {
  await waitForActivation(page);
  report.error = await waitForToast(page, /language server could not start/, 60_000);
  step("failure shown", { toast: report.error });
  await page.locator(".notifications-toasts .notification-toast", { hasText: "could not start" })
    .locator(".monaco-button", { hasText: "Show Log" }).first().click();
  const output = page.locator(".part.panel .monaco-editor .view-lines").first();
  await output.waitFor({ timeout: 20_000 });
  await page.waitForTimeout(1000);
  report.log = (await output.innerText()).replace(/\u00a0/g, " ");
  step("log opened");
  await shot(page, "server-start-fails");
}

/** Texts of the code lenses shown in the active editor. */
async function codeLenses(page) {
  return page.locator(".editor-group-container.active .monaco-editor .codelens-decoration").allInnerTexts()
    .then((texts) => texts.map((t) => t.replace(/\u00a0/g, " ").trim()).filter(Boolean));
}

/** The batch report is a webview: an iframe holding the page's own iframe. */
function batchFrame(page) {
  return page.frameLocator("iframe.webview").last().frameLocator("iframe#active-frame");
}

/**
 * "LessonL: Profile Benchmark", the hotspot lenses over the hot functions of the open file;
 * then "LessonL: Optimize Hot Functions (Batch)" for the N hottest to its report view, and
 * Accept on the first win.
 */
async function hotspotsBatch(page) {
  await activation(page);
  await page.locator(".explorer-folders-view .monaco-list-row", { hasText: config.folderName }).first().click();
  await openFromExplorer(page, config.file);
  await page.waitForTimeout(1500);
  report.lensesBefore = await codeLenses(page);
  await runCommand(page, "LessonL: Profile Benchmark");
  step("profile command");
  report.profiled = await waitForToast(page, /profiled the benchmark|cannot profile/, config.timeout * 1000);
  step("profiled", { toast: report.profiled });
  await waitUntil(async () => (await codeLenses(page)).some((t) => /of benchmark time/.test(t)), 30_000);
  report.lenses = await codeLenses(page);
  step("hotspot lenses", { lenses: report.lenses });
  await clearToasts(page);
  await page.mouse.move(1500, 700); // no tooltip in the picture
  await page.waitForTimeout(800);
  await shot(page, "hotspot-lens", true);

  await runCommand(page, "LessonL: Optimize Hot Functions (Batch)");
  const input = page.locator(".quick-input-widget input.input");
  await input.waitFor({ timeout: 10_000 });
  await input.fill(String(config.top));
  await page.keyboard.press("Enter");
  step("batch started", { top: config.top });
  const tab = page.locator(".tab", { hasText: "LessonL batch report" });
  const deadline = Date.now() + config.timeout * 1000;
  while (Date.now() < deadline && !(await tab.count())) {
    for (const text of await toasts(page)) {
      if (/LessonL/.test(text) && !report.progress.includes(text)) {
        report.progress.push(text);
      }
      if (/batch failed|internal error|is not running/i.test(text)) {
        throw new Error(`the batch ended without a report: ${text}`);
      }
    }
    await page.waitForTimeout(300);
  }
  await tab.first().waitFor({ timeout: 5_000 });
  const frame = batchFrame(page);
  await frame.locator("section.function").first().waitFor({ timeout: 20_000 });
  report.batchDone = await waitForToast(page, /batch done/, 20_000).catch(() => "");
  report.reportSections = await frame.locator("section.function h2").allInnerTexts();
  report.reportVerdicts = await frame.locator("section.function .verdict").allInnerTexts();
  report.reportSpeedups = await frame.locator("section.function .speedup").allInnerTexts();
  report.chartBars = await frame.locator("svg.chart rect").count();
  report.acceptButtons = await frame.locator("button.accept").count();
  step("report shown", { sections: report.reportSections, verdicts: report.reportVerdicts });
  await clearToasts(page);
  await runCommand(page, "View: Toggle Primary Side Bar Visibility"); // room for the report
  await page.mouse.move(1500, 700);
  await page.waitForTimeout(1200);
  await shot(page, "batch-report", true);
  await runCommand(page, "View: Toggle Primary Side Bar Visibility");

  const first = frame.locator("button.accept").first();
  report.acceptedKey = await first.getAttribute("data-key");
  await first.click();
  report.accepted = await waitForToast(page, /applied the batch win/, 30_000);
  step("accepted", { toast: report.accepted });
  await page.waitForTimeout(1500); // the save reaches the disk
  report.acceptedState = await frame.locator(".state.accepted").allInnerTexts();
  report.acceptButtonsAfter = await frame.locator("button.accept").count();
}

const SCENARIOS = { activation, optimize, reject, endpointDown, missingLessonl, serverStartFails, hotspotsBatch };

async function main() {
  const run = SCENARIOS[scenario];
  if (!run) {
    throw new Error(`unknown scenario ${scenario}; known: ${Object.keys(SCENARIOS).join(", ")}`);
  }
  const { browser, page } = await openWorkbench(config.url, config.folder);
  page.on("pageerror", (error) => report.errors.push(String(error)));
  try {
    await run(page);
    report.ok = true;
    await shot(page, `${scenario}-final`).catch(() => undefined);
  } catch (error) {
    report.ok = false;
    report.failure = String(error?.stack || error);
    report.toastsAtFailure = await toasts(page);
    await shot(page, `${scenario}-failure`).catch(() => undefined);
  } finally {
    writeFileSync(config.report, JSON.stringify(report, null, 2));
    await browser.close();
  }
  process.exit(report.ok ? 0 : 1);
}

main().catch((error) => {
  console.error(error);
  process.exit(2);
});
