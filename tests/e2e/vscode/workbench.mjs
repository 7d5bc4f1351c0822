// Small helpers that drive the VS Code workbench (code-server in Chromium) the way a person
// does: the explorer, the command palette, the keyboard. Facts that shaped them: opening
// files from the explorer is reliable (Ctrl+P is not while the Welcome page has focus) and
// hover by keyboard (Ctrl+K Ctrl+I) is reliable where mouse hover is not.
import { chromium } from "playwright-core";

export const CHROMIUM_ARGS = [
  "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
  // nothing may reach the network: no background fetches, updates, sync or metrics
  "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-features=Translate,MediaRouter,OptimizationHints",
  "--disable-default-apps", "--no-first-run", "--metrics-recording-only", "--disable-domain-reliability",
];

export async function openWorkbench(url, folder, { width = 1600, height = 1000 } = {}) {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", args: CHROMIUM_ARGS });
  const page = await browser.newPage({ viewport: { width, height } });
  await page.goto(`${url}/?folder=${encodeURIComponent(folder)}`);
  await page.waitForSelector(".monaco-workbench .part.editor", { timeout: 90_000 });
  return { browser, page };
}

/** Wait until the status bar shows LessonL's item: the extension is active. */
export async function waitForActivation(page, timeout = 60_000) {
  await page.locator("#lessonl\\.lessonl\\.lessonl\\.status, .statusbar-item:has-text('LessonL')").first().waitFor({ timeout });
}

export async function runCommand(page, title) {
  await page.keyboard.press("F1");
  const input = page.locator(".quick-input-widget input.input");
  await input.waitFor({ timeout: 10_000 });
  await input.fill(`>${title}`);
  const row = page.locator(".quick-input-widget .monaco-list-row", { hasText: title }).first();
  await row.waitFor({ timeout: 10_000 });
  await row.click();
}

/** The labels the command palette offers for a search text. */
export async function paletteEntries(page, text) {
  await page.keyboard.press("F1");
  const input = page.locator(".quick-input-widget input.input");
  await input.waitFor({ timeout: 10_000 });
  await input.fill(`>${text}`);
  await page.waitForTimeout(800);
  const labels = await page.locator(".quick-input-widget .monaco-list-row .label-name").allInnerTexts();
  await page.keyboard.press("Escape");
  return labels;
}

export async function openFromExplorer(page, name) {
  const row = page.locator(".explorer-folders-view .monaco-list-row", { hasText: name }).first();
  await row.waitFor({ timeout: 20_000 });
  await row.dblclick();
  await page.locator(`.tab[data-resource-name="${name}"], .tab:has-text("${name}")`).first().waitFor({ timeout: 20_000 });
  await page.locator(".monaco-editor .view-lines").first().waitFor({ timeout: 20_000 });
}

/** Put the cursor at a 1-based line and column with "Go to Line". */
export async function goTo(page, line, column = 1) {
  await page.locator(".editor-group-container.active .monaco-editor .view-lines").first().click();
  await page.keyboard.press("Control+G");
  const input = page.locator(".quick-input-widget input.input");
  await input.waitFor({ timeout: 10_000 });
  await input.fill(`:${line}:${column}`);
  await page.keyboard.press("Enter");
  await page.waitForTimeout(300);
}

/** Texts of the visible notification toasts. */
export async function toasts(page) {
  return page.locator(".notifications-toasts .notification-toast").allInnerTexts().catch(() => []);
}

export async function waitForToast(page, pattern, timeout) {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    const found = (await toasts(page)).find((t) => pattern.test(t));
    if (found) {
      return found;
    }
    await page.waitForTimeout(250);
  }
  throw new Error(`no notification matching ${pattern} within ${timeout / 1000} s; showing: ${JSON.stringify(await toasts(page))}`);
}

export async function clearToasts(page) {
  await runCommand(page, "Notifications: Clear All Notifications").catch(() => undefined);
}

/** The text of the first error notification (red icon) to appear. */
export async function waitForErrorToast(page, timeout) {
  const error = page.locator(".notifications-toasts .notification-toast:has(.codicon-error)").first();
  await error.waitFor({ timeout });
  return error.innerText();
}

/** Drag the side bar's edge to the right, so tree labels are readable in screenshots. */
export async function widenSideBar(page, pixels) {
  const box = await page.locator(".part.sidebar").boundingBox();
  if (!box) {
    return;
  }
  const y = box.y + box.height / 2;
  await page.mouse.move(box.x + box.width + 1, y);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width + pixels, y, { steps: 8 });
  await page.mouse.up();
}

/** Progress notifications still running (a withProgress toast whose bar has not finished). */
export async function runningProgress(page) {
  return page.locator(".notifications-toasts .notification-toast .monaco-progress-container.active:not(.done)").count();
}

/** Poll `check` until it is true or the time is up; whether it became true. */
export async function waitUntil(check, timeout, every = 250) {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    if (await check()) {
      return true;
    }
    await new Promise((resolve) => setTimeout(resolve, every));
  }
  return false;
}
