// Optional packages (the AWS and Azure SDKs, pg, esbuild) come from Strongbox's own
// installation or the project's node_modules, never from whatever directory the command
// happens to run in, an ancestor, NODE_PATH or ~/.node_modules, and only when their
// directory passes the ownership rule (issue 24, item 7). Runs against the npm package
// (a copy installed without those packages, so that nothing of the repository's is found
// first) and, in the suite's second pass, the single executable, which has no
// node_modules of its own.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  statSync,
  symlinkSync,
} from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import {
  type CliResult,
  cleanEnv,
  cliCommand,
  ROOT,
  runCli,
  TESTING_BINARY,
  tempProject,
  withModules,
  writeFiles,
} from "../helpers/cli.js";

const isRoot = process.getuid?.() === 0;

const AWS_ENV = {
  AWS_REGION: "us-east-1",
  AWS_ACCESS_KEY_ID: "AKIAEXAMPLE",
  AWS_SECRET_ACCESS_KEY: "example-not-a-secret",
  AWS_ENDPOINT_URL_SSM: "http://127.0.0.1:9",
  AWS_MAX_ATTEMPTS: "1",
  VAULT_TOKEN: "hvs.canary-token-the-planted-code-must-not-see",
};

/** Packages that leave `marker` behind if anything loads them. */
function plant(nodeModules: string, marker: string): string[] {
  const dirs: string[] = [];
  for (const name of ["esbuild", "@aws-sdk/client-ssm"]) {
    writeFiles(join(nodeModules, name), {
      "package.json": `${JSON.stringify({ name, main: "index.js" })}\n`,
      // What planted code would take: the token in the environment of the process it runs in.
      "index.js": `require("node:fs").appendFileSync(${JSON.stringify(marker)}, ${JSON.stringify(name)} + " " + process.env.VAULT_TOKEN + "\\n");\nmodule.exports = {};\n`,
    });
    dirs.push(join(nodeModules, name));
  }
  return dirs;
}

/**
 * The places an attack starts from: X/parent/{ts,yaml} are projects (a TypeScript
 * config, which needs esbuild; a YAML one with an AWS SSM ref), X/parent/install the
 * npm package installed without the optional packages.
 */
function layout(options: { git?: boolean } = {}) {
  const top = tempProject();
  const parent = join(top, "parent");
  const ts = join(parent, "ts");
  const yaml = join(parent, "yaml");
  writeFiles(ts, {
    "strongbox.config.ts":
      'export default { variables: { PORT: { type: "port", default: 80 } } };\n',
  });
  writeFiles(yaml, {
    "strongbox.config.yaml": 'variables:\n  TOKEN: { secret: true, ref: "aws-ssm:///app/token" }\n',
  });
  if (options.git !== false) for (const dir of [ts, yaml]) mkdirSync(join(dir, ".git"));
  const install = join(parent, "install");
  cpSync(join(ROOT, "dist/bundle"), join(install, "dist/bundle"), { recursive: true });
  cpSync(join(ROOT, "package.json"), join(install, "package.json"));
  mkdirSync(join(install, "node_modules"));
  symlinkSync(join(ROOT, "node_modules/yaml"), join(install, "node_modules/yaml"));
  return { top, parent, ts, yaml, install, marker: join(top, "planted-module-ran") };
}
type Layout = ReturnType<typeof layout>;

