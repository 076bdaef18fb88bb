// What a YAML-only project needs installed (issue 13): not esbuild. The bundle is
// run from a copy of the package whose node_modules holds only the YAML parser.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { cleanEnv, ROOT, tempProject } from "../helpers/cli.js";

describe("packaging", () => {
  it("esbuild is an optional peer: YAML configs work without it; a TypeScript config says what to install", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
    assert.equal(pkg.dependencies.esbuild, undefined);
    assert.equal(pkg.peerDependenciesMeta.esbuild.optional, true);
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
      /a TypeScript config needs esbuild, which is not installed \(E_CONFIG\)\n.*npm install --save-dev esbuild/,
    );
  });
});
