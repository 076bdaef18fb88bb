// Issue 24 follow-up (red team, item 1): a `vault://` reference or a template never reaches
// auth/, sys/, cubbyhole/ or identity/ (nor their namespaced forms), and a reference reads
// only KV mounts. Every reserved path, in every spelling, through every entry point, against a
// real OpenBao dev server with a non-root token; the server's audit log shows no request reached.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Bao, type RecordingProxy, recordingProxy, startBao } from "../helpers/bao.js";
import { runCli, tempProject, writeFiles } from "../helpers/cli.js";

const ENDPOINTS = [
  "auth/token/lookup-self",
  "auth/token/lookup",
  "auth/approle/role/app/secret-id",
  "sys/wrapping/lookup",
  "sys/mounts",
  "sys/policies/acl/default",
  "cubbyhole/stash",
  "identity/oidc/token/x",
  "identity/entity/id",
];
/** Each reserved path as written, through `..`, escaped, under a namespace and a mount. */
const spellings = (path: string) => [
  path,
  `ns1/${path}`,
  `secret/../${path}`,
  path.replace("/", "%2F"),
  path.replace(/^(.)/, (c) => `%${(c.codePointAt(0) as number).toString(16)}`),
];
const PATHS = ENDPOINTS.flatMap(spellings);
/** A KV-shaped key of each reserved response: what a ref would print. */
const KEY = (path: string) => (path.includes("cubbyhole") ? "x" : "id");

