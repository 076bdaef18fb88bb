// Strongbox's renderer against the real `bao agent` (issue 15): each template of the
// corpus is rendered by both from the same seeded `bao server -dev`, and the bytes must
// be identical. The corpus grows with each function and semantic implemented; a
// template whose output differs by one byte fails.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Bao, baoBinary, startBao } from "../helpers/bao.js";
import { CLI, cleanEnv, tempProject } from "../helpers/cli.js";

/** name → template. Secrets live at secret/diff/app (KV v2) and kv/legacy (KV v1). */
const CORPUS: Record<string, string> = {
  "go string escapes": `{{ "'\\\\''" }}|{{ "C:\\\\Users" }}|{{ "tab\\there" }}|{{ "\\x41\\u00e9\\U0001F30D\\101" }}|{{ \`raw \\n\` }}\n`,
  "printf %q of quotes, backslashes and control characters": `{{ with secret "secret/data/diff/app" }}{{ printf "%q" .Data.data.tricky }}{{ end }}\n`,
  "printf verbs: %s %d %v %5s %-5s| %x": `{{ printf "%s %d %v [%5s] [%-5s] %x" "a" 42 "v" "r" "l" "hi" }}\n`,
  "printf: flags, widths, precisions and every numeric verb": `{{ printf "%05d|%+d|%x|%X|%o|%b|%8.3f|%e|%g|%t|%c|%%|%5.2s|%-6d|%#x|% d" 42 7 255 255 8 5 3.14159 1234.5678 0.000012 true 65 "abcdef" 3 255 9 }}\n`,
  "printf: missing, extra and mistyped arguments": `{{ printf "%d %d" 1 }}|{{ printf "%d" 1 2 }}|{{ printf "%d" "x" }}|{{ printf "%s" 5 }}|{{ printf "%t" "no" }}\n`,
  "%q of non-printable and non-ASCII runes": `{{ printf "%q" "nbsp\u00a0ls\u2028del\x7fvt\vé🌍" }}\n`,
  "printing a map and a list the way Go prints them": `{{ with secret "secret/data/diff/app" }}{{ .Data.data }}{{ end }}|{{ printf "%v" 2.5 }}\n`,
  "toJSON of line separators": `{{ "a\u2028b\u2029c" | toJSON }}\n`,
  "env file from KV v2 with else fallbacks": `{{ with secret "secret/data/diff/app" }}DB={{ .Data.data.db }}
MISSING={{ with .Data.data.nope }}{{ . }}{{ else }}fallback{{ end }}
VERSION={{ .Data.metadata.version }}
{{ end }}`,
  "KV v1": `{{ with secret "kv/legacy" }}OLD={{ .Data.old }}{{ end }}\n`,
  "toJSON escapes <, > and & as Go does": `{{ with secret "secret/data/diff/app" }}{{ .Data.data.html | toJSON }}{{ end }}\n`,
  "toJSONPretty of an object": `{{ with secret "secret/data/diff/app" }}{{ .Data.data | toJSONPretty }}{{ end }}\n`,
  "base64 round trip": `{{ "hello, world" | base64Encode }} {{ "aGVsbG8=" | base64Decode }}\n`,
  "index, len, eq, ne, and, or, not": `{{ with secret "secret/data/diff/app" }}{{ index .Data.data "db" }} {{ len .Data.data.db }} {{ eq .Data.data.db "postgres://app@db/app" }} {{ ne 1 2 }} {{ and 1 0 }} {{ or 0 "x" }} {{ not true }}{{ end }}\n`,
  "range over a map in key order, with variables": `{{ with secret "secret/data/diff/app" }}{{ range $k, $v := .Data.data }}{{ $k }}={{ $v }};{{ end }}{{ end }}\n`,
  "trim markers": `a  {{- " b " -}}  c\n{{- /* a comment */ -}}\nd\n`,
  "if / else if / else": `{{ if eq (env "MODE") "x" }}x{{ else if eq (env "MODE") "prod" }}prod{{ else }}other{{ end }}\n`,
};

const VALUES = {
  db: "postgres://app@db/app",
  tricky: 'say "hi"\\path\ttab\u0007bell',
  html: "<a href='x'>&</a>",
  unicode: "héllo 🌍",
};

function renderWithAgent(bao: Bao, dir: string, names: readonly string[]): void {
  writeFileSync(join(dir, "token"), bao.rootToken);
  const stanzas = names.map(
    (_, i) =>
      `template {\n  source = "${join(dir, `t${i}.ctmpl`)}"\n  destination = "${join(dir, `agent${i}.out`)}"\n}`,
  );
  const config = [
    `vault { address = "${bao.addr}" }`,
    `auto_auth {\n  method "token_file" {\n    config = { token_file_path = "${join(dir, "token")}" }\n  }\n}`,
    ...stanzas,
    "exit_after_auth = true",
  ];
  writeFileSync(join(dir, "agent.hcl"), `${config.join("\n")}\n`);
  execFileSync(baoBinary(), ["agent", `-config=${join(dir, "agent.hcl")}`], {
    env: { PATH: process.env.PATH ?? "", HOME: dir, MODE: "prod" },
    stdio: "ignore",
    timeout: 60_000,
  });
}

describe("render: byte for byte what `bao agent` renders", () => {
  let bao: Bao;
  let dir: string;
  const names = Object.keys(CORPUS);
  before(async () => {
    bao = await startBao();
    bao.cli([
      "kv",
      "put",
      "-mount=secret",
      "diff/app",
      ...Object.entries(VALUES).map(([k, v]) => `${k}=${v}`),
    ]);
    bao.cli(["secrets", "enable", "-path=kv", "-version=1", "kv"]);
    bao.cli(["kv", "put", "-mount=kv", "legacy", "old=v1-value"]);
    dir = tempProject();
    for (const [i, name] of names.entries())
      writeFileSync(join(dir, `t${i}.ctmpl`), CORPUS[name] as string);
    renderWithAgent(bao, dir, names);
  });
  after(async () => bao.stop());

  for (const [i, name] of names.entries())
    it(name, () => {
      const env = {
        ...cleanEnv(dir),
        VAULT_ADDR: bao.addr,
        VAULT_TOKEN: bao.rootToken,
        MODE: "prod",
      };
      execFileSync(process.execPath, [CLI, "render", "-i", `t${i}.ctmpl`, "-o", `ours${i}.out`], {
        cwd: dir,
        env,
        stdio: ["ignore", "ignore", "pipe"],
      });
      assert.equal(
        readFileSync(join(dir, `ours${i}.out`)).toString("hex"),
        readFileSync(join(dir, `agent${i}.out`)).toString("hex"),
        `${name}:\nagent: ${JSON.stringify(readFileSync(join(dir, `agent${i}.out`), "utf8"))}\nours:  ${JSON.stringify(readFileSync(join(dir, `ours${i}.out`), "utf8"))}`,
      );
    });
});
