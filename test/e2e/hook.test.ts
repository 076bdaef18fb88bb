// `strongbox hook`: a real git repository in a temporary HOME (GIT_CONFIG_NOSYSTEM=1), a real
// `git commit` refused or allowed by the installed pre-commit hook. The staged content is what
// counts (the index, or git's temporary index under `commit -a`), never the working tree. The
// refused variants are generated: every encoded form the scan's detector knows, every spelling
// of a file Strongbox fills with secrets (at the top and in a subdirectory), and no output may
// hold the value.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { cleanEnv, cliCommand, runCli, tempProject } from "../helpers/cli.js";

/** Characters that URL-encode and JSON-escape, so every form differs from the plain one. */
const SECRET = 'sk_live_hook/Canary+7Qm2"Xv9Lw4';
const CONFIG = "variables:\n  API_KEY: { secret: true }\n  PORT: { type: port, default: 3000 }\n";

/** A git repository with the config, the secret in an ignored .env, and `strongbox` on PATH. */
function repo(): { dir: string; env: Record<string, string> } {
  const dir = tempProject({
    "strongbox.config.yaml": CONFIG,
    ".env": `API_KEY='${SECRET}'\n`,
    ".gitignore": ".env\nbin/\n",
  });
  const { command, prefix } = cliCommand();
  mkdirSync(join(dir, "bin"));
  writeFileSync(
    join(dir, "bin", "strongbox"),
    `#!/bin/sh\nexec ${[command, ...prefix].map((part) => `'${part}'`).join(" ")} "$@"\n`,
    { mode: 0o755 },
  );
  const env = cleanEnv(dir, {
    PATH: `${join(dir, "bin")}:${process.env.PATH}`,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_AUTHOR_NAME: "t",
    GIT_AUTHOR_EMAIL: "t@example.com",
    GIT_COMMITTER_NAME: "t",
    GIT_COMMITTER_EMAIL: "t@example.com",
  });
  git(dir, env, "init", "-q");
  return { dir, env };
}

function git(dir: string, env: Record<string, string>, ...args: string[]) {
  const result = spawnSync("git", args, { cwd: dir, env, encoding: "utf8" });
  return { code: result.status, out: `${result.stdout}${result.stderr}` };
}

function write(dir: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
}

async function install(dir: string, env: Record<string, string>, ...args: string[]) {
  return runCli(["hook", "install", ...args], { cwd: dir, env });
}

/** Every form the scan's detector looks for, each in a file of its own. */
const ENCODED: Record<string, string> = {
  "plain.js": `const key = "${SECRET}";\n`,
  "base64.txt": `cfg: ${Buffer.from(SECRET).toString("base64")}\n`,
  "base64url.txt": `x\ny\n${Buffer.from(SECRET).toString("base64url")}\n`,
  "url.txt": `https://x.example/?k=${encodeURIComponent(SECRET)}\n`,
  "json.json": `${JSON.stringify({ k: SECRET })}\n`,
};

/** Every spelling of an output a package.json script gives render or export, by the file it writes. */
const SCRIPTED: Record<string, string> = {
  "out/a.env": "strongbox render -i a.ctmpl -o out/a.env",
  "out/b.env": "npx strongbox render --output=out/b.env -i b.ctmpl",
  "out/c.env": "strongbox render -t x.ctmpl:out/c.env:'kill -HUP 1' && echo done",
  "out/d.env": "./node_modules/.bin/strongbox render --template=y.ctmpl:out/d.env",
  "out/e.sh": "strongbox export --format shell > out/e.sh",
  "out/f.env": "strongbox export -o out/f.env",
  "out/g.json": 'strongbox export --format json --output "out/g.json"',
};
const SCRIPTS = {
  ...Object.fromEntries(Object.values(SCRIPTED).map((line, i) => [`s${i}`, line])),
  other: "echo hi > out/not-rendered.txt",
};