describe("vault:// refs and templates never leave the secrets engines (real OpenBao)", () => {
  let bao: Bao;
  let token: string;
  let dir: string;
  let proxy: RecordingProxy;
  let proxyAddr: string;
  let seen: string[] = [];
  let baseline: string[] = [];
  const env = () => ({ VAULT_ADDR: proxyAddr, VAULT_TOKEN: token });
  const leaks = (text: string) => text.includes(token) || text.includes("cubby-secret");

  before(async () => {
    bao = await startBao();
    dir = tempProject();
    proxy = await recordingProxy(bao.addr);
    proxyAddr = proxy.addr;
    seen = proxy.seen;
    bao.cli(["namespace", "create", "ns1"]);
    bao.cli(["secrets", "enable", "-path=kv1", "-version=1", "kv"]);
    bao.cli(["secrets", "enable", "pki"]);
    bao.cli(["kv", "put", "-mount=secret", "app", "KEY=kv2-value"]);
    bao.cli(["kv", "put", "-mount=kv1", "app", "KEY=kv1-value"]);
    // The widest reads a token could be lent: every path, so only Strongbox's rule stands.
    bao.cli(["policy", "write", "wide", "-"], {
      input: 'path "*" { capabilities = ["read", "list", "update", "create"] }\n',
    });
    token = bao.cli(["token", "create", "-policy=wide", "-field=token"]).trim();
    bao.cli(["write", "cubbyhole/stash", "x=cubby-secret", "id=cubby-secret"], {
      env: { BAO_TOKEN: token },
    });
    // The attack works against the server: the token's own lookup returns it.
    assert.ok(
      bao
        .cli(["read", "-field=id", "auth/token/lookup-self"], { env: { BAO_TOKEN: token } })
        .includes(token),
    );
  });
  after(async () => {
    proxy?.close();
    await bao?.stop();
  });

  /** The reserved paths requested since `from` (asking where a path is routed is allowed). */
  const reached = (from: number) =>
    seen
      .slice(from)
      .map((url) => decodeURIComponent(url.replace(/^\/v1\//, "").split("?")[0] ?? ""))
      .filter((path) => /(^|\/)(auth|sys|cubbyhole|identity)\//.test(path))
      .filter((path) => !/^sys\/internal\/ui\/mounts\//.test(path));
  const logSize = () => seen.length;

  const declare = (count: number, ref?: (i: number) => string) =>
    `variables:\n${Array.from(
      { length: count },
      (_, i) =>
        `  V${i}: { secret: true${ref === undefined ? "" : `, ref: ${JSON.stringify(ref(i))}`} }`,
    ).join("\n")}\n`;
  const refOf = (path: string) => `vault://${path}#${KEY(path)}`;

  it("controls: KV v2 and KV v1 refs read", async () => {
    writeFiles(dir, {
      "strongbox.config.yaml": declare(2, (i) =>
        i === 0 ? "vault://secret/app#KEY" : "vault://kv1/app#KEY",
      ),
      ".env": "",
    });
    const from = logSize();
    const result = await runCli(["export", "--format", "json"], { cwd: dir, env: env() });
    assert.equal(result.code, 0, result.stderr);
    // What Strongbox itself asks of Vault for its own token (lookup-self): every run asks the same.
    baseline = reached(from);
    assert.deepEqual(JSON.parse(result.stdout), { V0: "kv2-value", V1: "kv1-value" });
  });

  it("export: a reserved or non-KV path as a .env value, an environment value or a schema ref is refused", async () => {
    const all = [...PATHS, "pki/cert/ca", "pki/ca/pem"];
    const keyed = (i: number) =>
      all[i]?.startsWith("pki/") === true ? `vault://${all[i]}#certificate` : refOf(all[i] ?? "");
    const entries: Record<
      string,
      { config: string; dotenv: string; vars: Record<string, string> }
    > = {
      dotenv: {
        config: declare(all.length),
        dotenv: all.map((_, i) => `V${i}=${keyed(i)}`).join("\n"),
        vars: {},
      },
      environment: {
        config: declare(all.length),
        dotenv: "",
        vars: Object.fromEntries(all.map((_, i) => [`V${i}`, keyed(i)])),
      },
    };
    for (const [entry, { config, dotenv, vars }] of Object.entries(entries)) {
      writeFiles(dir, { "strongbox.config.yaml": config, ".env": `${dotenv}\n` });
      const from = logSize();
      const result = await runCli(["export", "--format", "json"], {
        cwd: dir,
        env: { ...env(), ...vars },
      });
      assert.notEqual(result.code, 0, entry);
      assert.ok(!leaks(result.stdout + result.stderr), `${entry} leaked`);
      assert.equal(result.stdout, "", entry);
      for (const i of all.keys())
        assert.ok(
          result.stderr
            .split("\n")
            .some(
              (line) =>
                new RegExp(`\\bV${i}\\b`).test(line) &&
                /may not|does not say|not a KV store|would rewrite|needs a mount/.test(line),
            ),
          `${entry}: V${i} ${all[i]}\n${result.stderr}`,
        );
      assert.ok(
        reached(from).every((path) => baseline.includes(path)),
        `${entry}: a request reached a reserved path`,
      );
    }
    // The schema: each in a config of its own (a malformed ref fails the whole schema).
    writeFiles(dir, { ".env": "" });
    for (const i of all.keys()) {
      writeFiles(dir, { "strongbox.config.yaml": declare(1, () => keyed(i)) });
      const from = logSize();
      const result = await runCli(["export", "--format", "json"], { cwd: dir, env: env() });
      assert.notEqual(result.code, 0, all[i]);
      assert.ok(!leaks(result.stdout + result.stderr), `${all[i]} leaked`);
      assert.match(
        result.stderr,
        /may not|does not say|not a KV store|would rewrite|needs a mount/,
        `${all[i]}: ${result.stderr}`,
      );
      assert.ok(
        reached(from).every((path) => baseline.includes(path)),
        `${all[i]}: a request reached a reserved path`,
      );
    }
  });

  it("templates: ref, strongbox, secret and secrets never reach a reserved path", async () => {
    writeFiles(dir, {
      "strongbox.config.yaml": declare(1, () => "vault://secret/app#KEY"),
      ".env": "",
    });
    const render = async (template: string, vars: Record<string, string> = {}) => {
      writeFiles(dir, { "t.tmpl": template });
      return runCli(["render", "-i", "t.tmpl", "--dry", "--reveal"], {
        cwd: dir,
        env: { ...env(), ...vars },
      });
    };
    let from = logSize();
    const control = await render('{{ ref "vault://secret/app#KEY" }}');
    assert.equal(control.code, 0, control.stderr);
    assert.ok(control.stdout.includes("kv2-value"));
    const own = reached(from);
    for (const path of PATHS)
      for (const [template, vars] of [
        [`{{ ref "${refOf(path)}" }}`, {}],
        ['{{ strongbox "V0" }}', { V0: refOf(path) }],
        [`{{ with secret "${path}" }}{{ .Data }}{{ end }}`, {}],
        [`{{ range secrets "${path}" }}{{ . }}{{ end }}`, {}],
      ] as const) {
        from = logSize();
        const result = await render(template, vars);
        assert.notEqual(result.code, 0, `${template} ${JSON.stringify(vars)} rendered`);
        assert.ok(!leaks(result.stdout + result.stderr), template);
        // Strongbox's own lookup of its token at most, never the path asked for.
        const asked = reached(from);
        assert.ok(
          asked.every((path) => own.includes(path)),
          `${template}: ${asked.join(", ")}`,
        );
      }
  });
});
