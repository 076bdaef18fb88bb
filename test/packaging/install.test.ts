// The package as a user gets it (issue 27, items 1–4): `npm pack`, the tarball installed
// into a fresh project with its own HOME and npm cache by the README's own install
// command, then the README's project flow run there (a TypeScript config, init, set,
// run, export), a YAML project, ESM and CommonJS consumers, every optional package's
// feature without its package, and publint and arethetypeswrong over the tarball.
// One install, shared by every case.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { lstatSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { before, describe, it } from "node:test";
import { publint } from "publint";
import { OPTIONAL_PACKAGES, type OptionalPackage } from "../../src/security/optional-packages.js";
import { ROOT, tempProject, writeFiles } from "../helpers/cli.js";
import { sectionText, steps } from "./readme.js";

/** The ceiling issue 27 sets for a core install (YAML or TS config, store, Vault). */
const CORE_LIMIT_BYTES = 25 * 1000 * 1000;
const NPM_TIMEOUT = 300_000;

interface Ran {
  readonly code: number | null;
  /** stdout and stderr, in that order. */
  readonly out: string;
  readonly stdout: string;
}

let top: string;
let project: string;
let tarball: string;
let npmEnv: Record<string, string>;
const readmeRuns: Array<{ line: number; ran: Ran }> = [];

/** npm and the installed CLI with nothing of the machine's: its own HOME and cache. */
function environment(home: string): Record<string, string> {
  const passed = ["HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY", "https_proxy", "http_proxy", "no_proxy"];
  return {
    ...Object.fromEntries(
      passed.flatMap((name) => (process.env[name] ? [[name, process.env[name]]] : [])),
    ),
    ...(process.env.npm_config_registry
      ? { npm_config_registry: process.env.npm_config_registry }
      : {}),
    PATH: `${join(project, "node_modules/.bin")}:${dirname(process.execPath)}:/usr/bin:/bin`,
    HOME: home,
    npm_config_cache: join(top, "npm-cache"),
    npm_config_prefer_offline: "true",
    npm_config_update_notifier: "false",
    npm_config_fund: "false",
    npm_config_audit: "false",
  };
}

function sh(code: string, cwd: string, env: Record<string, string>, input = ""): Ran {
  const result = spawnSync("bash", ["--norc", "--noprofile", "-euo", "pipefail", "-c", code], {
    cwd,
    env,
    input,
    encoding: "utf8",
    timeout: NPM_TIMEOUT,
  });
  return { code: result.status, out: `${result.stdout}${result.stderr}`, stdout: result.stdout };
}

/** `npm pack` of the built repository (no scripts: `npm run build` made dist/). */
function pack(): string {
  const packed = sh(
    `npm pack ${JSON.stringify(ROOT)} --ignore-scripts --json --pack-destination .`,
    top,
    npmEnv,
  );
  assert.equal(packed.code, 0, packed.out);
  const [{ filename }] = JSON.parse(packed.stdout) as [{ filename: string }];
  return join(top, filename);
}

before(
  () => {
    top = tempProject();
    project = join(top, "app");
    writeFiles(project, {
      "package.json": '{ "name": "app", "private": true }\n',
      ".gitignore": "node_modules\n",
    });
    npmEnv = environment(join(top, "home"));
    tarball = pack();
    // The README's section, as written: its first block is the one install.
    const env = { ...npmEnv, STRONGBOX_TARBALL: tarball };
    for (const step of steps()) {
      if (step.kind === "file") writeFileSync(join(project, step.path), step.text);
      else readmeRuns.push({ line: step.line, ran: sh(step.code, project, env) });
    }
  },
  { timeout: NPM_TIMEOUT * 2 },
);

/** Bytes on disk under `dir`, each hard-linked file once (as `du` counts). */
function diskUsage(dir: string, seen = new Set<number>()): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const stat = lstatSync(path);
    if (seen.has(stat.ino)) continue;
    seen.add(stat.ino);
    total += stat.blocks * 512;
    if (entry.isDirectory()) total += diskUsage(path, seen);
  }
  return total;
}

