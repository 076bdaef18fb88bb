// Issue 24, items 4-6: every credential name and every credential path, generated from the
// classification and the provider registry, tried against every way out of Strongbox.
// Each attack is performed; the test shows it fails.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  existsSync,
  linkSync,
  mkdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import { dirname, join, relative } from "node:path";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { StrongboxError } from "../../src/errors.js";
import { providerCredentialFiles } from "../../src/providers/registry.js";
import { renderFiles } from "../../src/render/render-files.js";
import { isCiIdentityVariable, isCredentialVariable } from "../../src/security/credentials.js";
import { credentialLocations } from "../../src/security/read-guard.js";
import { cleanEnv, runCli, spawnCli, tempProject, writeFiles } from "../helpers/cli.js";
import { credentialNameVariants } from "../helpers/credential-names.js";
import { listenLoopback } from "../helpers/loopback.js";

// ---------------------------------------------------------------------------------------------
// The generated names: every declared credential, plain and under an environment's prefix,
// and the `_FILE` form of each. A new provider's `credentials` join without an edit here.
// ---------------------------------------------------------------------------------------------
const NAMES = credentialNameVariants();
const TAG = randomBytes(4).toString("hex");
/** What a value looks like, so any leak in any output is found by one search. */
const CANARY = `CANARY${TAG}`;
const isFileName = (name: string) => /_(FILE|PATH)$/.test(name);

