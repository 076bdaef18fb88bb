// The local dashboard (issue 17), in a real browser: Debian's Chromium driven by
// playwright-core loads every page of a seeded project, checks what the matrix,
// inventory, audit and store pages say, and that no canary value appears in any DOM
// or any network response; then each kind of foreign request is refused.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Browser, chromium } from "playwright-core";
import { cleanEnv, ROOT, runCli, spawnCli, tempProject } from "../helpers/cli.js";
import { until } from "../helpers/wait.js";

const CANARIES = {
  API_KEY: "canary-api-key-31f7c0",
  DB_PASSWORD: "canary-db-pass-8d21aa",
  PORT: "49152",
};

const CONFIG = `environments:
  local: {}
  staging: { secrets: { from: [store, env] } }
  production: {}
variables:
  PORT: { type: port, default: ${CANARIES.PORT} }
  API_KEY:
    secret: true
    ref: 'store://API_KEY'
    rotation: { every: 30d }
    owner: platform
  DB_PASSWORD:
    secret: true
    ref: { local: 'store://DB_PASSWORD', staging: 'store://DB_PASSWORD', production: 'store://DB_PASSWORD' }
  MISSING_SECRET: { secret: true, description: no source declared }
`;

const ARTIFACTS = join(ROOT, "dist", "test-artifacts");

/** The link `strongbox ui` prints on stderr. */
async function dashboardLink(ui: ReturnType<typeof spawnCli>): Promise<string> {
  await until("the dashboard link", () => /dashboard at (\S+)/.test(ui.stderr()), 15_000);
  return (/dashboard at (\S+)/.exec(ui.stderr()) as RegExpExecArray)[1] as string;
}

