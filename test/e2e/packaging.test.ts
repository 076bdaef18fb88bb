// A copy of the npm package whose node_modules lacks esbuild (a broken install, or what
// the single executable has): YAML configs still work, and a TypeScript config names
// the package and the command that installs it (issue 13; since issue 27 esbuild is a
// dependency of the npm package, test/packaging/install.test.ts installs it for real).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { cleanEnv, ROOT, tempProject } from "../helpers/cli.js";

describe("packaging", () => {
  it("without esbuild, YAML configs work and a TypeScript config says what to install", () => {
    const install = tempProject();
    cpSync(join(ROOT, "dist/bundle"), join(install, "dist/bundle"), { recursive: true });
    cpSync(join(ROOT, "package.json"), join(install, "package.json"));
    mkdirSync(join(install, "node_modules"));
    symlinkSync(join(ROOT, "node_modules/yaml"), join(install, "node_modules/yaml"));
    const cli = join(install, "dist/bundle/strongbox.cjs");
    const run = (cwd: string) =>
      spawnSync(process.execPath, [cli, "check"], { cwd, env: cleanEnv(cwd), encoding: "utf8" });
    const yaml = tempProject({
      "strongbox.config.yaml": "variables:\n  PORT: { type: port, default: 80 }\n",
    });
    const ok = run(yaml);
    assert.equal(ok.status, 0, ok.stderr);
    const ts = tempProject({
      "strongbox.config.ts":
        'export default { variables: { PORT: { type: "port", default: 80 } } };\n',
    });
    const missing = run(ts);
    assert.equal(missing.status, 3, missing.stderr);
    assert.match(
      missing.stderr,
      /the package esbuild, needed for a TypeScript config, is not installed: npm install esbuild@\S+ \(E_PACKAGE_MISSING\)\n/,
    );
    assert.doesNotMatch(missing.stderr, /\n\s+at /, "no stack trace");
  });
});