describe("strongbox hook (a real git commit)", () => {
  it("refuses a commit whose staged files hold a secret's value, in every encoded form, by file and line", async () => {
    const { dir, env } = repo();
    assert.equal((await install(dir, env)).code, 0);
    write(dir, ENCODED);
    git(dir, env, "add", "-A");
    const refused = git(dir, env, "commit", "-m", "leak");
    assert.notEqual(refused.code, 0, refused.out);
    assert.ok(!refused.out.includes(SECRET), "never the value");
    assert.ok(
      !refused.out.includes(Buffer.from(SECRET).toString("base64")),
      "never an encoded form",
    );
    const expected = ["plain.js:1", "base64.txt:1", "base64url.txt:3", "url.txt:1", "json.json:1"];
    for (const place of expected)
      assert.match(refused.out, new RegExp(`✗ ${place.replace(".", "\\.")}: the value of API_KEY`));
    assert.match(refused.out, /git commit --no-verify skips this check/);
    assert.equal(git(dir, env, "rev-parse", "--verify", "-q", "HEAD").code, 1, "nothing committed");
  });

  it("checks the staged content, not the working tree, including git's temporary index under commit -a", async () => {
    const { dir, env } = repo();
    assert.equal((await install(dir, env)).code, 0);
    write(dir, { "app.js": "const key = process.env.API_KEY;\n" });
    git(dir, env, "add", "app.js", "strongbox.config.yaml", ".gitignore");
    // The value only in the working tree: the commit records the clean staged file.
    write(dir, { "app.js": `const key = "${SECRET}";\n` });
    const clean = git(dir, env, "commit", "-m", "clean");
    assert.equal(clean.code, 0, clean.out);
    assert.match(clean.out, /ok: no secret in 3 staged files/);
    // `commit -a` stages it into a temporary index: refused.
    const all = git(dir, env, "commit", "-a", "-m", "all");
    assert.notEqual(all.code, 0, all.out);
    assert.match(all.out, /app\.js:1: the value of API_KEY/);
    // Staged, then removed from the working tree only: still refused.
    git(dir, env, "add", "app.js");
    write(dir, { "app.js": "const key = process.env.API_KEY;\n" });
    const staged = git(dir, env, "commit", "-m", "staged");
    assert.notEqual(staged.code, 0, staged.out);
    write(dir, { "app.js": "const key = process.env.API_KEY; // v2\n" });
    git(dir, env, "add", "app.js");
    const fixed = git(dir, env, "commit", "-m", "fixed");
    assert.equal(fixed.code, 0, fixed.out);
  });

  it("refuses every file Strongbox fills with secrets by what it is, at the top and in subdirectories", async () => {
    const { dir, env } = repo();
    assert.equal((await install(dir, env)).code, 0);
    const secretFiles = [".env.local", ".env.production", "apps/web/.env", "apps/web/.env.staging"];
    const journals = ["migrate-2026-12-07T01-00-00-000Z.jsonl", "ops/migrate-1.jsonl"];
    write(dir, {
      "agent.yaml": "templates:\n  - { source: app.ctmpl, destination: config/app.env }\n",
      "config/app.env": "PORT=1\n",
      // A file the agent signed a provenance record for, wherever it was rendered.
      "deploy/rendered.conf": "x=1\n",
      "deploy/rendered.conf.provenance.json": "{}\n",
      ".env.example": "API_KEY=\n",
      "package.json": JSON.stringify({ scripts: SCRIPTS }),
      "out/not-rendered.txt": "x\n",
      ...Object.fromEntries(Object.keys(SCRIPTED).map((file) => [file, "X=1\n"])),
      ...Object.fromEntries([...secretFiles, ...journals].map((file) => [file, "X=1\n"])),
    });
    git(dir, env, "add", "-A");
    git(dir, env, "add", "-f", "apps/web/.env"); // ignored, and added anyway
    const refused = git(dir, env, "commit", "-m", "files");
    assert.notEqual(refused.code, 0, refused.out);
    for (const file of secretFiles)
      assert.match(
        refused.out,
        new RegExp(`✗ ${file.replaceAll(".", "\\.")}: .*env-file-not-ignored`),
      );
    for (const file of journals)
      assert.match(
        refused.out,
        new RegExp(`✗ ${file.replaceAll(".", "\\.")}: .*journal-not-ignored`),
      );
    for (const file of ["config/app.env", "deploy/rendered.conf", ...Object.keys(SCRIPTED)])
      assert.match(
        refused.out,
        new RegExp(`✗ ${file.replaceAll(".", "\\.")}: .*rendered-file-not-ignored`),
      );
    assert.ok(!/✗ \.env\.example/.test(refused.out), "an example is not refused");
    assert.ok(!/✗ out\/not-rendered\.txt/.test(refused.out), "another program's output is not");
    assert.ok(!/✗ deploy\/rendered\.conf\.provenance\.json/.test(refused.out));
  });

  it("lint: the outputs package.json scripts render are found before the first render", async () => {
    const { dir, env } = repo();
    write(dir, { "package.json": JSON.stringify({ scripts: SCRIPTS }) });
    const lint = await runCli(["lint", "--json"], { cwd: dir, env });
    const found = JSON.parse(lint.stdout)
      .findings.filter((f: { rule: string }) => f.rule === "rendered-file-not-ignored")
      .map((f: { message: string }) => f.message.split(" ")[0])
      .sort();
    assert.deepEqual(found, Object.keys(SCRIPTED).sort());
  });

  it("installs into core.hooksPath, never clobbers a hook (refused, or --chain runs it after), uninstalls", async () => {
    const { dir, env } = repo();
    git(dir, env, "config", "core.hooksPath", ".githooks");
    mkdirSync(join(dir, ".githooks"));
    const mine = join(dir, ".githooks", "pre-commit");
    writeFileSync(mine, `#!/bin/sh\necho my-own-hook-ran > "${join(dir, "ran")}"\n`, {
      mode: 0o755,
    });
    const refused = await install(dir, env);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /exists and is not Strongbox's.*--chain/s);
    assert.match(readFileSync(mine, "utf8"), /my-own-hook-ran/);
    const chained = await install(dir, env, "--chain");
    assert.equal(chained.code, 0, chained.stderr);
    assert.match(chained.stderr, /kept as .*pre-commit\.pre-strongbox/);
    assert.ok(!existsSync(join(dir, ".git", "hooks", "pre-commit")), "not in .git/hooks");
    // Installing again replaces only its own hook.
    assert.equal((await install(dir, env, "--chain")).code, 0);
    write(dir, { "leak.txt": `${SECRET}\n` });
    git(dir, env, "add", "leak.txt");
    assert.notEqual(git(dir, env, "commit", "-m", "leak").code, 0);
    assert.ok(!existsSync(join(dir, "ran")), "the chained hook runs only after the check passes");
    git(dir, env, "rm", "-q", "--cached", "leak.txt");
    git(dir, env, "add", "strongbox.config.yaml");
    const ok = git(dir, env, "commit", "-m", "ok");
    assert.equal(ok.code, 0, ok.out);
    assert.ok(existsSync(join(dir, "ran")), "then the chained hook ran");
    const removed = await runCli(["hook", "uninstall"], { cwd: dir, env });
    assert.equal(removed.code, 0, removed.stderr);
    assert.match(readFileSync(mine, "utf8"), /my-own-hook-ran/, "the chained hook is back");
    assert.doesNotMatch(chained.stderr, /outside this repository/);
    // A hooks directory outside the repository (a global core.hooksPath) serves others too: said.
    const global = tempProject();
    git(dir, env, "config", "core.hooksPath", global);
    const shared = await install(dir, env);
    assert.equal(shared.code, 0, shared.stderr);
    assert.match(shared.stderr, /outside this repository: the hook runs for every repository/);
    assert.ok(existsSync(join(global, "pre-commit")));
  });

  it("a project in a subdirectory: the hook names its config (none at the top); lint finds what git would commit anywhere", async () => {
    const { dir, env } = repo();
    write(dir, {
      "apps/api/strongbox.config.yaml": CONFIG,
      "apps/api/.env": `API_KEY='${SECRET}'\n`,
    });
    const sub = join(dir, "apps", "api");
    assert.equal((await runCli(["hook", "install"], { cwd: sub, env })).code, 0);
    assert.match(
      readFileSync(join(dir, ".git", "hooks", "pre-commit"), "utf8"),
      /-c 'apps\/api\/strongbox\.config\.yaml'/,
    );
    write(dir, { "apps/api/src/a.js": `"${SECRET}"\n` });
    git(dir, env, "add", "apps/api/src/a.js");
    const refused = git(dir, env, "commit", "-m", "x");
    assert.match(refused.out, /apps\/api\/src\/a\.js:1: the value of API_KEY/);
    // lint: a .env in a subdirectory, and a .env already committed although ignored now.
    git(dir, env, "add", "-f", "apps/api/.env");
    git(dir, env, "commit", "-q", "--no-verify", "-m", "committed before the ignore rule");
    write(dir, { "apps/api/.gitignore": ".env\n" });
    const lint = await runCli(["lint", "--json"], { cwd: sub, env });
    const messages = JSON.parse(lint.stdout).findings.map((f: { message: string }) => f.message);
    assert.ok(
      messages.some((m: string) => /^\.env .*is tracked by git/.test(m)),
      messages.join("\n"),
    );
    assert.ok(!lint.stdout.includes(SECRET));
  });
});