/** The CLI under test: the installed copy of the npm package, or the single executable. */
function cli(
  l: Layout,
  args: string[],
  cwd: string,
  env: Record<string, string>,
): Promise<CliResult> {
  const { command, prefix } = TESTING_BINARY
    ? cliCommand()
    : { command: process.execPath, prefix: [join(l.install, "dist/bundle/strongbox.cjs")] };
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...prefix, ...args], {
      cwd,
      env: cleanEnv(cwd, env),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

interface Attack {
  readonly name: string;
  /** Plants the packages; returns the environment and working directories to use. */
  readonly plant: (l: Layout) => { env?: Record<string, string>; sub?: string };
  /** Refused by the ownership rule (E_UNSAFE_PATH) rather than not found. */
  readonly unsafe?: boolean;
  readonly git?: boolean;
  readonly rootOnly?: boolean;
}

const ATTACKS: Attack[] = [
  {
    name: "the parent directory's node_modules",
    plant: (l) => {
      plant(join(l.parent, "node_modules"), l.marker);
      return {};
    },
  },
  {
    name: "the grandparent's node_modules",
    plant: (l) => {
      plant(join(l.top, "node_modules"), l.marker);
      return {};
    },
  },
  {
    name: "an ancestor everyone can write to (sticky, as /tmp), planted by another user",
    rootOnly: true,
    plant: (l) => {
      chmodSync(l.top, 0o1777);
      const nodeModules = join(l.top, "node_modules");
      plant(nodeModules, l.marker);
      chownTree(nodeModules, 12345);
      return {};
    },
  },
  {
    name: "the parent's node_modules of a project outside any repository",
    git: false,
    plant: (l) => {
      plant(join(l.parent, "node_modules"), l.marker);
      return {};
    },
  },
  {
    name: "a subdirectory the command runs in",
    plant: (l) => {
      for (const project of [l.ts, l.yaml]) plant(join(project, "uploads/node_modules"), l.marker);
      return { sub: "uploads" };
    },
  },
  {
    name: "a directory named by NODE_PATH",
    plant: (l) => {
      plant(join(l.top, "elsewhere"), l.marker);
      return { env: { NODE_PATH: join(l.top, "elsewhere") } };
    },
  },
  {
    name: "~/.node_modules",
    plant: (l) => {
      plant(join(l.top, "home/.node_modules"), l.marker);
      return { env: { HOME: join(l.top, "home") } };
    },
  },
  {
    name: "the project's node_modules, a link into a directory everyone can write to",
    unsafe: true,
    plant: (l) => {
      const open = join(l.top, "open");
      mkdirSync(open);
      chmodSync(open, 0o777);
      plant(join(open, "node_modules"), l.marker);
      for (const project of [l.ts, l.yaml])
        symlinkSync(join(open, "node_modules"), join(project, "node_modules"));
      return {};
    },
  },
  {
    name: "the project's node_modules writable by everyone",
    unsafe: true,
    plant: (l) => {
      for (const project of [l.ts, l.yaml]) {
        plant(join(project, "node_modules"), l.marker);
        chmodSync(join(project, "node_modules"), 0o777);
      }
      return {};
    },
  },
  {
    name: "a package directory in the project writable by everyone",
    unsafe: true,
    plant: (l) => {
      for (const project of [l.ts, l.yaml])
        for (const dir of plant(join(project, "node_modules"), l.marker)) chmodSync(dir, 0o777);
      return {};
    },
  },
  {
    name: "a package in the project's node_modules owned by another user",
    unsafe: true,
    rootOnly: true,
    plant: (l) => {
      for (const project of [l.ts, l.yaml])
        for (const dir of plant(join(project, "node_modules"), l.marker)) chownTree(dir, 12345);
      return {};
    },
  },
];

function chownTree(path: string, uid: number): void {
  chownSync(path, uid, uid);
  if (statSync(path).isDirectory())
    for (const entry of readdirSync(path)) chownTree(join(path, entry), uid);
}

describe("optional modules (issue 24.7)", () => {
  for (const attack of ATTACKS) {
    if (attack.rootOnly === true && !isRoot) continue;
    it(`attacks: a package planted in ${attack.name} is never loaded`, async () => {
      const l = layout(attack.git === false ? { git: false } : {});
      const { env = {}, sub } = attack.plant(l);
      const cwd = (project: string) => (sub === undefined ? project : join(project, sub));
      // A home of its own, beside the projects (a project is never looked for above it).
      const home = { HOME: join(l.top, "home"), ...env };
      const ts = await cli(l, ["check"], cwd(l.ts), home);
      const yaml = await cli(l, ["run", "--", "true"], cwd(l.yaml), { ...AWS_ENV, ...home });
      assert.equal(existsSync(l.marker), false, "a planted module ran");
      assert.notEqual(ts.code, 0, ts.stderr);
      assert.notEqual(yaml.code, 0, yaml.stderr);
      if (attack.unsafe === true) {
        assert.equal(ts.code, 6, ts.stderr);
        assert.match(ts.stderr, /the package directory of esbuild .*\(E_UNSAFE_PATH\)/);
        assert.match(yaml.stderr, /E_UNSAFE_PATH/);
      } else {
        assert.equal(ts.code, 3, ts.stderr);
        assert.match(
          ts.stderr,
          /the package esbuild, needed for a TypeScript config, is not installed/,
        );
      }
    });
  }

  it("the project's own node_modules is used, also when it is a link to a directory the user controls", async () => {
    const l = layout();
    symlinkSync(join(ROOT, "node_modules"), join(l.ts, "node_modules"));
    const result = await cli(l, ["check"], l.ts, {});
    assert.equal(result.code, 0, result.stderr);
  });

  // The neighbouring door: a package a TypeScript config imports is bundled by esbuild,
  // which looks through every ancestor's node_modules; the same rule holds for it.
  const importer = (marker: string) => ({
    "strongbox.config.ts": `import "config-helper";\nexport default { variables: { PORT: { type: "port", default: 80 } } };\n`,
    ".git/HEAD": "",
    _marker: marker,
  });
  function plantHelper(nodeModules: string, marker: string): string {
    writeFiles(join(nodeModules, "config-helper"), {
      "package.json": '{ "name": "config-helper", "type": "module", "main": "index.js" }\n',
      "index.js": `import { writeFileSync } from "node:fs";\nwriteFileSync(${JSON.stringify(marker)}, "ran");\n`,
    });
    return join(nodeModules, "config-helper");
  }
  for (const [name, place, expected] of [
    [
      "the parent's node_modules",
      (top: string) => plantHelper(join(top, "node_modules"), join(top, "ran")),
      /outside the project's node_modules/,
    ],
    [
      "the project's node_modules, when the package is writable by everyone",
      (top: string) => chmodSync(plantHelper(join(top, "p/node_modules"), join(top, "ran")), 0o777),
      /config-helper .* everyone can write to/,
    ],
  ] as const) {
    it(`attacks: a package a TypeScript config imports from ${name} is refused`, async () => {
      const top = tempProject();
      const { _marker, ...files } = importer(join(top, "ran"));
      const project = join(top, "p");
      writeFiles(project, files);
      place(top);
      // The single executable compiles with the project's esbuild.
      if (existsSync(join(project, "node_modules")))
        symlinkSync(join(ROOT, "node_modules/esbuild"), join(project, "node_modules/esbuild"));
      else withModules(project);
      const result = await runCli(["check"], { cwd: project });
      assert.equal(existsSync(join(top, "ran")), false, "the planted import ran");
      assert.equal(result.code, 3, result.stderr);
      assert.match(result.stderr, expected);
    });
  }

  // Inside an accepted package directory: the resolved entry file, a relative import of it,
  // and each directory on the way, each either writable by everyone or another user's.
  const nested = ["lib", "lib/index.js", "lib/inner", "lib/inner/impl.js"];
  const spoilers: ReadonlyArray<readonly [string, (path: string) => void]> = [
    ["writable by everyone", (path) => chmodSync(path, 0o777)],
    ...(process.getuid?.() === 0
      ? [["owned by another user", (path: string) => chownSync(path, 12345, 12345)] as const]
      : []),
  ];
  for (const part of nested)
    for (const [how, spoil] of spoilers)
      it(`attacks: a config's package whose ${part} is ${how} is refused`, async () => {
        const top = tempProject();
        const project = join(top, "p");
        const { _marker, ...files } = importer(join(top, "ran"));
        writeFiles(project, files);
        const marker = JSON.stringify(join(top, "ran"));
        writeFiles(join(project, "node_modules/config-helper"), {
          "package.json": '{ "name": "config-helper", "type": "module", "main": "lib/index.js" }\n',
          "lib/index.js": 'import "./inner/impl.js";\n',
          "lib/inner/impl.js": `import { writeFileSync } from "node:fs";\nwriteFileSync(${marker}, "ran");\n`,
        });
        symlinkSync(join(ROOT, "node_modules/esbuild"), join(project, "node_modules/esbuild"));
        spoil(join(project, "node_modules/config-helper", part));
        const result = await runCli(["check"], { cwd: project });
        assert.equal(existsSync(join(top, "ran")), false, "the spoiled package ran");
        assert.equal(result.code, 3, result.stderr);
        assert.match(result.stderr, /config-helper|config bundles/);
      });

  it("a package a TypeScript config imports from the project's own node_modules is bundled", async () => {
    const top = tempProject();
    const project = join(top, "p");
    const { _marker, ...files } = importer(join(top, "ran"));
    writeFiles(project, files);
    plantHelper(join(project, "node_modules"), join(top, "ran"));
    // The single executable compiles with the project's esbuild.
    symlinkSync(join(ROOT, "node_modules/esbuild"), join(project, "node_modules/esbuild"));
    const result = await runCli(["check"], { cwd: project });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(existsSync(join(top, "ran")), true, "the project's own package ran");
  });

  it("attacks: a node_modules planted in a subdirectory is not loaded for the project's AWS refs", async () => {
    const project = withModules(
      tempProject({
        "strongbox.config.yaml":
          'variables:\n  TOKEN: { secret: true, ref: "aws-ssm:///app/token" }\n',
      }),
    );
    mkdirSync(join(project, ".git"));
    const marker = join(project, "planted-module-ran");
    plant(join(project, "uploads/node_modules"), marker);
    const result = await runCli(["run", "--", "true"], {
      cwd: join(project, "uploads"),
      env: { HOME: tempProject(), ...AWS_ENV },
    });
    // The real SDK was loaded and found nothing listening: the source is unreachable.
    assert.equal(result.code, 5, result.stderr);
    assert.match(
      result.stderr,
      /TOKEN: AWS SSM Parameter Store is unavailable .*E_PROVIDER_UNAVAILABLE/,
    );
    assert.equal(existsSync(marker), false, "the planted module ran");
  });
});
