// Issue 24, item 12: every message Strongbox prints passes one redactor that knows every
// value the process read. The cases are generated: canaries × every masking form × every
// message path (each template function of the builtin table, each schema type and echoing
// validators, a hostile Vault's error text and body, NUL and control characters in values).
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { Writable } from "node:stream";
import { describe, it } from "node:test";
import { type CliIo, say } from "../../src/cli/io.js";
import { renderError } from "../../src/cli/render-error.js";
import { shellQuote } from "../../src/format/formats.js";
import {
  clearRegistry,
  MIN_SUBSTRING,
  redactMessage,
  registerIdentifier,
  registerSecret,
} from "../../src/redact/registry.js";
import type { BuiltinType } from "../../src/schema/types.js";
import { parseTemplate } from "../../src/template/parse.js";
import { renderTemplate, TEMPLATE_FUNCTIONS } from "../../src/template/render.js";
import { MAX_RESPONSE_BYTES } from "../../src/vault/http.js";
import { runCli, tempProject } from "../helpers/cli.js";
import { listenLoopback } from "../helpers/loopback.js";

/**
 * Canaries with the characters that change how a value is printed: none of them holds a
 * letters-only word of six or more letters between separators (which the redactor leaves
 * alone by rule, see registry.ts), so every six-character window of them must be masked.
 */
const CANARIES = [
  "dbpwCANARY42",
  "Zq9/x+Pw==c4nary:7734",
  "it's-c4n4ry-42%20x&y",
  "l1ne1-c4n4ry\nl1ne2-x9q8w7\r\nl1ne3-m5n6b4",
  "esc\u001b[31mc4n4ry\u0007tail9",
  'quo"te\\c4n4ry\ttab77',
];

/** Every whole form a value is printed in. */
function wholeForms(value: string): string[] {
  const bytes = Buffer.from(value);
  return [
    value,
    value.toUpperCase(),
    value.toLowerCase(),
    JSON.stringify(value).slice(1, -1),
    bytes.toString("base64"),
    bytes.toString("base64").replace(/=+$/, ""),
    bytes.toString("base64url"),
    bytes.toString("hex"),
    bytes.toString("hex").toUpperCase(),
    encodeURIComponent(value),
    shellQuote(value),
    ...value.split(/\r?\n/),
  ].filter((form) => form.length >= 4);
}

/** Parts a message may quote: prefixes (`slice(0, 6)`), suffixes, windows, and their encodings. */
function fragments(value: string): string[] {
  const out: string[] = [];
  for (let k = MIN_SUBSTRING; k < value.length; k++) {
    out.push(value.slice(0, k), value.slice(value.length - k));
    out.push(
      Buffer.from(value.slice(0, k))
        .toString("base64")
        .slice(0, Math.floor(k / 3) * 4),
    );
    out.push(Buffer.from(value.slice(0, k)).toString("hex"));
  }
  for (let i = 0; i + MIN_SUBSTRING <= value.length; i++)
    out.push(value.slice(i, i + MIN_SUBSTRING));
  return out.filter((part) => part.length >= MIN_SUBSTRING && !/[\r\n]/.test(part));
}

/** Every form and part of every canary that `text` shows; empty when none. */
function leaks(text: string, canaries: readonly string[] = CANARIES): string[] {
  const found: string[] = [];
  for (const canary of canaries)
    for (const form of [...wholeForms(canary), ...fragments(canary)])
      if (text.includes(form)) found.push(form);
  return found;
}

function assertClean(label: string, text: string, canaries: readonly string[] = CANARIES): void {
  const found = leaks(text, canaries);
  assert.deepEqual(found, [], `${label}: leaked ${JSON.stringify(found)} in:\n${text}`);
}

/** A CliIo that keeps what is written. */
function captureIo(): CliIo & { out(): string; err(): string } {
  const sink = () => {
    let text = "";
    const stream = new Writable({
      write(chunk, _encoding, done) {
        text += chunk.toString();
        done();
      },
    });
    return { stream, text: () => text };
  };
  const stdout = sink();
  const stderr = sink();
  return {
    stdout: stdout.stream,
    stderr: stderr.stream,
    env: {},
    cwd: process.cwd(),
    out: stdout.text,
    err: stderr.text,
  };
}