describe("strongbox hook: a staged file's name is printed, never acted on", () => {
  /** Directory names a committer chooses: each would forge or break a report line, or a pasted command. */
  const NAMES = [
    "a\n  ✗ all-clear.txt: nothing found (ok)\nstrongbox: ok: no secret in 1 staged file",
    "cr\rover",
    "esc\u001b[2Jclear",
    "tab\there",
    "bidi\u202eevil",
    "sp ace",
    "q'uote $(id) `id` \\back",
    "-dash",
    "line\u2028sep",
  ];

  it("each finding stays on its lines, and its hint's path, pasted into a shell, names the file", async () => {
    const { dir, env } = repo();
    for (const name of NAMES) write(dir, { [`${name}/.env`]: "X=1\n" });
    for (const name of NAMES)
      assert.equal(git(dir, env, "add", "-f", "--", `${name}/.env`).code, 0);
    const result = await runCli(["hook", "run"], { cwd: dir, env });
    assert.notEqual(result.code, 0);
    const lines = `${result.stdout}${result.stderr}`.split("\n").filter((line) => line !== "");
    for (const line of lines)
      assert.match(
        line,
        /^(strongbox: | {2}✗ | {6}hint: )/,
        `a line the report did not write: ${line}`,
      );
    assert.equal(lines.filter((line) => line.startsWith("  ✗ ")).length, NAMES.length);
    assert.ok(!lines.some((line) => /^strongbox: ok/.test(line)), "a forged ok line");
    const pasted = lines.flatMap(
      (line) => /git restore --staged -- (.*?)\); /.exec(line)?.[1] ?? [],
    );
    assert.equal(pasted.length, NAMES.length);
    const named = pasted.map((word) => {
      // The word as a person pastes it: bash reads it (the $'…' form is bash's and POSIX sh's).
      const shell = spawnSync("bash", ["-c", `printf %s ${word}`], { encoding: "utf8" });
      assert.equal(shell.status, 0, `${word}: ${shell.stderr}`);
      return shell.stdout;
    });
    assert.deepEqual(named.sort(), NAMES.map((name) => `${name}/.env`).sort());
  });
});
