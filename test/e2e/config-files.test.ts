import assert from "node:assert/strict";
import { readdirSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ROOT, runCli, tempProject, withModules } from "../helpers/cli.js";

const FIXTURE = join(ROOT, "test/fixtures/ts-project");

describe("config files", () => {
  it("loads strongbox.config.ts with imports of strongbox, zod and a relative file, with no build step", async () => {
    const cache = tempProject();
    const env = {
      API_TOKEN: "t0k3n-value",
      ADMIN_EMAIL: "ops@example.com",
      STRONGBOX_CACHE_DIR: cache,
    };
    const first = await runCli(
      ["export", "--format", "json", "--config", join(FIXTURE, "strongbox.config.ts")],
      { cwd: cache, env },
    );
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(JSON.parse(first.stdout), {
      PORT: "4000",
      API_TOKEN: "t0k3n-value",
      ADMIN_EMAIL: "ops@example.com",
    });
    const bad = await runCli(["check", "--config", join(FIXTURE, "strongbox.config.ts")], {
      cwd: cache,
      env: { ...env, ADMIN_EMAIL: "nope" },
    });
    assert.equal(bad.code, 4);
    assert.match(bad.stderr, /ADMIN_EMAIL: .*email/i);
    assert.ok(
      readdirSync(cache).some((name) => /\.[mc]js$/.test(name)),
      "the compiled config is cached",
    );
  });

  it("recompiles a cached TypeScript config when it changes, and reports compile errors with a position", async () => {
    const dir = withModules(
      tempProject({
        "strongbox.config.ts": `import { defineConfig } from "strongbox";\nexport default defineConfig({ variables: { A: { default: "one" } } });\n`,
      }),
    );
    const first = await runCli(["export"], { cwd: dir });
    assert.equal(first.stdout, "A=one\n", first.stderr);
    const path = join(dir, "strongbox.config.ts");
    writeFileSync(
      path,
      `import { defineConfig } from "strongbox";\nexport default defineConfig({ variables: { A: { default: "two" } } });\n`,
    );
    utimesSync(path, new Date(), new Date(Date.now() + 5000));
    assert.equal((await runCli(["export"], { cwd: dir })).stdout, "A=two\n");
    writeFileSync(path, `export default {\n  variables: { A: { default: "x" }\n`);
    const broken = await runCli(["check"], { cwd: dir });
    assert.equal(broken.code, 3);
    assert.match(broken.stderr, /strongbox\.config\.ts:3:\d+: cannot compile the config/);
    assert.doesNotMatch(broken.stderr, /^\s+at /m, "no stack trace for a user's mistake");
  });

  it("loads strongbox.config.yaml with the same model, and reports YAML errors with a line", async () => {
    const dir = tempProject({
      "strongbox.config.yaml":
        "variables:\n  PORT: { type: port, default: 8080 }\n  LEVEL: { type: enum, values: [a, b], default: b }\n",
    });
    const ok = await runCli(["export", "--format", "json"], { cwd: dir });
    assert.deepEqual(JSON.parse(ok.stdout), { PORT: "8080", LEVEL: "b" });
    writeFileSync(join(dir, "strongbox.config.yaml"), "variables:\n  PORT: { type: port\n  X: 1\n");
    const broken = await runCli(["check"], { cwd: dir });
    assert.equal(broken.code, 3);
    assert.match(broken.stderr, /strongbox\.config\.yaml:\d+:\d+: invalid YAML/);
  });

  it("reports every schema problem of a config at once with exit status 3", async () => {
    const dir = tempProject({
      "strongbox.config.yaml":
        "variables:\n  A: { secret: true, public: true }\n  B: { type: port, default: 0 }\n  C: { ref: 'vault://x' }\n",
    });
    const result = await runCli(["check"], { cwd: dir });
    assert.equal(result.code, 3);
    for (const name of ["A:", "B:", "C:"])
      assert.ok(result.stderr.includes(`✗ ${name}`), result.stderr);
  });

  it("says where it looked when there is no config", async () => {
    const dir = tempProject({ ".git/HEAD": "" });
    const result = await runCli(["check"], { cwd: dir });
    assert.equal(result.code, 3);
    assert.match(
      result.stderr,
      /no strongbox\.config\.ts or strongbox\.config\.yaml in .* or its parents \(E_CONFIG\)/,
    );
  });
});
