// The dashboard part of journey 1: the newcomer opens `strongbox ui` in
// Chromium on the project the journey built, at a laptop's width and a
// phone's, and pages through a long audit log.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Page } from "playwright-core";
import { cleanEnv, spawnCli } from "../helpers/cli.js";
import type { Journey } from "../helpers/journey.js";
import { until } from "../helpers/wait.js";

/** Starts `strongbox ui` in the journey's project and returns its link and a stop function. */
async function dashboard(j: Journey, env: Record<string, string> = {}) {
  const ui = spawnCli(["ui"], { cwd: j.dir, env: cleanEnv(j.dir, env) });
  await until("the dashboard link", () => /dashboard at (\S+)/.test(ui.stderr()), 15_000);
  const link = (/dashboard at (\S+)/.exec(ui.stderr()) as RegExpExecArray)[1] as string;
  return { link, stop: () => ui.kill("SIGTERM"), stderr: ui.stderr };
}

/** The page is as wide as the window: nothing clipped or pushing a sideways scroll. */
async function fitsWidth(page: Page, what: string): Promise<void> {
  // A string: the test compiles without the DOM's types.
  const [scroll, width] = (await page.evaluate(
    "[document.documentElement.scrollWidth, window.innerWidth]",
  )) as [number, number];
  assert.ok(scroll <= width, `${what}: the page is ${scroll}px wide in a ${width}px window`);
}

const cellText = (page: Page, name: string, env: string) =>
  page.innerText(`#matrix tr:has(th:has-text("${name}")) td[data-env="${env}"]`);
const cellClass = async (page: Page, name: string, env: string) =>
  (await page.getAttribute(
    `#matrix tr:has(th:has-text("${name}")) td[data-env="${env}"]`,
    "class",
  )) ?? "";

/**
 * The declared view reads the environment's `.env` files: SESSION_SECRET
 * (no schema ref; `.env` names the store) is not red, PORT shows its `.env`
 * line rather than "default". Every page fits a 360 px window. No canary in
 * any DOM or response.
 */
export async function dashboardSteps(j: Journey): Promise<void> {
  const browser = await chromium.launch({
    executablePath: process.env.STRONGBOX_CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox"],
  });
  const ui = await dashboard(j);
  try {
    j.note("strongbox ui (Chromium)");
    const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    page.setDefaultTimeout(5000);
    const bodies: string[] = [];
    page.on("response", async (response) => {
      bodies.push(await response.text().catch(() => ""));
    });
    await page.goto(ui.link);
    const session = await cellText(page, "SESSION_SECRET", "local");
    assert.match(session, /store:\/\/SESSION_SECRET \(\.env line 3\)/);
    assert.doesNotMatch(await cellClass(page, "SESSION_SECRET", "local"), /missing/);
    assert.match(await cellText(page, "DATABASE_URL", "local"), /\.env line 2/);
    assert.match(await cellText(page, "PORT", "local"), /^\.env line 1/);
    // Production reads no .env: there the schema alone speaks, and a secret nobody declared is red.
    assert.match(await cellClass(page, "SESSION_SECRET", "production"), /missing/);
    const base = page.url();
    await page.setViewportSize({ width: 360, height: 740 });
    for (const path of ["", "inventory", "audit", "store", "vault", "explain?name=PORT"]) {
      await page.goto(new URL(path, base).href);
      await fitsWidth(page, `/${path}`);
      j.checkCanaries({ stdout: await page.content(), stderr: "" });
    }
    for (const body of bodies) j.checkCanaries({ stdout: body, stderr: "" });
    await page.close();
  } finally {
    ui.stop();
  }
  await auditPages(j, browser).finally(() => browser.close());
}

/** 250 records (names only): page 1 is the newest 100, "older" leads to the rest, filters kept. */
async function auditPages(j: Journey, browser: Awaited<ReturnType<typeof chromium.launch>>) {
  const file = join(j.dir, "long-audit.jsonl");
  const start = Date.parse("2026-01-01T00:00:00Z");
  const lines = Array.from({ length: 250 }, (_, i) =>
    JSON.stringify({
      v: 1,
      time: new Date(start + i * 60_000).toISOString(),
      action: "read",
      environment: "local",
      variable: i % 2 === 0 ? "SESSION_SECRET" : "DATABASE_URL",
      source: "store",
      outcome: "ok",
      pid: 1,
      note: `record-${i}`,
    }),
  );
  writeFileSync(file, `${lines.join("\n")}\n`);
  const ui = await dashboard(j, { STRONGBOX_AUDIT_FILE: file });
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    page.setDefaultTimeout(5000);
    await page.goto(ui.link);
    await page.goto(new URL("audit", page.url()).href);
    const rows = () => page.locator("#audit tbody tr").count();
    assert.equal(await rows(), 100);
    assert.match(await page.innerText("#pager"), /records 1–100 of 250 \(page 1 of 3\)/);
    assert.match(
      await page.innerText("#audit tbody tr:first-child"),
      /2026-01-01T04:09:00\.000Z/,
      "newest first",
    );
    await page.click("#pager a[rel=next]");
    await page.click("#pager a[rel=next]");
    assert.equal(await rows(), 50);
    assert.match(await page.innerText("#pager"), /records 201–250 of 250 \(page 3 of 3\)/);
    assert.match(await page.innerText("#audit tbody tr:last-child"), /2026-01-01T00:00:00\.000Z/);
    // A filter stays on while paging.
    await page.goto(new URL("audit?name=SESSION_SECRET", page.url()).href);
    assert.match(await page.innerText("#pager"), /of 125 \(page 1 of 2\)/);
    await page.click("#pager a[rel=next]");
    assert.match(page.url(), /name=SESSION_SECRET/);
    assert.equal(await rows(), 25);
    await page.close();
  } finally {
    ui.stop();
  }
}
