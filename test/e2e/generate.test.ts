import assert from "node:assert/strict";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parseDotenv } from "../../src/dotenv/parse.js";
import { ROOT, runCli, tempProject } from "../helpers/cli.js";

const FIXTURE = join(ROOT, "test/fixtures/generate");

function fixtureCopy(): string {
  const dir = tempProject();
  cpSync(join(FIXTURE, "strongbox.config.yaml"), join(dir, "strongbox.config.yaml"));
  return dir;
}

describe("strongbox generate", () => {
  it("writes .env.example matching the golden file, stable on re-run, and usable as a .env", async () => {
    const dir = fixtureCopy();
    assert.equal((await runCli(["generate", "example"], { cwd: dir })).code, 0);
    const written = readFileSync(join(dir, ".env.example"), "utf8");
    assert.equal(written, readFileSync(join(FIXTURE, "expected.env.example"), "utf8"));
    assert.equal((await runCli(["generate", "example", "--check"], { cwd: dir })).code, 0);
    const parsed = parseDotenv(written);
    assert.deepEqual(parsed.issues, []);
    assert.deepEqual(
      parsed.entries.filter((entry) => entry.value !== "").map((entry) => entry.key),
      ["PORT", "LOG_LEVEL", "PUBLIC_URL"],
      "only plain variables carry a value",
    );
    const loaded = await runCli(["explain", "--json", "-f", ".env.example"], { cwd: dir });
    assert.ok(
      !JSON.parse(loaded.stdout).variables.some((v: { issues: Array<{ code: string }> }) =>
        v.issues.some((i) => i.code === "E_INLINE_SECRET"),
      ),
    );
  });

  it("writes secrets.ctmpl per component matching the golden files", async () => {
    const dir = fixtureCopy();
    const result = await runCli(["generate", "ctmpl", "--out", "deploy"], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    for (const file of ["secrets.ctmpl", "secrets.worker.ctmpl"]) {
      assert.equal(
        readFileSync(join(dir, "deploy", file), "utf8"),
        readFileSync(join(FIXTURE, `expected.${file}`), "utf8"),
        file,
      );
    }
    const v1 = await runCli(["generate", "ctmpl", "--stdout", "--kv-version", "1"], { cwd: dir });
    assert.match(
      v1.stdout,
      /\{\{ with secret \(printf "secret\/shop\/%s\/app" \(env "ENV"\)\) \}\}\nDATABASE_URL=\{\{ with \.Data\.DATABASE_URL \}\}/,
    );
  });

  it("--check fails when the schema changed and the files were not regenerated", async () => {
    const dir = fixtureCopy();
    await runCli(["generate", "example"], { cwd: dir });
    await runCli(["generate", "ctmpl"], { cwd: dir });
    const config = readFileSync(join(dir, "strongbox.config.yaml"), "utf8");
    writeFileSync(
      join(dir, "strongbox.config.yaml"),
      `${config}  NEW_SECRET: { secret: true, ref: { production: "vault://secret/{project}/{env}/app#NEW_SECRET" } }\n`,
    );
    for (const what of ["example", "ctmpl"]) {
      const check = await runCli(["generate", what, "--check"], { cwd: dir });
      assert.equal(check.code, 4, what);
      assert.match(check.stderr, /is not up to date with the schema/);
    }
  });

  it("check --layers passes on generated layers and lists drift with --diff", async () => {
    const dir = fixtureCopy();
    await runCli(["generate", "example"], { cwd: dir });
    await runCli(["generate", "ctmpl"], { cwd: dir });
    const ok = await runCli(["check", "--layers"], { cwd: dir });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stderr, /the schema, \.env\.example and 2 templates agree/);
    writeFileSync(
      join(dir, "secrets.ctmpl"),
      readFileSync(join(dir, "secrets.ctmpl"), "utf8").replace(
        "{{ end }}",
        "ROGUE={{ .Data.data.ROGUE }}\n{{ end }}",
      ),
    );
    const drift = await runCli(["check", "--layers", "--diff"], { cwd: dir });
    assert.equal(drift.code, 4);
    assert.match(
      drift.stderr,
      /secrets\.ctmpl:\d+: ROGUE is rendered by the template but not declared in the schema/,
    );
    assert.equal(drift.stdout, readFileSync(join(FIXTURE, "expected.check-diff.txt"), "utf8"));
  });
});