/** What the CLI prints for `error`, as text and as --json. */
function printed(error: unknown): string {
  const io = captureIo();
  renderError(io, error, false);
  renderError(io, error, true);
  return io.out() + io.err();
}

describe("one redactor for every printed message (issue 24.12)", () => {
  it("masks every form and every long-enough part of every registered value", () => {
    clearRegistry();
    CANARIES.forEach((canary, i) => {
      registerSecret(`C${i}`, canary);
    });
    let checked = 0;
    for (const canary of CANARIES)
      for (const form of [...wholeForms(canary), ...fragments(canary)]) {
        const io = captureIo();
        say(io, `strongbox: error: the validator said "${form}"... is not valid (E_INVALID)`);
        assertClean(`form ${JSON.stringify(form)}`, io.err());
        checked++;
      }
    assert.ok(checked > 400, `${checked} forms`);
  });

  it("leaves Strongbox's own words alone: names, and words a value happens to hold", () => {
    clearRegistry();
    registerSecret("APP_TOKEN", "APP_TOKEN_zq9x7c");
    registerSecret("PHRASE", "my-secret-passw0rd-x");
    registerIdentifier("APP_TOKEN");
    const message = "APP_TOKEN: the secret is written as a literal (E_INLINE_SECRET)";
    assert.equal(redactMessage(message), message);
    assert.equal(redactMessage("got APP_TOKEN_zq9x7c"), "got <redacted:APP_TOKEN>");
    assert.equal(redactMessage('"my-sec"...'), '"<redacted:PHRASE>"...');
    assert.equal(redactMessage("2 secrets unset"), "2 secrets unset");
    registerSecret("OTHER", "xsecretx9q");
    assert.match(redactMessage("a secret"), /^a <redacted:\w+>$/, "a fragment of another value");
    // An encoded part counts from six characters of the value: a hash or id that shares a few
    // hex or base64 characters with a secret's encoding is left alone.
    registerSecret("HEXED", "dbpwCANARY42");
    const hex = Buffer.from("dbpwCANARY42").toString("hex");
    assert.equal(redactMessage(`id ${hex.slice(2, 12)}`), `id ${hex.slice(2, 12)}`);
    assert.equal(redactMessage(`id ${hex.slice(0, 12)}`), "id <redacted:HEXED>");
  });

  it("shows control characters escaped rather than acting on them", () => {
    clearRegistry();
    const io = captureIo();
    say(io, "a\u001b[2Jb\u009b31mc\rd\u202ee\u0000f");
    assert.equal(io.err(), "a\\x1b[2Jb\\x9b31mc\\rd\\u202ee\\x00f\n");
  });

  // Every template function of the builtin table, given the canary as each of its arguments
  // (as a pipeline, a variable, a secret's field): the error, printed as the CLI prints it,
  // shows no form of the canary. Once with the canary registered (it is a schema secret the
  // process resolved), once not (an environment value nothing marked as secret).
  for (const registered of [true, false])
    it(`template errors quote no computed value, for every function (${registered ? "a registered secret" : "an unregistered value"})`, async () => {
      clearRegistry();
      const functions = [...TEMPLATE_FUNCTIONS];
      assert.ok(functions.length > 100, `${functions.length} functions`);
      const vaultPaths: string[] = [];
      let errors = 0;
      for (const canary of CANARIES) {
        if (registered) registerSecret("DBPW", canary);
        const ctx = {
          secret: async (path: string) => {
            vaultPaths.push(path);
            return path === "kv/app" ? { Data: { data: { pw: canary }, metadata: {} } } : undefined;
          },
          list: async (path: string) => {
            vaultPaths.push(path);
            return [];
          },
          env: (name: string) => (name === "C" ? canary : undefined),
          variable: async () => canary,
          ref: async () => canary,
          file: "t.ctmpl",
        };
        for (const name of functions) {
          const sources = registered
            ? ['(strongbox "DBPW")', '(index (secret "kv/app").Data.data "pw")']
            : ['(env "C")'];
          for (const value of sources) {
            const shapes = [
              `{{ ${name} ${value} }}`,
              `{{ ${value} | ${name} }}`,
              `{{ ${name} ${value} ${value} }}`,
              `{{ ${value} | ${name} "x" }}`,
              `{{ ${name} "x" "y" ${value} }}`,
              `{{ $v := ${value} }}{{ ${name} $v $v $v }}`,
            ];
            for (const source of shapes) {
              let error: unknown;
              try {
                await renderTemplate(parseTemplate(source, "t.ctmpl"), ctx);
              } catch (thrown) {
                error = thrown;
              }
              if (error === undefined) continue;
              errors++;
              const text = printed(error);
              // A Vault path is a name, printed as one; an unregistered value is not known to be secret.
              const vaultPath = ["secret", "secrets", "pkiCert"].includes(name) && !registered;
              if (!vaultPath)
                assertClean(`${source} with ${JSON.stringify(canary)}`, text, [canary]);
              assert.doesNotMatch(text, /internal error/, source);
            }
          }
        }
      }
      assert.ok(errors > 500, `${errors} errors`);
      // A registered secret never became a Vault path.
      if (registered)
        for (const path of vaultPaths) assertClean(`path sent to Vault: ${path}`, path);
    });

  it("a Vault path holding a secret, whole, encoded or in part, is refused before it is sent", async () => {
    clearRegistry();
    const canary = "dbpwCANARY42xq";
    registerSecret("DBPW", canary);
    const sent: string[] = [];
    const ctx = {
      secret: async (path: string) => {
        sent.push(path);
        return undefined;
      },
      list: async (path: string) => {
        sent.push(path);
        return [];
      },
      env: () => undefined,
      variable: async () => canary,
      file: "t.ctmpl",
    };
    const builds = [
      '(strongbox "DBPW")',
      '(printf "kv/%s/app" (strongbox "DBPW"))',
      '(printf "kv/%s" (strongbox "DBPW" | base64Encode))',
      '(printf "kv/%s" (strongbox "DBPW" | sprig_trunc 7))',
      '(printf "kv/%s" (strongbox "DBPW" | sprig_substr 3 11))',
      '(printf "kv/%s" (strongbox "DBPW" | toUpper))',
      '(printf "kv/%s" (strongbox "DBPW" | urlquery))',
    ];
    for (const name of ["secret", "secrets", "pkiCert"])
      for (const path of builds) {
        const source = `{{ ${name} ${path} }}`;
        await assert.rejects(
          renderTemplate(parseTemplate(source, "t.ctmpl"), ctx),
          (error: Error & { code?: string }) => {
            assert.equal(error.code, "E_TEMPLATE", source);
            assert.match(error.message, /holds a secret value; it was not sent to Vault/, source);
            assertClean(source, printed(error), [canary]);
            return true;
          },
        );
      }
    assert.deepEqual(sent, []);
    // A path built from names is still read.
    await renderTemplate(parseTemplate('{{ secret (printf "kv/%s" "app") }}', "t.ctmpl"), {
      ...ctx,
      allowMissing: true,
    });
    assert.deepEqual(sent, ["kv/app"]);
  });

  it("a validator message quoting part of a secret (each type, each echo) shows none of it", async () => {
    const canary = "dbpwCANARY42xq";
    const types: Record<BuiltinType, string> = {
      string: ', pattern: "^x$"',
      url: "",
      int: "",
      number: "",
      port: "",
      boolean: "",
      enum: ', values: ["a", "b"]',
      json: "",
      duration: "",
      list: "",
    };
    const echoes = {
      PREFIX: "v.slice(0, 6)",
      SUFFIX: "v.slice(-7)",
      MIDDLE: "v.slice(3, 10)",
      BASE64: 'Buffer.from(v).toString("base64")',
      BASE64_PREFIX: 'Buffer.from(v.slice(0, 9)).toString("base64")',
      HEX: 'Buffer.from(v).toString("hex")',
      JSONQ: "JSON.stringify(v)",
      URL: "encodeURIComponent(v)",
      UPPER: "v.toUpperCase()",
      PARSE: "(() => { try { JSON.parse(v); } catch (e) { return e.message; } })()",
    };
    const validator = (body: string) =>
      `schema: { "~standard": { version: 1, vendor: "echo", validate: (v) => ${body} } }`;
    const lines = [
      ...Object.entries(types).map(
        ([type, extra]) =>
          `    T_${type.toUpperCase()}: { secret: true, type: "${type}"${extra} },`,
      ),
      ...Object.entries(echoes).map(
        ([name, expression]) =>
          `    E_${name}: { secret: true, ${validator(`({ issues: [{ message: "rejected " + ${expression} }] })`)} },`,
      ),
      `    THROWS: { secret: true, ${validator('{ throw new Error("bad " + v); }')} },`,
    ];
    const dir = tempProject({
      "strongbox.config.ts": `export default {\n  variables: {\n${lines.join("\n")}\n  },\n};\n`,
    });
    const names = [
      ...Object.keys(types).map((type) => `T_${type.toUpperCase()}`),
      ...Object.keys(echoes).map((name) => `E_${name}`),
      "THROWS",
    ];
    const env = Object.fromEntries(names.map((name) => [name, canary]));
    for (const args of [["check"], ["check", "--json"], ["run", "--", "true"]]) {
      const result = await runCli(args, { cwd: dir, env });
      assert.equal(result.code, 4, result.stderr);
      assertClean(args.join(" "), result.stdout + result.stderr, [canary]);
      assert.match(result.stdout + result.stderr, /E_PREFIX: rejected <redacted:T_STRING> /);
    }
  });

  it("template errors through the CLI: parseJSON, sprig_fail, mustEnv, executeTemplate, file, secret, pkiCert", async () => {
    const canary = "dbpwCANARY42";
    const vault = await hostileVault(() => ({ status: 404, body: { errors: [] } }));
    try {
      const templates = [
        '{{ strongbox "DBPW" | parseJSON }}',
        '{{ strongbox "DBPW" | sprig_fail }}',
        '{{ strongbox "DBPW" | mustEnv }}',
        '{{ executeTemplate (strongbox "DBPW") }}',
        '{{ file (strongbox "DBPW") }}',
        '{{ secret (printf "secret/data/%s" (strongbox "DBPW")) }}',
        '{{ pkiCert (strongbox "DBPW") }}',
        '{{ strongbox "DBPW" | parseBool }}',
        '{{ strongbox "DBPW" | parseInt }}',
      ];
      for (const template of templates) {
        const dir = tempProject({
          "strongbox.config.yaml": "variables:\n  DBPW: { secret: true }\n",
          ".env": `DBPW=${canary}\n`,
          "t.tmpl": `${template}\n`,
        });
        const result = await runCli(["render", "-i", "t.tmpl", "--dry"], {
          cwd: dir,
          env: { VAULT_ADDR: vault.addr, VAULT_TOKEN: "s.test-token-x9q" },
        });
        assert.notEqual(result.code, 0, template);
        assert.match(result.stderr, /E_TEMPLATE/, template);
        assertClean(template, result.stdout + result.stderr, [canary]);
      }
      for (const seen of vault.seen) assertClean(`Vault request ${seen.url}`, seen.url, [canary]);
    } finally {
      await vault.close();
    }
  });

  it("a hostile Vault's error text: no escape sequences, no echoed token or login secret", async () => {
    const token = "hvs.CANARYtok3n9xq7w";
    const secretId = "c4n4ry-s3cr3tid-77z";
    const vault = await hostileVault((req, body) => {
      const sent = String(req.headers["x-vault-token"] ?? "");
      const login = (JSON.parse(body || "{}") as { secret_id?: string }).secret_id ?? "";
      const echo = `${sent} ${Buffer.from(sent).toString("base64")} ${sent.slice(0, 8)} ${login}`;
      return {
        status: req.url?.startsWith("/v1/auth/") ? 400 : 403,
        body: {
          errors: [
            `permission denied for ${echo}\u001b[2J\u001b]0;pwned\u0007\u001b[31mred\r\u009b2Koverwritten\u202eevil\u0000`,
          ],
        },
      };
    });
    try {
      const dir = tempProject({
        "strongbox.config.yaml":
          "variables:\n  DBPW: { secret: true, ref: 'vault://secret/app#pw' }\n",
      });
      for (const env of [
        { VAULT_ADDR: vault.addr, VAULT_TOKEN: token },
        { VAULT_ADDR: vault.addr, VAULT_ROLE_ID: "role-x", VAULT_SECRET_ID: secretId },
      ])
        for (const args of [["check"], ["check", "--json"]]) {
          const result = await runCli(args, { cwd: dir, env });
          assert.notEqual(result.code, 0);
          const text = result.stdout + result.stderr;
          assert.match(text, /permission denied|rejected/);
          assertClean(`${args.join(" ")} (${Object.keys(env).join(",")})`, text, [token, secretId]);
          // Neither raw nor JSON-escaped: no control character at all reaches the output.
          // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for them is the point
          assert.doesNotMatch(text, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
          assert.doesNotMatch(text, /\\u001b|\\u0007|\\u009b|\\x1b/);
        }
    } finally {
      await vault.close();
    }
  });

  it("a Vault body larger than the cap is refused quickly and the socket dropped", async () => {
    let sent = 0;
    const vault = await hostileVault(undefined, (_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      const chunk = Buffer.alloc(256 * 1024, 0x61);
      const pump = () => {
        while (!res.destroyed && res.write(chunk)) sent += chunk.length;
        if (!res.destroyed) res.once("drain", pump);
      };
      res.on("close", () => res.removeAllListeners("drain"));
      pump();
    });
    try {
      const dir = tempProject({
        "strongbox.config.yaml":
          "variables:\n  DBPW: { secret: true, ref: 'vault://secret/app#pw' }\n",
      });
      const started = Date.now();
      const result = await runCli(["check"], {
        cwd: dir,
        env: { VAULT_ADDR: vault.addr, VAULT_TOKEN: "s.test-token-x9q" },
      });
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, /larger than 8 MiB; refused/);
      assert.ok(Date.now() - started < 15_000, `${Date.now() - started} ms`);
      assert.ok(sent < MAX_RESPONSE_BYTES * 4, `${sent} bytes sent before the socket closed`);
    } finally {
      await vault.close();
    }
  });

  it("NUL, line breaks and control characters in a value: run names the variable, never the value", async () => {
    const canary = "nul\u0000c4n4ry-zero42";
    const dir = tempProject({
      "strongbox.config.yaml": "variables:\n  DBPW: { secret: true }\n  OTHER: { secret: true }\n",
      ".env": `DBPW="${canary}"\nOTHER="l1ne\\nc4n4ry-9x\\u001b[31m"\n`,
    });
    for (const env of [{}, { STRONGBOX_DEBUG: "1" }]) {
      const result = await runCli(["run", "--", "true"], { cwd: dir, env });
      assert.equal(result.code, 127, result.stderr);
      assert.match(result.stderr, /DBPW: the value holds a NUL byte/);
      assert.doesNotMatch(result.stderr, /internal error/);
      assertClean("run with NUL", result.stdout + result.stderr, [canary]);
    }
  });
});

interface Hostile {
  readonly addr: string;
  readonly seen: Array<{ url: string }>;
  close(): Promise<void>;
}

/** A loopback server that answers every request as `answer` says (or hands it to `raw`). */
function hostileVault(
  answer?: (req: IncomingMessage, body: string) => { status: number; body: unknown },
  raw?: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<Hostile> {
  const seen: Array<{ url: string }> = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on("end", () => {
      seen.push({ url: req.url ?? "" });
      if (raw !== undefined) return raw(req, res);
      const reply = answer?.(req, body) ?? { status: 404, body: {} };
      res.writeHead(reply.status, { "Content-Type": "application/json" });
      res.end(JSON.stringify(reply.body));
    });
  });
  return listenLoopback(server).then((listening) => ({ ...listening, seen }));
}
