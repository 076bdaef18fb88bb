import assert from "node:assert/strict";
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import fc from "fast-check";
import { StrongboxError } from "../../src/errors.js";
import "../../src/providers/registry.js"; // hands the providers' credential files to the read guard
import { parseTemplate } from "../../src/template/parse.js";
import { checkFunctions, renderTemplate } from "../../src/template/render.js";
import { ROOT, tempProject } from "../helpers/cli.js";
import { CORPUS_ENV, CORPUS_SECRETS } from "./render-corpus-data.js";

const SECRETS: Record<string, unknown> = {
  "secret/data/shop/production/app": {
    Data: { data: { DB: 'p"w$d', KEY: "k1", JSONISH: { a: 1 } }, metadata: { version: 3 } },
  },
  "kv/app": { Data: { TOKEN: "t1" } },
};
const render = (
  source: string,
  options: { allowMissing?: boolean; env?: Record<string, string>; project?: string } = {},
) =>
  renderTemplate(parseTemplate(source, "t.ctmpl"), {
    secret: async (path) => SECRETS[path],
    env: (name) => options.env?.[name],
    ...(options.project === undefined
      ? {}
      : { reads: { roots: [options.project], cwd: options.project, env: options.env ?? {} } }),
    ...(options.allowMissing ? { allowMissing: true } : {}),
    file: "t.ctmpl",
  });

