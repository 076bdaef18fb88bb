// A Vault path is pasted into the HCL policies `vault setup` writes and into
// request URLs: a quote, brace or space would end the policy's string and add
// rules (sudo on sys/*), `*` and `+` would make it a glob over every project.
// The one path rule (src/vault/path-rule.ts) refuses every character outside
// its safe set, in every segment, after `{env}` is filled in; check, run and
// vault setup all go through it. Generated: each forbidden character in each
// position, through the library and through the CLI against a real OpenBao.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { policyText, vaultNeeds } from "../../src/api/vault.js";
import type { ConfigSpec } from "../../src/schema/types.js";
import { pathSpellingRefusal } from "../../src/vault/path-rule.js";
import { type Bao, readOnlyToken, startBao } from "../helpers/bao.js";
import { runCli, tempProject } from "../helpers/cli.js";

const FORBIDDEN = [
  '"',
  "'",
  "`",
  " ",
  "\t",
  "\n",
  "\r",
  "\u0001",
  "\u007f",
  "\u00a0",
  "\u2028",
  "{",
  "}",
  "*",
  "+",
  "?",
  "[",
  "]",
  "#",
  "$",
  "%",
  "\\",
  "<",
  ">",
  "|",
  ";",
  "^",
];
const POSITIONS: Record<string, (c: string) => string> = {
  first: (c) => `sec${c}ret/shop/production/app`,
  firstAlone: (c) => `${c}/shop/production/app`,
  middle: (c) => `secret/sh${c}op/production/app`,
  middleAlone: (c) => `secret/shop/${c}/app`,
  last: (c) => `secret/shop/production/ap${c}`,
  lastAlone: (c) => `secret/shop/production/${c}`,
};
const LEGIT = ["secret/shop.v2/pro-d_1/app", "secret/a@b/x=y,z/k:v~1", "secret/ÄÖ/app9"];
const asker = { code: "E_REF" as const, subject: "test", who: "references" };

const config = (ref: string, environment = "production"): ConfigSpec =>
  ({
    project: "shop",
    environments: { [environment]: {} },
    variables: { TOKEN: { secret: true, ref: { [environment]: ref } } },
  }) as unknown as ConfigSpec;