/** One raw HTTP request, with headers as given (the browser would never send some of them). */
function raw(
  port: number,
  options: {
    path?: string;
    host?: string;
    origin?: string;
    method?: string;
    cookie?: string;
    fetchSite?: string;
  },
): Promise<{
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path: options.path ?? "/",
        method: options.method ?? "GET",
        headers: {
          Host: options.host ?? `127.0.0.1:${port}`,
          ...(options.origin === undefined ? {} : { Origin: options.origin }),
          ...(options.cookie === undefined ? {} : { Cookie: options.cookie }),
          ...(options.fetchSite === undefined ? {} : { "Sec-Fetch-Site": options.fetchSite }),
        },
      },
      (res) => {
        let body = "";
        res.on("data", (chunk: Buffer) => {
          body += chunk.toString();
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

/**
 * Another local user's web server on another port: serves `html` and records every
 * Cookie header the browser sends it.
 */
async function foreignServer() {
  const { createServer } = await import("node:http");
  const cookies: string[] = [];
  const state = { html: "<p>hello</p>" };
  const server = createServer((req, res) => {
    if (req.headers.cookie !== undefined) cookies.push(req.headers.cookie);
    res.writeHead(200, { "Content-Type": "text/html" }).end(state.html);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    get html() {
      return state.html;
    },
    set html(text: string) {
      state.html = text;
    },
    url: `http://127.0.0.1:${port}/`,
    cookies,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

describe("strongbox ui in a real browser", () => {
  let dir: string;
  let ui: ReturnType<typeof spawnCli>;
  let url: string;
  let browser: Browser;
  before(async () => {
    dir = tempProject({ "strongbox.config.yaml": CONFIG });
    mkdirSync(ARTIFACTS, { recursive: true });
    const env = { STRONGBOX_AUDIT_FILE: join(dir, "audit.jsonl") };
    assert.equal((await runCli(["init"], { cwd: dir, env })).code, 0);
    for (const name of ["API_KEY", "DB_PASSWORD"] as const)
      assert.equal((await runCli(["set", name], { cwd: dir, env, input: CANARIES[name] })).code, 0);
    await runCli(["get", "API_KEY"], { cwd: dir, env });
    await runCli(["get", "NOT_THERE"], { cwd: dir, env });
    ui = spawnCli(["ui"], { cwd: dir, env: cleanEnv(dir, env) });
    url = await dashboardLink(ui);
    browser = await chromium.launch({
      executablePath: process.env.STRONGBOX_CHROMIUM ?? "/usr/bin/chromium",
      args: ["--no-sandbox"],
    });
  });
  after(async () => {
    await browser?.close();
    ui?.kill("SIGTERM");
  });

  it("every page loads, says what it should, and no value appears in any DOM or response", async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    const bodies: string[] = [];
    page.on("response", async (response) => {
      bodies.push(await response.text().catch(() => ""));
    });
    await page.goto(url);
    // The token was traded for a cookie and left the address bar.
    assert.ok(!page.url().includes("token="), page.url());
    assert.equal(await page.title(), "Strongbox · Environments");
    const missing = await page.getAttribute(
      '#matrix tr:has(th:has-text("MISSING_SECRET")) td[data-env="staging"]',
      "class",
    );
    assert.match(missing ?? "", /missing/);
    const forbidden = await page.getAttribute(
      '#matrix tr:has(th:has-text("API_KEY")) td[data-env="production"]',
      "class",
    );
    assert.match(
      forbidden ?? "",
      /forbidden/,
      "production is pure Vault: a store ref is forbidden there",
    );
    await page.screenshot({ path: join(ARTIFACTS, "ui-matrix.png"), fullPage: true });
    const pages: Array<[string, (text: string) => void]> = [
      ["/inventory", (text) => assert.match(text, /API_KEY[\s\S]*platform[\s\S]*30d/)],
      ["/audit", (text) => assert.match(text, /missing/)],
      ["/audit?outcome=ok&name=API_KEY", (text) => assert.doesNotMatch(text, /NOT_THERE/)],
      ["/explain?name=API_KEY&env=local", (text) => assert.match(text, /store:\/\/API_KEY/)],
      ["/store", (text) => assert.match(text, /2 secret\(s\)/)],
    ];
    // Every page lives under the dashboard's random path, which the redirect gave.
    const base = page.url();
    assert.match(base, /^http:\/\/127\.0\.0\.1:\d+\/[A-Za-z0-9_-]{32}\/$/);
    for (const [path, check] of pages) {
      await page.goto(new URL(path.slice(1), base).href);
      const text = await page.innerText("main");
      check(text);
      if (path === "/audit")
        assert.match(await page.content(), /<svg id="chart"[\s\S]*class="bar-ok"/);
      if (path === "/inventory")
        assert.match(
          await page.content(),
          /<svg id="rotations"[\s\S]*<title>API_KEY: last rotated/,
        );
      const html = await page.content();
      for (const canary of Object.values(CANARIES).slice(0, 2))
        assert.ok(!html.includes(canary), `${path}: a value in the DOM`);
      await page.screenshot({
        path: join(ARTIFACTS, `ui-${path.slice(1).split("?")[0] || "home"}.png`),
        fullPage: true,
      });
    }
    for (const body of bodies)
      for (const canary of [CANARIES.API_KEY, CANARIES.DB_PASSWORD])
        assert.ok(!body.includes(canary), "a value in a network response");
    await page.close();
  });

  it("attack: another local user's server on another port gets no cookie, and neither a replayed cookie nor a page on another port reads anything", async () => {
    const context = await browser.newContext();
    const foreign = await foreignServer();
    try {
      const page = await context.newPage();
      // A fresh dashboard session in this browser (its own ui process: the link works once).
      const own = spawnCli(["ui"], { cwd: dir, env: cleanEnv(dir, {}) });
      try {
        await page.goto(await dashboardLink(own));
        const base = new URL(page.url());
        const port = Number(base.port);
        assert.match(await page.innerText("main"), /API_KEY/);
        // 1. The user visits the other server (every path kind): the browser sends it no dashboard cookie.
        for (const path of ["/", "/inventory", "/style.css", "/other/page"])
          await page.goto(new URL(path, foreign.url).href);
        assert.deepEqual(
          foreign.cookies.filter((c) => c.includes("strongbox_ui")),
          [],
          "the dashboard cookie went to another port",
        );
        // 2. Worst case, the cookie leaked anyway: replayed to every page, with the headers a browser
        // would send, it opens nothing without the dashboard's path.
        const cookie = (await context.cookies()).find((c) => c.name.startsWith("strongbox_ui"));
        assert.ok(cookie !== undefined);
        for (const path of [
          "/",
          "/inventory",
          "/audit",
          "/store",
          "/vault",
          "/style.css",
          "/?refresh=1",
          "/explain?name=API_KEY",
        ]) {
          const replay = await raw(port, {
            path,
            cookie: `${cookie.name}=${cookie.value}`,
            fetchSite: "same-origin",
          });
          assert.equal(replay.status, 403, `replayed cookie opened ${path}`);
          assert.ok(!replay.body.includes("API_KEY"));
        }
        // 3. A page on another port linking or embedding the dashboard's own path (were it known):
        // the browser marks it same-site, not same-origin, and it is refused.
        foreign.html = `<a id="go" href="${base.href}inventory">go</a>`;
        await page.goto(foreign.url);
        await page.click("#go");
        assert.doesNotMatch(await page.content(), /API_KEY/);
        assert.match(await page.content(), /requests from other pages are refused/);
        // The same request from the dashboard's own page works.
        await page.goto(base.href);
        await page.click('nav a[href="inventory"]');
        assert.match(await page.innerText("main"), /API_KEY/);
      } finally {
        own.kill("SIGTERM");
        await own.exited;
      }
    } finally {
      await foreign.close();
      await context.close();
    }
  });

  it("refuses: no session, a used token, another Host, another Origin, a write; strict headers everywhere", async () => {
    const port = Number(new URL(url).port);
    const noSession = await raw(port, {});
    assert.equal(noSession.status, 403);
    const reused = await raw(port, { path: new URL(url).pathname + new URL(url).search });
    assert.equal(reused.status, 403, "the one-time token was used by the browser");
    const rebinding = await raw(port, { host: `evil.example:${port}` });
    assert.equal(rebinding.status, 421);
    // A session taken from a browser context, then replayed with a foreign Origin.
    const context = await browser.newContext();
    const page = await context.newPage();
    const fresh = await raw(port, {});
    assert.equal(fresh.status, 403);
    await page.close();
    await context.close();
    const foreign = await raw(port, { origin: "http://evil.example" });
    assert.equal(foreign.status, 403);
    const post = await raw(port, { method: "POST" });
    assert.equal(post.status, 405);
    for (const response of [noSession, rebinding, foreign, post]) {
      assert.match(String(response.headers["content-security-policy"]), /default-src 'none'/);
      assert.equal(response.headers["access-control-allow-origin"], undefined);
    }
  });
});

describe("strongbox ui --live against a real bao", () => {
  it("the matrix marks equal values with the same letter and the Vault page shows the server and credential, never a value", async () => {
    const { readOnlyToken, startBao } = await import("../helpers/bao.js");
    const bao = await startBao();
    const values = {
      shared: "canary-shared-7f1e",
      staging: "canary-stg-a0c2",
      production: "canary-prd-99b4",
    };
    let ui: ReturnType<typeof spawnCli> | undefined;
    const browser = await chromium.launch({
      executablePath: process.env.STRONGBOX_CHROMIUM ?? "/usr/bin/chromium",
      args: ["--no-sandbox"],
    });
    try {
      bao.cli([
        "kv",
        "put",
        "-mount=secret",
        "staging",
        `API_KEY=${values.shared}`,
        `DB=${values.staging}`,
      ]);
      bao.cli([
        "kv",
        "put",
        "-mount=secret",
        "production",
        `API_KEY=${values.shared}`,
        `DB=${values.production}`,
      ]);
      const token = readOnlyToken(bao);
      const dir = tempProject({
        "strongbox.config.yaml": `vault: { allowInsecure: true }
environments:
  staging: {}
  production: {}
variables:
  API_KEY: { secret: true, ref: { staging: 'vault://secret/staging#API_KEY', production: 'vault://secret/production#API_KEY' } }
  DB: { secret: true, ref: { staging: 'vault://secret/staging#DB', production: 'vault://secret/production#DB' } }
`,
      });
      ui = spawnCli(["ui", "--live"], {
        cwd: dir,
        env: cleanEnv(dir, { VAULT_ADDR: bao.addr, VAULT_TOKEN: token }),
      });
      const link = await dashboardLink(ui);
      const context = await browser.newContext();
      const page = await context.newPage();
      const bodies: string[] = [];
      page.on("response", async (response) => {
        bodies.push(await response.text().catch(() => ""));
      });
      await page.goto(link);
      const group = (name: string, env: string) =>
        page.innerText(`#matrix tr:has(th:has-text("${name}")) td[data-env="${env}"] .value-group`);
      assert.equal(await group("API_KEY", "staging"), await group("API_KEY", "production"));
      assert.notEqual(await group("DB", "staging"), await group("DB", "production"));
      await page.screenshot({ path: join(ARTIFACTS, "ui-live-matrix.png"), fullPage: true });
      // One resolution serves reloads for a while (no new reads in the audit); ?refresh=1 resolves again.
      const reads = async () =>
        (
          JSON.parse((await runCli(["audit", "--format", "json"], { cwd: dir })).stdout) as {
            events: Array<{ action: string }>;
          }
        ).events.filter((event) => event.action === "read").length;
      const resolvedAt = () => page.getAttribute("#live time", "datetime");
      const first = await resolvedAt();
      const readsBefore = await reads();
      assert.ok(readsBefore >= 4, `each environment's two secrets were read: ${readsBefore}`);
      await page.reload();
      assert.equal(await resolvedAt(), first);
      assert.equal(await reads(), readsBefore, "a reload reads nothing again");
      // Attack: a page on another local port makes the browser ask for a resolution (<img>,
      // with the session cookie where the browser would send it), guessing or knowing the path.
      const base = page.url();
      const foreign = await foreignServer();
      try {
        const port = new URL(base).port;
        foreign.html = [
          "/?refresh=1",
          "/",
          `${new URL(base).pathname}?refresh=1`,
          new URL(base).pathname,
        ]
          .map((path) => `<img src="http://127.0.0.1:${port}${path}">`)
          .join("");
        const attacker = await context.newPage();
        await attacker.goto(foreign.url);
        await attacker.waitForLoadState("networkidle");
        await attacker.close();
      } finally {
        await foreign.close();
      }
      assert.equal(await reads(), readsBefore, "a foreign page forced no resolution");
      // A reused or made-up nonce does not force one either; the page's own link does, once.
      await page.goto(new URL("?refresh=1", base).href);
      assert.equal(await resolvedAt(), first);
      const again = (await page.getAttribute("#live a", "href")) as string;
      await page.click("#live a");
      assert.notEqual(await resolvedAt(), first);
      assert.equal(await reads(), readsBefore * 2, "resolve again reads every secret again");
      const second = await resolvedAt();
      await page.goto(new URL(again, base).href);
      assert.equal(await resolvedAt(), second, "a nonce works once");
      assert.equal(await reads(), readsBefore * 2);
      await page.goto(new URL("vault", base).href);
      const vault = await page.innerText("#vault");
      assert.match(vault, /unsealed/);
      assert.match(vault, /app-read/);
      assert.ok(!vault.includes(token), "the token is never shown");
      for (const body of [...bodies, await page.content()])
        for (const secret of [...Object.values(values), token]) assert.ok(!body.includes(secret));
      await page.close();
    } finally {
      await browser.close();
      ui?.kill("SIGTERM");
      await bao.stop();
    }
  });
});