describe("the generated variants (issue 24, items 4-6)", () => {
  let dir: string;
  /** Every credential variable set: a canary value, or for a *_FILE/_PATH name the path of a file holding one. */
  let credentialEnv: Record<string, string>;
  /** Every credential path that exists, each holding a canary, and its other spellings. */
  let paths: string[];
  /** Credential places outside the project (/var/run/secrets/…): refused even though absent. */
  let absentPaths: string[];
  /** The same places spelled from `~`, as a user might hope a ref expands it. */
  let homeSpellings: string[];
  let vault: FakeVault;

  before(async () => {
    dir = tempProject({
      "strongbox.config.yaml": "variables:\n  PORT: { default: 8080 }\n",
      "note.txt": `plain project file ${TAG}\n`,
    });
    credentialEnv = {};
    for (const [i, name] of NAMES.entries()) {
      if (isFileName(name)) {
        const target = join(dir, "creds", name);
        writeFiles(dir, { [relative(dir, target)]: `${CANARY}-file-${i}\n` });
        credentialEnv[name] = target;
      } else credentialEnv[name] = `${CANARY}-env-${i}`;
    }
    // Places a provider takes from a variable ($AZURE_CONFIG_DIR): each set, relative to the project.
    for (const place of providerCredentialFiles())
      if (place.startsWith("$")) credentialEnv[place.slice(1)] = join(dir, "named", place.slice(1));
    // Where credentials live without a variable naming them. HOME is the project (as the
    // test helpers set it), so only the deny rules, not the allow-list, stand in the way.
    const home = dir;
    const created: string[] = [];
    const plant = (path: string) => {
      mkdirSync(dirname(path), { recursive: true });
      if (existsSync(path) && statSync(path).isDirectory()) path = join(path, "inside");
      if (!existsSync(path)) writeFileSync(path, `${CANARY}-place-${created.length}\n`);
      created.push(path);
    };
    // The issue's own examples first, then every place the rule knows.
    plant(join(home, ".ssh", "id_ed25519"));
    plant(join(home, ".config", "strongbox", "keys", "store.key"));
    plant(join(home, ".config", "strongbox", "identities"));
    plant(join(home, ".strongbox", "keyring.sbx"));
    plant(join(home, ".vault-token"));
    plant(join(home, ".aws", "credentials"));
    plant(join(home, ".aws", "config"));
    const places = credentialLocations({ cwd: dir, env: { ...credentialEnv, HOME: home } }).places;
    absentPaths = [];
    for (const place of places)
      if (place.startsWith(`${home}/`) && !place.startsWith(join(home, "creds"))) plant(place);
      else if (!place.startsWith(`${home}/`)) absentPaths.push(join(place, "token"));
    for (const place of providerCredentialFiles())
      assert.ok(
        places.includes(
          place.startsWith("$")
            ? (credentialEnv[place.slice(1)] as string)
            : place.replace(/^~\//, `${home}/`),
        ),
        `${place} is a credential place`,
      );
    const files = [...created, ...Object.values(credentialEnv).filter((v) => v.startsWith("/"))];
    homeSpellings = created.map((file) => `~/${relative(home, file)}`);
    // Every spelling of each: relative, `..`, `//`, a symlink, a hard link.
    paths = [];
    for (const [i, file] of files.entries()) {
      const rel = relative(dir, file);
      symlinkSync(file, join(dir, `link-${i}`));
      linkSync(file, join(dir, `hard-${i}`));
      paths.push(file, rel, `sub/../${rel}`, `${dir}//${rel}`, `link-${i}`, `hard-${i}`);
    }
    // Process and device files, each spelling, and a symlink to each.
    const proc = [
      "/proc/self/environ",
      "/proc/thread-self/environ",
      `/proc/${process.pid}/environ`,
      `/proc/${process.pid}/task/${process.pid}/environ`,
      "/proc/self/cmdline",
      "/proc/1/environ",
      "//proc/self/environ",
      "/proc/./self/environ",
      "/proc/self/../self/environ",
      "/tmp/../proc/self/environ",
      `${relative(dir, "/")}/proc/self/environ`,
      "/dev/fd/0",
      "/dev/stdin",
      "/proc/self/fd/0",
      "/sys/kernel/hostname",
    ];
    for (const [i, path] of proc.entries()) symlinkSync(path, join(dir, `proc-link-${i}`));
    paths.push(...proc, ...proc.map((_, i) => `proc-link-${i}`));
    mkdirSync(join(dir, "sub"), { recursive: true });
    vault = await fakeVault(`${CANARY}-vault-token`);
  });
  after(async () => vault?.close());

  const env = () => ({ ...credentialEnv, PLAIN_SETTING: "plain-value-1234" });
  const leaks = (text: string) => text.includes(CANARY) || text.includes("-vault-token");

  it("generates a non-trivial set that includes the issue's examples", () => {
    assert.ok(NAMES.length >= 150, `${NAMES.length} names`);
    for (const name of [
      "VAULT_TOKEN",
      "STRONGBOX_MASTER_KEY",
      "AWS_SECRET_ACCESS_KEY",
      "PRODUCTION_VAULT_TOKEN",
      "AWS_CONTAINER_AUTHORIZATION_TOKEN",
      "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
      "IDENTITY_HEADER",
      "MSI_SECRET",
      "VAULT_ROOT_TOKEN",
      "VAULT_APP_TOKEN",
      "AWS_WEB_IDENTITY_TOKEN_FILE",
      "AZURE_FEDERATED_TOKEN_FILE",
    ])
      assert.ok(NAMES.includes(name), name);
    for (const name of NAMES) assert.ok(isCredentialVariable(name), name);
    // The rule, not the list: names nobody declared are credentials too, their neighbours are not.
    for (const name of ["BAO_ROOT_TOKEN", "STAGING_VAULT_UNSEAL_KEY", "VAULT_DEV_ROOT_TOKEN_ID"])
      assert.ok(isCredentialVariable(name), name);
    for (const name of ["VAULT_ADDR", "VAULT_TOKEN_TTL", "STRONGBOX_ENV", "PORT", "AWS_REGION"])
      assert.ok(!isCredentialVariable(name), name);
    assert.ok(paths.length >= 150, `${paths.length} paths`);
    assert.ok(
      absentPaths.some((path) => path.startsWith("/var/run/secrets/kubernetes.io/")),
      "the Kubernetes service-account token",
    );
  });

  it("run's child, render's hook and the agent's child get none of them", async () => {
    const printEnv = `require('fs').writeFileSync(process.argv[1], JSON.stringify(process.env))`;
    const run = await runCli(
      ["run", "--no-mask", "--", process.execPath, "-e", printEnv, join(dir, "run.json")],
      { cwd: dir, env: env() },
    );
    assert.equal(run.code, 0, run.stderr);
    writeFileSync(join(dir, "plain.tmpl"), "plain\n");
    const render = await runCli(
      [
        "render",
        "-t",
        `plain.tmpl:out.txt:${process.execPath} -e "${printEnv}" ${join(dir, "hook.json")}`,
      ],
      { cwd: dir, env: env() },
    );
    assert.equal(render.code, 0, render.stderr);
    writeFileSync(
      join(dir, "agent.yaml"),
      `templates:\n  - { source: plain.tmpl, destination: agent-out.txt }\nexec:\n  command: [${JSON.stringify(process.execPath)}, "-e", ${JSON.stringify(`${printEnv}; setInterval(() => {}, 1000)`)}, ${JSON.stringify(join(dir, "agent.json"))}]\n`,
    );
    const agent = spawnCli(["agent", "-a", "agent.yaml"], {
      cwd: dir,
      env: cleanEnv(dir, { ...env(), VAULT_ADDR: vault.addr }),
    });
    for (let i = 0; i < 300 && !existsSync(join(dir, "agent.json")); i++) await sleep(100);
    agent.kill("SIGTERM");
    await agent.exited;
    for (const file of ["run.json", "hook.json", "agent.json"]) {
      assert.ok(existsSync(join(dir, file)), `${file}: ${agent.stderr()}`);
      const seen = JSON.parse(readFileSync(join(dir, file), "utf8")) as Record<string, string>;
      assert.equal(seen.PLAIN_SETTING, "plain-value-1234", `${file} sees the environment`);
      const passed = NAMES.filter((name) => name in seen);
      assert.deepEqual(passed, [], `${file} got credentials`);
      assert.ok(!leaks(JSON.stringify(seen)), file);
    }
  });

  it("templates: env, envOrDefault, mustEnv, sprig_env, sprig_expandenv and ref env:// refuse every name", async () => {
    const calls = [
      (name: string) => `{{ env "${name}" }}`,
      (name: string) => `{{ envOrDefault "${name}" "x" }}`,
      (name: string) => `{{ mustEnv "${name}" }}`,
      (name: string) => `{{ sprig_env "${name}" }}`,
      (name: string) => `{{ sprig_expandenv "$${name}" }}`,
      (name: string) => `{{ sprig_expandenv "\${${name}}" }}`,
      (name: string) => `{{ ref "env://${name}" }}`,
    ];
    // Every name through one function, the functions in turn (each sees ~120 names of
    // every family and spelling): one rule decides them all (isCredentialVariable, every
    // name checked above), so all names × all functions would only repeat it, 7× slower.
    let refused = 0;
    for (const [i, name] of NAMES.entries()) {
      const call = (calls[i % calls.length] as (name: string) => string)(name);
      const outcome = await renderDry(dir, call, env());
      assert.ok(outcome instanceof StrongboxError, `${call} rendered ${String(outcome)}`);
      assert.ok(!leaks(outcome.message), call);
      refused++;
    }
    assert.equal(refused, NAMES.length);
  });

  it("templates: file and ref file:// refuse every credential path and every /proc spelling; a project file reads", async () => {
    assert.equal(
      await renderDry(dir, '{{ file "note.txt" }}', env(), true),
      `plain project file ${TAG}\n`,
    );
    // Each path through one of the two readers, alternating so that each spelling of a
    // file (6 in a row) meets both across files: one guard decides both readers.
    for (const [i, path] of [...paths, ...absentPaths].entries())
      for (const call of [
        (i + Math.floor(i / 6)) % 2 === 0 ? `{{ file "${path}" }}` : `{{ ref "file://${path}" }}`,
      ]) {
        const outcome = await renderDry(dir, call, env(), true);
        assert.ok(outcome instanceof StrongboxError, `${call} rendered`);
        assert.ok(!leaks(outcome.message), call);
        // Refused, never merely "missing": each of these exists or is refused by its spelling.
        assert.doesNotMatch(outcome.message, /does not exist|cannot be read \(missing/, call);
      }
    // Not a file: a FIFO would hold the read open forever, a directory has no content.
    execFileSync("mkfifo", [join(dir, "fifo")]);
    for (const path of ["fifo", "sub"]) {
      const outcome = await renderDry(dir, `{{ file "${path}" }}`, env(), true);
      assert.ok(outcome instanceof StrongboxError, path);
      assert.match(outcome.message, /not a regular file/, path);
    }
    // `~` is nobody's home here: nothing expands it, so `file://~/.vault-token` names nothing.
    for (const home of homeSpellings)
      for (const call of [`{{ file "${home}" }}`, `{{ ref "file://${home}" }}`]) {
        const outcome = await renderDry(dir, call, env(), true);
        assert.ok(outcome instanceof StrongboxError, `${call} rendered`);
        assert.ok(!leaks(outcome.message), call);
      }
  });

  it("templates: secret never reaches auth/, sys/, cubbyhole/ or identity/, however spelled; KV and PKI do", async () => {
    const vaultEnv = { ...env(), VAULT_ADDR: vault.addr, VAULT_TOKEN: `${CANARY}-vault-token` };
    const control = await renderDry(
      dir,
      '{{ with secret "secret/data/app" }}{{ .Data.data.VALUE }}{{ end }}',
      vaultEnv,
      true,
    );
    assert.equal(control, "kv-value");
    const issued = await renderDry(
      dir,
      '{{ with secret "pki/issue/web" "common_name=a.example.com" }}{{ .Data.certificate }}{{ end }}',
      vaultEnv,
      true,
    );
    assert.equal(issued, "a-certificate");
    const endpoints = [
      "auth/token/lookup-self",
      "auth/token/lookup",
      "auth/token/create",
      "auth/token/create-orphan",
      "auth/approle/login",
      "auth/approle/role/app/secret-id",
      "auth/userpass/login/alice",
      "auth/kubernetes/login",
      "sys/wrapping/wrap",
      "sys/wrapping/unwrap",
      "sys/wrapping/rewrap",
      "sys/generate-root/attempt",
      "sys/policies/acl/root",
      "cubbyhole/response",
      "identity/oidc/token/app",
      "identity/entity/id",
    ];
    const spellings = (path: string) => [
      path,
      `secret/../${path}`,
      `./${path}`,
      `secret/./../${path}`,
      path.replace("/", "%2F"),
      path.replace(/^(.)/, (c) => `%${(c.codePointAt(0) as number).toString(16)}`),
      path.replace("/", "\\"),
      `${path}?list=true`,
      // Under a namespace, where the first segment is not the reserved one (OpenBao routes it).
      `ns1/${path}`,
    ];
    const before = vault.seen.length;
    for (const path of endpoints.flatMap(spellings))
      for (const call of [
        `{{ with secret "${path}" }}{{ .Data }}{{ end }}`,
        `{{ with secret "${path}" "ttl=1h" }}{{ .Data }}{{ end }}`,
        `{{ range secrets "${path}" }}{{ . }}{{ end }}`,
      ]) {
        const outcome = await renderDry(dir, call, vaultEnv, true);
        assert.ok(outcome instanceof StrongboxError, `${call} rendered ${String(outcome)}`);
        assert.ok(!leaks(outcome.message), call);
      }
    // An earlier read under ns1/ fills the client's mount cache; it must not decide for the next.
    for (const path of endpoints) {
      const call = `{{ with secret "ns1/nothing" }}{{ end }}{{ with secret "ns1/${path}" }}{{ .Data }}{{ end }}`;
      const outcome = await renderDry(dir, call, vaultEnv, true);
      assert.ok(outcome instanceof StrongboxError, `${call} rendered ${String(outcome)}`);
      assert.ok(!leaks(outcome.message), call);
    }
    const seen = vault.seen.slice(before);
    const reserved = (url: string) =>
      /\/v1\/(ns1\/)?(auth|sys\/(?!internal\/ui\/mounts)|cubbyhole|identity)/.test(url);
    // Strongbox's own identity lookup (the audit record's principal) follows a read that reached
    // Vault: at most one per such read, never for a refused one. Anything else reserved is a leak.
    const ownLookup = (url: string) => url === "/v1/auth/token/lookup-self";
    const reads = seen.filter((url) => !reserved(url) && !/internal\/ui\/mounts/.test(url));
    assert.ok(seen.filter(ownLookup).length <= reads.length, "identity lookups only after reads");
    const reached = seen.filter((url) => reserved(url) && !ownLookup(url));
    assert.deepEqual(reached, [], "no request reached a reserved path");
  });

  it("render --dry masks what file read, as it masks secrets", async () => {
    writeFileSync(join(dir, "show.tmpl"), '{{ file "note.txt" }}');
    const masked = await runCli(["render", "-i", "show.tmpl", "--dry"], { cwd: dir, env: env() });
    assert.equal(masked.code, 0, masked.stderr);
    assert.ok(!masked.stdout.includes(TAG), masked.stdout);
    const shown = await runCli(["render", "-i", "show.tmpl", "--dry", "--reveal"], {
      cwd: dir,
      env: env(),
    });
    assert.ok(shown.stdout.includes(TAG));
    // And a template source is read through the same guard: it is not a way to print a credential.
    for (const source of ["/proc/thread-self/environ", ".vault-token", "link-0"]) {
      const result = await runCli(["render", "-i", source, "--dry", "--reveal"], {
        cwd: dir,
        env: env(),
      });
      assert.notEqual(result.code, 0, source);
      assert.ok(!leaks(result.stdout + result.stderr), source);
    }
  });

  it(".env expansion, .env env:// and file:// values, schema file:// refs: export prints none of them", async () => {
    // The project holding the credential files, so that only the deny rules stand in the way.
    const config = readFileSync(join(dir, "strongbox.config.yaml"), "utf8");
    const vars = (prefix: string, count: number, ref?: (i: number) => string) =>
      Array.from(
        { length: count },
        (_, i) =>
          `  ${prefix}${i}: { secret: true${ref === undefined ? "" : `, ref: ${JSON.stringify(ref(i))}`} }`,
      ).join("\n");
    const cases: Record<string, readonly string[]> = {
      expansion: NAMES.map((name, i) => `E${i}="x\${${name}}"`),
      envRef: NAMES.map((name, i) => `E${i}=env://${name}`),
      fileRef: [...paths, ...absentPaths].map(
        (path, i) => `E${i}=file://${path.startsWith("/") ? path : `${dir}/${path}`}`,
      ),
    };
    try {
      for (const [kind, lines] of Object.entries(cases)) {
        writeFiles(dir, {
          "strongbox.config.yaml": `variables:\n${vars("E", lines.length)}\n`,
          ".env": `${lines.join("\n")}\n`,
        });
        const result = await runCli(["export", "--format", "json"], { cwd: dir, env: env() });
        assert.notEqual(result.code, 0, kind);
        assert.ok(!leaks(result.stdout + result.stderr), kind);
        assert.equal(result.stdout, "", kind);
        const why = kind === "fileRef" ? /may not be read/ : /credential Strongbox keeps to itself/;
        const refused = refusedVariables(result.stderr, why);
        for (const i of lines.keys()) assert.ok(refused.has(`E${i}`), `${kind}: E${i} ${lines[i]}`);
      }
      // The schema's own file:// refs: the config names them, and still a credential is refused.
      const all = [...paths, ...absentPaths];
      writeFiles(dir, {
        "strongbox.config.yaml": `variables:\n${vars("S", all.length, (i) => `file://${all[i]}`)}\n`,
        ".env": "",
      });
      const schema = await runCli(["export", "--format", "json"], { cwd: dir, env: env() });
      assert.notEqual(schema.code, 0);
      assert.ok(!leaks(schema.stdout + schema.stderr));
      assert.equal(schema.stdout, "");
      // Each refused, never merely missing: it exists, or is refused by its spelling.
      const refused = refusedVariables(schema.stderr, /may not be read/);
      for (const i of all.keys()) assert.ok(refused.has(`S${i}`), `S${i} ${all[i]}`);
    } finally {
      writeFiles(dir, { "strongbox.config.yaml": config, ".env": "" });
    }
  });

  it("relative credential paths are guarded where they are read: the working directory below the config", async () => {
    // Every *_FILE/*_PATH name, the credentials whose value may be a path (VAULT_CLIENT_KEY,
    // plain and prefixed), and each variable a provider reads a credential place from.
    const named = [
      ...NAMES.filter(isFileName),
      ...NAMES.filter((name) => /CLIENT_KEY$/.test(name)),
      ...providerCredentialFiles()
        .filter((place) => place.startsWith("$"))
        .map((place) => place.slice(1)),
    ];
    assert.ok(named.includes("VAULT_CLIENT_KEY") && named.includes("AZURE_CONFIG_DIR"));
    const cwd = join(dir, "deep", "cwd");
    const values: Record<string, string> = {};
    const files: string[] = [];
    for (const [i, name] of named.entries()) {
      values[name] = `rel/${name}`;
      const file = name.endsWith("_DIR")
        ? join(cwd, "rel", name, "inside")
        : join(cwd, "rel", name);
      writeFiles(cwd, { [relative(cwd, file)]: `${CANARY}-relative-${i}\n` });
      files.push(file);
    }
    const config = readFileSync(join(dir, "strongbox.config.yaml"), "utf8");
    try {
      writeFiles(dir, {
        "strongbox.config.yaml": `variables:\n${files.map((_, i) => `  E${i}: { secret: true }`).join("\n")}\n`,
        ".env": `${files.map((file, i) => `E${i}=file://${file}`).join("\n")}\n`,
      });
      const result = await runCli(
        ["export", "--format", "json", "--config", join(dir, "strongbox.config.yaml")],
        {
          cwd,
          env: { ...values, HOME: dir, STRONGBOX_CACHE_DIR: join(dir, ".cache") },
        },
      );
      assert.notEqual(result.code, 0);
      assert.ok(!leaks(result.stdout + result.stderr), "a relative credential file was printed");
      const refused = refusedVariables(result.stderr, /may not be read/);
      for (const i of files.keys())
        assert.ok(refused.has(`E${i}`), `E${i} ${named[i]}\n${result.stderr}`);
    } finally {
      writeFiles(dir, { "strongbox.config.yaml": config, ".env": "" });
    }
  });

  it("import stores none of them, even with --all, and says which it skipped", async () => {
    const project = tempProject();
    const passphrase = { STRONGBOX_PASSPHRASE: "correct horse battery staple" };
    assert.equal(
      (await runCli(["init", "--passphrase"], { cwd: project, env: passphrase })).code,
      0,
    );
    const dotenv = [
      ...NAMES.map((name) => `${name}=${CANARY}-import`),
      "API_KEY=sk-app-0123456789",
    ];
    writeFiles(project, { ".env": `${dotenv.join("\n")}\n` });
    const result = await runCli(["import", ".env", "--all", "--json"], {
      cwd: project,
      env: passphrase,
    });
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as {
      imported: Array<{ name: string }>;
      credentials: string[];
    };
    assert.deepEqual(
      report.imported.map((item) => item.name),
      ["API_KEY"],
    );
    assert.deepEqual([...report.credentials].sort(), NAMES);
    const plain = await runCli(["import", ".env", "--all"], {
      cwd: project,
      env: passphrase,
    });
    assert.match(plain.stderr, /skipped .*VAULT_TOKEN.*: credentials Strongbox uses/);
    const listed = await runCli(["list", "--json"], {
      cwd: project,
      env: passphrase,
    });
    assert.ok(!NAMES.some((name) => listed.stdout.includes(`"${name}"`)), listed.stdout);
  });

  it("migrate plans none of them, from a file or from the environment, and says which it skipped", async () => {
    const project = tempProject({
      // The CI job's identity may not be declared at all (test/security/ci-identity.test.ts).
      "strongbox.config.yaml": `variables:\n  DB_PASSWORD: { secret: true }\n${NAMES.filter(
        (name) => !isCiIdentityVariable(name),
      )
        .slice(0, 20)
        .map((name) => `  ${name}: { secret: true }`)
        .join("\n")}\n`,
      ".env": `${[...NAMES.map((name) => `${name}=${CANARY}-migrate`), "DB_PASSWORD=db-secret-0123456"].join("\n")}\n`,
    });
    const migrateEnv = { VAULT_ADDR: vault.addr, VAULT_TOKEN: `${CANARY}-vault-token` };
    const fromFile = await runCli(["migrate", "-f", ".env", "--json"], {
      cwd: project,
      env: migrateEnv,
    });
    assert.equal(fromFile.code, 0, fromFile.stderr);
    const rows = (JSON.parse(fromFile.stdout) as { rows: Array<{ variable: string }> }).rows;
    assert.deepEqual(
      rows.map((row) => row.variable),
      ["DB_PASSWORD"],
    );
    for (const name of NAMES) assert.ok(fromFile.stderr.includes(name), name);
    assert.match(fromFile.stderr, /skipped .*: credentials Strongbox uses/);
    const fromEnv = await runCli(["migrate", "--from-env", "--json"], {
      cwd: project,
      env: { ...env(), ...migrateEnv, DB_PASSWORD: "db-secret-0123456" },
    });
    assert.equal(fromEnv.code, 0, fromEnv.stderr);
    const envRows = (JSON.parse(fromEnv.stdout) as { rows: Array<{ variable: string }> }).rows;
    assert.deepEqual(
      envRows.map((row) => row.variable),
      ["DB_PASSWORD"],
    );
    assert.match(fromEnv.stderr, /skipped .*: credentials Strongbox uses/);
    assert.ok(!leaks(fromFile.stdout + fromEnv.stdout));
  });
});

/** The variables a resolution error's lines report with `why` (one line may name several: "for E0, E1"). */
function refusedVariables(stderr: string, why: RegExp): Set<string> {
  const names = new Set<string>();
  for (const line of stderr.split("\n"))
    if (line.trimStart().startsWith("✗") && why.test(line))
      for (const match of line.matchAll(/(?:✗ |\(for |, |\.env:\d+: )([ES]\d+)\b/g))
        names.add(match[1] as string);
  return names;
}

/** Renders `template` as `render --dry` does (in this process); the error when it fails. */
async function renderDry(
  cwd: string,
  template: string,
  env: Record<string, string>,
  reveal = false,
): Promise<string | StrongboxError> {
  const input = `t-${randomBytes(4).toString("hex")}.tmpl`;
  writeFileSync(join(cwd, input), template);
  try {
    const [text] = await renderFiles([{ input }], {
      cwd,
      env: { ...env, HOME: cwd, PATH: process.env.PATH ?? "" },
      dry: true,
      reveal,
      audit: { write: () => undefined },
    });
    return text as string;
  } catch (error) {
    if (error instanceof StrongboxError) return error;
    if (error instanceof Error && "issues" in error) {
      const issues = (error as { issues: Array<{ message: string }> }).issues;
      return new StrongboxError("E_RESOLUTION", issues.map((i) => i.message).join("; "));
    }
    throw error;
  }
}

interface FakeVault {
  readonly addr: string;
  readonly seen: string[];
  close(): Promise<void>;
}

/**
 * A Vault that answers everything, as a compromised token's server would: KV reads, PKI
 * writes, and every token endpoint with the token itself. Only a refusal before the request
 * keeps the token out of a template.
 */
function fakeVault(token: string): Promise<FakeVault> {
  const seen: string[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    req.resume();
    req.on("end", () => {
      const url = req.url ?? "";
      seen.push(url);
      const json = (status: number, body: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      if (url.startsWith("/v1/sys/internal/ui/mounts/secret"))
        return json(200, { data: { path: "secret/", type: "kv", options: { version: "2" } } });
      if (url.startsWith("/v1/sys/internal/ui/mounts/pki"))
        return json(200, { data: { path: "pki/", type: "pki", options: null } });
      // As OpenBao answers for a namespace's own backends (checked against bao 2.7).
      const namespaced = /^\/v1\/sys\/internal\/ui\/mounts\/ns1\/([^/]+)\/([^/?]+)/.exec(url);
      if (namespaced !== null) {
        const [, first, second] = namespaced as unknown as [string, string, string];
        return json(200, {
          data:
            first === "auth"
              ? { type: second === "token" ? "ns_token" : second, path: `ns1/auth/${second}/` }
              : { type: `ns_${first === "sys" ? "system" : first}`, path: `ns1/${first}/` },
        });
      }
      if (url.startsWith("/v1/sys/internal/ui/mounts/")) return json(404, { errors: [] });
      if (url.startsWith("/v1/secret/data/app"))
        return json(200, { data: { data: { VALUE: "kv-value" }, metadata: { version: 1 } } });
      if (url.startsWith("/v1/pki/issue/web"))
        return json(200, { data: { certificate: "a-certificate" } });
      if (url.startsWith("/v1/secret/")) return json(404, { errors: [] });
      return json(200, { data: { id: token, client_token: token, keys: [token] } });
    });
  });
  return listenLoopback(server).then((listening) => ({ ...listening, seen }));
}
