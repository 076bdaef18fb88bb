import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { renderCtmpl } from "../../src/generate/ctmpl.js";
import { renderEnvExample } from "../../src/generate/example.js";
import { checkLayers } from "../../src/layers/check-layers.js";
import type { ConfigSpec } from "../../src/schema/types.js";

const config: ConfigSpec = {
  project: "shop",
  variables: {
    PORT: { type: "port", default: 3000 },
    DATABASE_URL: {
      secret: true,
      ref: { production: "vault://secret/{project}/{env}/app#DATABASE_URL" },
    },
    REDIS_URL: {
      secret: true,
      ref: { production: "vault://secret/{project}/{env}/app#REDIS_URL" },
    },
    LOCAL_TOKEN: { secret: true, required: false },
  },
};
const example = () => ({
  path: ".env.example",
  text: renderEnvExample(config, "strongbox.config.ts"),
});
const template = (text: string) => ({ path: "secrets.ctmpl", text });
const generated = () => template(renderCtmpl(config)[0]?.text ?? "");
const kinds = (report: ReturnType<typeof checkLayers>) =>
  report.issues.map((issue) => `${issue.rule}:${issue.variable ?? ""}`).sort();

describe("three-layer check", () => {
  it("generated layers agree with their schema", () => {
    assert.deepEqual(
      checkLayers(config, { example: example(), templates: [generated()] }).issues,
      [],
    );
  });

  it("accepts hand-written templates in the real syntax that agree", () => {
    const corpus = [
      `{{ with secret (printf "secret/data/shop/%s/app" (env "ENV")) }}\nDATABASE_URL={{ with .Data.data.DATABASE_URL }}{{ printf "%q" . }}{{ else }}""{{ end }}\nREDIS_URL={{ with .Data.data.REDIS_URL }}{{ printf "%q" . }}{{ else }}""{{ end }}\n{{ end }}\n`,
      `{{- with secret (printf "secret/data/shop/%s/app" (env "ENV")) -}}\nDATABASE_URL={{ .Data.data.DATABASE_URL }}\nREDIS_URL={{ index .Data.data "REDIS_URL" }}\n{{- end }}\n`,
      `{{ $env := env "ENV" }}{{ with secret (printf "secret/data/shop/%s/app" $env) }}\n{{- /* keys */ -}}\nDATABASE_URL={{ .Data.data.DATABASE_URL | toJSON }}\n{{ end }}\n`,
    ];
    for (const text of corpus)
      assert.deepEqual(checkLayers(config, { templates: [template(text)] }).issues, [], text);
  });

  it("finds every kind of disagreement at once, naming places, never values", () => {
    const drifted = `{{ with secret (printf "secret/data/shop/%s/app" (env "ENV")) }}\nDATABASE_URL={{ .Data.data.DB_URL }}\nCACHE_URL={{ .Data.data.CACHE_URL }}\n{{ end }}\n{{ with secret "secret/data/other/app" }}\nREDIS_URL={{ .Data.data.REDIS_URL }}\n{{ end }}\n`;
    const exampleText = example()
      .text.replace("REDIS_URL=", "REDIS_URL=rediss://:Xq9vT3kLp0sZ8mW2@cache.shop-prod.io:6380")
      .replace("# PORT (port, default 3000)", "# PORT (port, default 3000) [VAULT]")
      .replace(/\n# LOCAL_TOKEN[^\n]*\nLOCAL_TOKEN=\n/, "\n")
      .concat("STALE_VARIABLE=1\n");
    const report = checkLayers(config, {
      example: { path: ".env.example", text: exampleText },
      templates: [template(drifted)],
    });
    assert.equal(report.ok, false);
    assert.deepEqual(kinds(report), [
      "example-missing:LOCAL_TOKEN",
      "example-orphan:STALE_VARIABLE",
      "example-secret-value:REDIS_URL",
      "marker-mismatch:PORT",
      "template-mismatch:DATABASE_URL",
      "template-mismatch:REDIS_URL",
      "template-orphan:CACHE_URL",
    ]);
    assert.match(
      report.issues.find((i) => i.variable === "DATABASE_URL")?.message ?? "",
      /secrets\.ctmpl:2: DATABASE_URL is read from secret\/data\/shop\/\{env\}\/app#DB_URL by the template, but the schema says secret\/data\/shop\/\{env\}\/app#DATABASE_URL/,
    );
    assert.deepEqual(report.missing, {
      example: ["LOCAL_TOKEN"],
      schema: ["CACHE_URL", "STALE_VARIABLE"],
      template: [],
    });
    assert.ok(!JSON.stringify(report).includes("hunter2"));
  });

  it("reports a template it cannot parse with its position", () => {
    const report = checkLayers(config, {
      templates: [template('{{ with secret "x" }}\nA={{ .Data.A }}\n')],
    });
    assert.match(
      report.issues[0]?.message ?? "",
      /secrets\.ctmpl:\d+:\d+: a with\/if\/range block is never closed/,
    );
  });
});