describe("vault paths: the one path rule refuses every unsafe character", () => {
  it("refuses each forbidden character in each position, and passes legitimate paths", () => {
    for (const c of FORBIDDEN)
      for (const [where, make] of Object.entries(POSITIONS))
        assert.ok(
          pathSpellingRefusal(make(c), false, asker) !== undefined,
          `${JSON.stringify(c)} ${where}`,
        );
    for (const path of LEGIT)
      assert.equal(pathSpellingRefusal(path, false, asker), undefined, path);
  });

  it("vaultNeeds refuses after {env} is filled in, naming the variable", () => {
    for (const c of FORBIDDEN.filter((c) => c !== "#" && c !== "?")) {
      for (const make of Object.values(POSITIONS))
        assert.throws(
          () => vaultNeeds(config(`vault://${make(c)}#KEY`), "production"),
          (e: Error & { code?: string }) => e.code === "E_REF" && /TOKEN/.test(e.message),
          JSON.stringify(c),
        );
      const env = `prod${c}`;
      assert.throws(
        () => vaultNeeds(config("vault://secret/{project}/{env}/app#KEY", env), env),
        (e: Error & { code?: string }) => e.code === "E_REF",
        `env ${JSON.stringify(env)}`,
      );
    }
  });

  it("policyText writes every path as an escaped HCL string", () => {
    const text = policyText([
      {
        path: 'secret/x" {} path "sys/*',
        mount: "secret/",
        kvVersion: 2,
        features: new Set(["run"]),
      },
    ]);
    assert.equal((text.match(/^path /gm) ?? []).length, 1);
    assert.match(text, /^path "secret\/data\/x\\" \{\} path \\"sys\/\*" \{$/m);
  });
});

describe("vault paths through the CLI (real OpenBao): check, run, vault setup --print-policy", () => {
  let bao: Bao;
  let appToken: string;
  before(async () => {
    bao = await startBao();
    appToken = readOnlyToken(bao);
    for (const path of LEGIT) bao.cli(["kv", "put", path, "KEY=legit-canary-9d1e"]);
  });
  after(async () => bao.stop());

  const commands = [
    ["check", "-e"],
    ["run", "-e"],
    ["vault", "setup", "--print-policy", "-e"],
  ];
  const tail = (args: string[]) => (args[0] === "run" ? ["--", "node", "-e", "0"] : []);
  const attempt = (ref: string, environment: string) => {
    const dir = tempProject({
      "strongbox.config.yaml": [
        "project: shop",
        "vault: { allowInsecure: true }",
        `environments: { ${JSON.stringify(environment)}: {} }`,
        "variables:",
        `  TOKEN: { secret: true, ref: { ${JSON.stringify(environment)}: ${JSON.stringify(ref)} } }`,
        "",
      ].join("\n"),
    });
    return Promise.all(
      commands.map((args) =>
        runCli([...args, environment, ...tail(args)], {
          cwd: dir,
          // An app's token for check and run (production refuses root), an admin's for setup.
          env: {
            VAULT_ADDR: bao.addr,
            VAULT_TOKEN: args[0] === "vault" ? bao.rootToken : appToken,
          },
        }),
      ),
    );
  };

  it("the red team's injection and globs are refused by all three", async () => {
    const refs = [
      'vault://secret/inj/x" { capabilities = ["read"] } path "sys/*" { capabilities = ["create","read","update","delete","list","sudo"] } path "secret/data/inj/y#D',
      "vault://secret/shop/production/*#A",
      "vault://secret/+/+/app#B",
      // the same, %-escaped: refs decode escapes before the rule sees the path
      "vault://secret/shop/production/%2A#A",
      "vault://secret/x%22%20%7B%7D%20path%20%22sys/%2A#C",
    ];
    for (const ref of refs)
      for (const result of await attempt(ref, "production")) {
        assert.notEqual(result.code, 0, `${ref}: ${result.stdout}`);
        assert.match(result.stderr, /outside letters, digits/, ref);
        assert.doesNotMatch(result.stdout, /^path /m, ref);
      }
  });

  it("each forbidden character, in a rotating position or as the {env} name, is refused by all three", async () => {
    const positions = Object.values(POSITIONS);
    const chars = FORBIDDEN.filter((c) => c !== "#" && c !== "?");
    for (const [i, c] of chars.entries()) {
      for (const result of await attempt(
        `vault://${positions[i % positions.length]?.(c)}#KEY`,
        "production",
      )) {
        assert.notEqual(result.code, 0, JSON.stringify(c));
        assert.match(
          result.stderr,
          /outside letters, digits|would rewrite|%-escape/,
          JSON.stringify(c),
        );
        assert.doesNotMatch(result.stdout, /^path /m, JSON.stringify(c));
      }
      for (const result of await attempt("vault://secret/{project}/{env}/app#KEY", `p${c}`)) {
        assert.notEqual(result.code, 0, `env ${JSON.stringify(c)}`);
        assert.doesNotMatch(result.stdout, /^path /m, `env ${JSON.stringify(c)}`);
      }
    }
  });

  it("legitimate paths (dots, dashes, underscores, digits, @ = , : ~, letters) still work", async () => {
    for (const path of LEGIT) {
      const [check, run, policy] = await attempt(`vault://${path}#KEY`, "production");
      assert.equal(check?.code, 0, `${path}: ${check?.stderr}`);
      assert.equal(run?.code, 0, `${path}: ${run?.stderr}`);
      assert.equal(policy?.code, 0, `${path}: ${policy?.stderr}`);
      assert.match(policy?.stdout ?? "", /^path "secret\/data\//m);
      for (const r of [check, run, policy])
        assert.doesNotMatch(`${r?.stdout}${r?.stderr}`, /legit-canary/);
    }
  });
});