describe("template renderer", () => {
  it("mustEnv fails on an empty variable; env, envOrDefault and mustEnv refuse credentials", async () => {
    await assert.rejects(
      render('{{ mustEnv "NOPE" }}'),
      /required environment variable NOPE is empty/,
    );
    for (const fn of ["env", "envOrDefault", "mustEnv"])
      await assert.rejects(
        render(`{{ ${fn} "VAULT_TOKEN"${fn === "envOrDefault" ? ' "x"' : ""} }}`, {
          env: { VAULT_TOKEN: "s.canary" },
        }),
        (error: StrongboxError) => {
          assert.match(error.message, new RegExp(`${fn} "VAULT_TOKEN" reads a credential`));
          assert.ok(!error.message.includes("s.canary"));
          return true;
        },
      );
  });

  it("file reads a file; attacks: the Vault token, a symlink to it, a store key and a process environment are refused", async () => {
    const dir = tempProject({
      "note.txt": "plain contents\n",
      ".vault-token": "s.canary-token-8812",
    });
    mkdirSync(join(dir, ".strongbox"));
    writeFileSync(join(dir, ".strongbox", "keyring.sbx"), "k");
    symlinkSync(join(dir, ".vault-token"), join(dir, "innocent.txt"));
    const project = { project: dir, env: { HOME: dir } };
    assert.equal(
      await render(`{{ file "${join(dir, "note.txt")}" }}`, project),
      "plain contents\n",
    );
    for (const [path, why] of [
      [join(dir, ".vault-token"), /holds a credential Strongbox keeps to itself/],
      [join(dir, "innocent.txt"), /holds a credential Strongbox keeps to itself/],
      [join(dir, ".strongbox", "keyring.sbx"), /inside a Strongbox store/],
      ["/proc/self/environ", /a process, system or device file/],
    ] as const) {
      await assert.rejects(render(`{{ file "${path}" }}`, project), (error: StrongboxError) => {
        assert.equal(error.code, "E_TEMPLATE");
        assert.match(error.message, why);
        assert.ok(!error.message.includes("canary-token"));
        return true;
      });
    }
    await assert.rejects(
      render(`{{ file "${join(dir, "absent.txt")}" }}`, project),
      /cannot be read/,
    );
  });

  it("attack: file refuses the keys that open team stores: SSH private keys and STRONGBOX_IDENTITY_FILE", async () => {
    const home = tempProject({ "ci.key": "AGE-SECRET-KEY-1CANARY\n" });
    mkdirSync(join(home, ".ssh"));
    writeFileSync(join(home, ".ssh", "id_ed25519"), "-----BEGIN OPENSSH PRIVATE KEY-----canary");
    writeFileSync(join(home, ".ssh", "id_ed25519.pub"), "ssh-ed25519 AAAA public");
    const env = { HOME: home, STRONGBOX_IDENTITY_FILE: join(home, "ci.key") };
    // ~/.ssh as a whole: where the private keys are is the user's business, not a template's.
    for (const path of [
      join(home, ".ssh", "id_ed25519"),
      join(home, ".ssh", "id_ed25519.pub"),
      join(home, "ci.key"),
    ])
      await assert.rejects(
        render(`{{ file "${path}" }}`, { env, project: home }),
        (error: StrongboxError) => {
          assert.match(error.message, /holds a credential Strongbox keeps to itself/);
          assert.ok(!error.message.includes("CANARY") && !error.message.includes("canary"));
          return true;
        },
      );
  });

  it("reports a template called but never defined, one defined twice, and endless recursion", async () => {
    await assert.rejects(
      render('{{ template "nope" }}'),
      /t\.ctmpl:1:1: no template "nope" is defined/,
    );
    await assert.rejects(
      render('{{ define "a" }}1{{ end }}{{ define "a" }}2{{ end }}'),
      /template "a" is defined twice/,
    );
    await assert.rejects(
      render('{{ define "loop" }}{{ template "loop" }}{{ end }}{{ template "loop" }}'),
      /calls itself more than 1000 times/,
    );
  });

  it("refuses a secret path with an empty segment (a variable in it unset) instead of reading another path", async () => {
    await assert.rejects(
      render(
        `{{ with secret (printf "secret/data/shop/%s/app" (env "ENV")) }}{{ .Data.data.DB }}{{ end }}`,
      ),
      (error: StrongboxError) => {
        assert.equal(error.code, "E_TEMPLATE");
        assert.match(
          error.message,
          /t\.ctmpl:1:\d+: the secret path "secret\/data\/shop\/\/app" has an empty segment/,
        );
        return true;
      },
    );
  });

  it("renders the seed's template shape with %q quoting and else fallbacks", async () => {
    const out = await render(
      `{{ with secret (printf "secret/data/shop/%s/app" (env "ENV")) }}\nDB={{ with .Data.data.DB }}{{ printf "%q" . }}{{ else }}""{{ end }}\nNOPE={{ with .Data.data.NOPE }}{{ printf "%q" . }}{{ else }}""{{ end }}\n{{ end }}\n`,
      { env: { ENV: "production" } },
    );
    assert.equal(out, '\nDB="p\\"w$d"\nNOPE=""\n\n');
  });

  it("supports KV v1, index, toJSON, base64, range, if/else if, variables and trim markers", async () => {
    const out = await render(
      `{{- with secret "kv/app" -}}T={{ .Data.TOKEN }}{{ end }}
{{ with secret "secret/data/shop/production/app" }}K={{ index .Data.data "KEY" }} J={{ .Data.data.JSONISH | toJSON }} B={{ base64Encode .Data.data.KEY }} V={{ .Data.metadata.version }}
{{ range $k, $v := .Data.data }}{{ $k }};{{ end }}{{ end }}
{{ $e := env "ENV" }}{{ if eq $e "prod" }}P{{ else if eq $e "dev" }}D{{ else }}O{{ end }}`,
      { env: { ENV: "dev" } },
    );
    assert.equal(out, 'T=t1\nK=k1 J={"a":1} B=azE= V=3\nDB;JSONISH;KEY;\nD');
  });

  it("fails on a missing key with its position, unless allowed", async () => {
    await assert.rejects(
      render(`{{ with secret "kv/app" }}\nX={{ .Data.MISSING }}{{ end }}`),
      (error: unknown) =>
        error instanceof StrongboxError &&
        error.code === "E_TEMPLATE" &&
        /t\.ctmpl:2:6: the key MISSING does not exist/.test(error.message),
    );
    assert.equal(
      await render(`{{ with secret "kv/app" }}X={{ .Data.MISSING }}{{ end }}`, {
        allowMissing: true,
      }),
      "X=",
    );
    await assert.rejects(render(`{{ with secret "nope/x" }}{{ end }}`), /no secret at nope\/x/);
  });

  it("inserts secret values as data: template syntax inside a value is not evaluated", async () => {
    SECRETS["kv/tricky"] = { Data: { V: '{{ env "HOME" }} ${X} <%= 1 %>' } };
    assert.equal(
      await render(`{{ with secret "kv/tricky" }}{{ .Data.V }}{{ end }}`, {
        env: { HOME: "/root" },
      }),
      '{{ env "HOME" }} ${X} <%= 1 %>',
    );
  });

  it("rejects an unsupported function before rendering, with its position; lists keys with secrets", async () => {
    assert.throws(
      () =>
        checkFunctions(
          parseTemplate('A={{ env "X" }}\nB={{ key "consul/path" }}', "t.ctmpl"),
          "t.ctmpl",
        ),
      (error: unknown) =>
        error instanceof StrongboxError &&
        /t\.ctmpl:2:6: key reads Consul or Nomad/.test(error.message),
    );
    assert.throws(
      () => checkFunctions(parseTemplate('{{ sprig_genCA "x" 1 }}'), "t.ctmpl"),
      /sprig_genCA is a Sprig function Strongbox does not implement/,
    );
    assert.throws(
      () => checkFunctions(parseTemplate("{{ nosuch 1 }}"), "t.ctmpl"),
      /the function nosuch is not supported/,
    );
    const out = await renderTemplate(
      parseTemplate('{{ range secrets "secret/metadata/app/" }}{{ . }};{{ end }}'),
      {
        secret: async () => undefined,
        env: () => undefined,
        list: async (path) => (path === "secret/metadata/app/" ? ["a", "b/"] : []),
      },
    );
    assert.equal(out, "a;b/;");
  });

  it("text without {{ renders unchanged", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ maxLength: 200 }).filter((text) => !text.includes("{{")),
        async (text) => {
          assert.equal(await render(text), text);
        },
      ),
    );
  });
});

describe("render corpus: 20 templates, golden outputs", () => {
  const dir = join(ROOT, "test/fixtures/ctmpl-corpus");
  const expected = JSON.parse(readFileSync(join(dir, "expected-render.json"), "utf8")) as Record<
    string,
    string
  >;
  it("covers at least 20 templates", () => assert.ok(Object.keys(expected).length >= 20));
  for (const [file, output] of Object.entries(expected)) {
    it(`renders ${file}`, async () => {
      const text = await renderTemplate(
        parseTemplate(readFileSync(join(dir, file), "utf8"), file),
        {
          secret: async (path) => CORPUS_SECRETS[path],
          env: (name) => CORPUS_ENV[name],
          allowMissing: true,
          file,
        },
      );
      assert.equal(text, output);
    });
  }
});