describe("packaging: the tarball installed into a fresh project (issue 27)", () => {
  it("the README's section runs as written: one install, then init, set, run and export with a TypeScript config", () => {
    assert.ok(readmeRuns.length >= 2, "the section has an install block and a flow block");
    for (const { line, ran } of readmeRuns)
      assert.equal(
        ran.code,
        0,
        `README "Use it in your project", block at line ${line}:\n${ran.out}`,
      );
    const flow = readmeRuns.at(-1)?.ran.out ?? "";
    assert.match(flow, /^port 3000$/m, "run gave the child the schema's default");
    assert.match(flow, /^DATABASE_URL=/m, "export printed the stored secret's variable");
  });

  it("installs without an install-script warning of its own, and the core install is ≤ 25 MB", (t) => {
    const install = readmeRuns[0]?.ran.out ?? "";
    const scripts = install.split("\n").filter((line) => /install-scripts\s+\S+@/.test(line));
    assert.deepEqual(
      scripts.filter((line) => /\bstrongbox@/.test(line)),
      [],
      `npm's warnings name strongbox:\n${install}`,
    );
    const installed = readdirSync(join(project, "node_modules")).filter((n) => !n.startsWith("."));
    for (const optional of OPTIONAL_PACKAGES.filter((entry) => !entry.bundledWithNpm))
      assert.ok(
        !installed.includes(optional.name.split("/")[0] ?? ""),
        `${optional.name} was installed`,
      );
    const bytes = diskUsage(join(project, "node_modules"));
    t.diagnostic(
      `core install: ${(bytes / 1e6).toFixed(1)} MB of node_modules (${installed.join(", ")})`,
    );
    assert.ok(bytes <= CORE_LIMIT_BYTES, `${bytes} bytes`);
  });

  it("the README's first example, a strongbox.config.ts, works right after the install", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const example = /## A schema[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    assert.ok(example !== undefined, "README.md's schema example");
    const dir = join(project, "first-example");
    writeFiles(dir, {
      "strongbox.config.ts": example,
      ".env": "DATABASE_URL=postgres://app:pw@localhost/app\nADMIN_EMAIL=ops@example.com\n",
      ".gitignore": ".env\n",
    });
    const checked = sh("strongbox check", dir, npmEnv);
    assert.equal(checked.code, 0, checked.out);
  });

  it("a YAML project: init, set, run and export", () => {
    // Beside the app, not in it: the app's strongbox.config.ts would be found first.
    const dir = join(top, "yaml-project");
    writeFiles(dir, {
      "strongbox.config.yaml":
        'project: shop\nvariables:\n  PORT: { type: port, default: 3000 }\n  API_TOKEN: { secret: true, ref: "store://API_TOKEN" }\n',
    });
    const ran = sh(
      [
        "strongbox init",
        "printf 'tok-en' | strongbox set API_TOKEN",
        `strongbox run -- node -e 'console.log("port " + process.env.PORT)'`,
        "strongbox export --format dotenv",
      ].join("\n"),
      dir,
      npmEnv,
    );
    assert.equal(ran.code, 0, ran.out);
    assert.match(ran.out, /^port 3000$/m);
    assert.match(ran.out, /^API_TOKEN=/m);
  });

  it("ESM and CommonJS consumers load every export of the package", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
      exports: Record<string, unknown>;
    };
    const names = Object.keys(pkg.exports)
      .filter((key) => !key.endsWith(".json"))
      .map((key) => `strongbox${key.slice(1)}`);
    writeFiles(project, {
      "consumer.mjs": `for (const name of ${JSON.stringify(names)}) if (Object.keys(await import(name)).length === 0) throw new Error(name);\nconsole.log("esm ok");\n`,
      "consumer.cjs": `for (const name of ${JSON.stringify(names)}) if (Object.keys(require(name)).length === 0) throw new Error(name);\nconsole.log("cjs ok");\n`,
    });
    const ran = sh("node consumer.mjs && node consumer.cjs", project, npmEnv);
    assert.equal(ran.code, 0, ran.out);
    assert.match(ran.out, /esm ok\ncjs ok/);
  });

  it("publint finds nothing to fix in the tarball", async () => {
    const bytes = readFileSync(tarball);
    const { messages } = await publint({
      pack: { tarball: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) },
      level: "warning",
    });
    assert.deepEqual(messages, []);
  });

  it("arethetypeswrong: types, exports and bin resolve (ESM-only profile: CommonJS requires it on Node ≥ 20.19)", () => {
    const attw = join(ROOT, "node_modules/@arethetypeswrong/cli/dist/index.js");
    const ran = sh(`node ${attw} ${tarball} --profile esm-only --format json`, top, npmEnv);
    assert.equal(ran.code, 0, ran.out);
  });

  it("package.json declares the table of optional packages: optional peers, and esbuild a dependency", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
    const peers = OPTIONAL_PACKAGES.filter((entry) => !entry.bundledWithNpm);
    assert.deepEqual(pkg.peerDependencies, Object.fromEntries(peers.map((e) => [e.name, e.range])));
    for (const entry of peers) {
      assert.deepEqual(pkg.peerDependenciesMeta[entry.name], { optional: true }, entry.name);
      assert.equal(
        pkg.devDependencies[entry.name],
        entry.range,
        `${entry.name}: a devDependency for the repository's tests`,
      );
      assert.ok(sectionText().includes(entry.name), `README's install table names ${entry.name}`);
    }
    for (const entry of OPTIONAL_PACKAGES.filter((e) => e.bundledWithNpm))
      assert.equal(pkg.dependencies[entry.name], entry.range, entry.name);
  });
});

interface Scenario {
  readonly files: Record<string, string>;
  readonly args: readonly string[];
  readonly env?: Record<string, string>;
}

