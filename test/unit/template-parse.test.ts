import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import fc from "fast-check";
import { StrongboxError } from "../../src/errors.js";
import { parseTemplate } from "../../src/template/parse.js";
import { secretsUsed } from "../../src/template/secrets-used.js";
import { ROOT } from "../helpers/cli.js";

const uses = (source: string) =>
  secretsUsed(parseTemplate(source, "t.ctmpl")).map((use) => ({
    path: use.path,
    args: use.pathArgs,
    keys: use.keys.map((key) => `${key.envName ?? "?"}<-${key.key}@v${key.kv}`),
  }));

describe("secrets.ctmpl parser", () => {
  it("reads the seed's template shape: printf path with env, .Data.data keys, else fallbacks", () => {
    const source = `{{ with secret (printf "secret/data/finance_report/%s/app" (env "ENV")) }}
DATABASE_URL={{ with .Data.data.DATABASE_URL }}{{ printf "%q" . }}{{ else }}""{{ end }}
REDIS_URL={{ with .Data.data.REDIS_URL }}{{ printf "%q" . }}{{ else }}""{{ end }}
{{ end }}
`;
    assert.deepEqual(uses(source), [
      {
        path: "secret/data/finance_report/%s/app",
        args: ['(env "ENV")'],
        keys: ["DATABASE_URL<-DATABASE_URL@v2", "REDIS_URL<-REDIS_URL@v2"],
      },
    ]);
  });

  it("reads the templates Strongbox generates (golden files)", () => {
    const app = readFileSync(join(ROOT, "test/fixtures/generate/expected.secrets.ctmpl"), "utf8");
    assert.deepEqual(uses(app), [
      {
        path: "secret/data/shop/%s/app",
        args: ['(env "ENV")'],
        keys: ["DATABASE_URL<-DATABASE_URL@v2", "API_KEY<-api-key@v2"],
      },
    ]);
  });

  it("handles literal paths, KV v1, variables, trim markers, comments, if/range and else-if", () => {
    const source = `{{- /* header comment */ -}}
{{ with secret "kv/app" -}}
TOKEN={{ .Data.TOKEN }}
{{- end }}
{{ $env := env "ENV" }}{{ if eq $env "production" }}MODE=prod{{ else if eq $env "staging" }}MODE=stage{{ else }}MODE=dev{{ end }}
{{ range $k, $v := .Env }}{{ $k }}{{ end }}
`;
    assert.deepEqual(uses(source), [{ path: "kv/app", args: [], keys: ["TOKEN<-TOKEN@v1"] }]);
  });

  it("reports what it cannot read with file, line and column, never silently", () => {
    const cases: Array<[string, RegExp]> = [
      ["A={{ .Data.x ", /t\.ctmpl:1:3: the action opened here is never closed/],
      ['{{ with secret "a" }}\nX', /never closed with \{\{ end \}\}/],
      ["{{ end }}", /t\.ctmpl:1:1: unexpected \{\{ end \}\}/],
      ["{{ break }}", /t\.ctmpl:1:1: \{\{ break \}\} outside \{\{ range \}\}/],
      [
        "{{ range .A }}{{ else }}{{ continue }}{{ end }}",
        /\{\{ continue \}\} outside \{\{ range \}\}/,
      ],
      ["{{ define x }}{{ end }}", /\{\{ define \}\} needs a quoted template name/],
      [
        '{{ define "x" }}{{ else }}{{ end }}',
        /\{\{ define \}\} ends with a plain \{\{ end \}\}|unexpected \{\{ else \}\}/,
      ],
      ['{{ "a\\qb" }}', /unknown escape sequence \\q/],
      ['{{ printf "%q }}', /t\.ctmpl:1:1: the action opened here is never closed/],
      ["line one\n  {{ .A ~ }}", /t\.ctmpl:2:9: unexpected character "~"/],
    ];
    for (const [source, pattern] of cases) {
      assert.throws(
        () => parseTemplate(source, "t.ctmpl"),
        (error: unknown) =>
          error instanceof StrongboxError &&
          error.code === "E_TEMPLATE" &&
          pattern.test(error.message),
        source,
      );
    }
  });

  it("text without {{ is a single text node, unchanged, for any input", () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 200 }).filter((text) => !text.includes("{{")),
        (text) => {
          const nodes = parseTemplate(text);
          assert.deepEqual(
            nodes.map((node) => (node.kind === "text" ? node.text : "?")).join(""),
            text,
          );
        },
      ),
    );
  });
});

describe("secrets.ctmpl corpus (15 templates in the real syntax)", () => {
  const dir = join(ROOT, "test/fixtures/ctmpl-corpus");
  const expected = JSON.parse(readFileSync(join(dir, "expected.json"), "utf8")) as Record<
    string,
    unknown
  >;
  it("has at least 15 templates, each with its expected reading", () => {
    assert.ok(Object.keys(expected).length >= 15);
  });
  for (const [file, reading] of Object.entries(expected)) {
    it(`reads ${file}`, () => {
      const parsed = secretsUsed(parseTemplate(readFileSync(join(dir, file), "utf8"), file));
      assert.deepEqual(
        parsed.map((use) => ({
          path: use.path,
          keys: use.keys.map((key) => `${key.envName ?? "?"}<-${key.key}@v${key.kv}`),
        })),
        reading,
      );
    });
  }
});