const AWS = {
  AWS_REGION: "us-east-1",
  AWS_ACCESS_KEY_ID: "AKIAEXAMPLE",
  // AWS's documentation example: random-looking, as a real key is (the redactor masks any
  // 6-character run of a credential's value, and a made-up "…-secret" would mask "-secrets-").
  AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  AWS_MAX_ATTEMPTS: "1",
};

function refScenario(ref: string): Scenario {
  return {
    files: { "strongbox.config.yaml": `variables:\n  TOKEN: { secret: true, ref: "${ref}" }\n` },
    args: ["run", "--", "true"],
    env: AWS,
  };
}

/** Vault's AWS IAM login in production, with AWS credentials found other than by keys. */
function vaultAwsScenario(env: Record<string, string>): Scenario {
  return {
    files: {
      "strongbox.config.yaml":
        "vault: { allowInsecure: true }\nenvironments:\n  production: {}\nvariables:\n  TOKEN: { secret: true, ref: 'vault://secret/app#TOKEN' }\n",
    },
    args: ["run", "--env", "production", "--", "true"],
    env: {
      VAULT_ADDR: "http://127.0.0.1:9",
      VAULT_AWS_ROLE: "app",
      AWS_REGION: "us-east-1",
      ...env,
    },
  };
}

/** How a user reaches each feature of the table, keyed by its first package. */
const SCENARIOS: Record<string, Scenario> = {
  "@aws-sdk/client-secrets-manager": refScenario("aws-sm://app/token#KEY"),
  "@aws-sdk/client-ssm": refScenario("aws-ssm:///app/token"),
  "@azure/keyvault-secrets": refScenario("azure-kv://app-vault/token"),
  "@aws-sdk/client-kms": {
    files: { "strongbox.config.yaml": "variables:\n  PORT: { type: port, default: 80 }\n" },
    args: ["init", "--recipient", "aws-kms:alias/app"],
    env: AWS,
  },
  "@aws-sdk/client-s3": {
    files: {
      "strongbox.config.yaml": "variables:\n  S3_BUCKET: { default: app-bucket, smoke: true }\n",
    },
    args: ["smoke"],
    env: { ...AWS, AWS_ENDPOINT_URL_S3: "https://127.0.0.1:9" },
  },
  "@aws-sdk/credential-provider-web-identity": vaultAwsScenario({
    AWS_WEB_IDENTITY_TOKEN_FILE: "/dev/null",
    AWS_ROLE_ARN: "arn:aws:iam::123456789012:role/app",
  }),
  "@aws-sdk/credential-provider-node": vaultAwsScenario({ AWS_PROFILE: "dev" }),
  pg: {
    files: {
      "strongbox.config.yaml":
        "variables:\n  DATABASE_URL: { type: url, secret: true, smoke: true }\n",
    },
    args: ["smoke"],
    env: { DATABASE_URL: "postgres://app:a-longer-password@127.0.0.1:9/app?sslmode=disable" },
  },
};

/** The table's features that the npm package installs without: one group per `neededBy`. */
function groups(): OptionalPackage[][] {
  const byFeature = new Map<string, OptionalPackage[]>();
  for (const entry of OPTIONAL_PACKAGES.filter((e) => !e.bundledWithNpm))
    byFeature.set(entry.neededBy, [...(byFeature.get(entry.neededBy) ?? []), entry]);
  return [...byFeature.values()];
}

describe("packaging: every optional package's feature, used without it (issue 27.2)", () => {
  it("every feature of the table has a scenario here", () => {
    assert.deepEqual(
      Object.keys(SCENARIOS).sort(),
      groups()
        .map((group) => group[0]?.name)
        .sort(),
    );
  });

  for (const group of groups()) {
    const names = group.map((entry) => entry.name);
    it(`${group[0]?.neededBy}, without ${names.join(" and ")}: E_PACKAGE_MISSING with the install command`, () => {
      const scenario = SCENARIOS[names[0] ?? ""];
      assert.ok(scenario !== undefined);
      const dir = tempProject(scenario.files);
      const cli = join(project, "node_modules/strongbox/dist/bundle/strongbox.cjs");
      const ran = sh(`node ${cli} ${scenario.args.map((a) => `'${a}'`).join(" ")}`, dir, {
        ...npmEnv,
        HOME: dir,
        ...scenario.env,
      });
      assert.notEqual(ran.code, 0, ran.out);
      // A smoke check reports it in its table (the message alone); a command fails with it.
      if (scenario.args[0] !== "smoke") assert.match(ran.out, /E_PACKAGE_MISSING/);
      for (const entry of group) {
        assert.ok(ran.out.includes(entry.name), `${entry.name} named:\n${ran.out}`);
        assert.ok(
          ran.out.includes(`${entry.name}@${entry.range}`),
          `the install command:\n${ran.out}`,
        );
      }
      assert.doesNotMatch(ran.out, /\n\s+at .*:\d+:\d+/, "no stack trace");
    });
  }
});
