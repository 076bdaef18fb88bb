// Security's credential rule sits floors below the providers and imports none
// of them: each provider's declared names are handed down when the registry
// loads (security/credential-table.ts). These tests generate, from every
// provider's own definition, the variants the rule must cover, so a provider
// whose names did not reach the rule fails here.
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { knownSchemes, providerFor } from "../../src/providers/registry.js";
import { credentialDeclarations } from "../../src/security/credential-table.js";
import {
  declaredCredentialVariables,
  isCredentialVariable,
  withoutCredentials,
} from "../../src/security/credentials.js";
import { credentialLocations } from "../../src/security/read-guard.js";
import { importArrows, sourceFiles, srcOf } from "../helpers/architecture.js";
import { ROOT, runCli, tempProject } from "../helpers/cli.js";
import { RESPELLINGS } from "../helpers/credential-names.js";

const definitions = knownSchemes().map((scheme) => providerFor(scheme)!);
const declaring = definitions.filter((d) => (d.credentials ?? []).length > 0);
const variants = (name: string) => [
  name,
  `PRODUCTION_${name}`,
  `${name}_FILE`,
  `${name}_PATH`,
  `PRODUCTION_${name}_FILE`,
];

describe("providers hand their credentials down to the one rule", () => {
  it("some provider declares credential variables and files (the test is not empty)", () => {
    assert.ok(declaring.length >= 2, declaring.map((d) => d.scheme).join(", "));
    assert.ok(definitions.some((d) => (d.credentialFiles ?? []).length > 0));
  });

  for (const definition of definitions) {
    it(`${definition.scheme}: every declared variable, prefixed and as _FILE/_PATH, is a credential and is scrubbed`, () => {
      const names = (definition.credentials ?? []).flatMap(variants);
      for (const name of names) assert.ok(isCredentialVariable(name), name);
      for (const name of definition.credentials ?? [])
        assert.ok(declaredCredentialVariables().includes(name), name);
      const env = Object.fromEntries(names.map((name) => [name, "x"]));
      assert.deepEqual(Object.keys(withoutCredentials({ ...env, KEEP_ME: "y" })), ["KEEP_ME"]);
    });

    it(`${definition.scheme}: every declared credential file is a place the read guard refuses`, () => {
      const home = mkdtempSync(join(tmpdir(), "sb-cred-home-"));
      const files = definition.credentialFiles ?? [];
      // A place taken from a variable (`$AZURE_CONFIG_DIR`) is that variable's value.
      const fromVariables = files.filter((f) => f.startsWith("$")).map((f) => f.slice(1));
      const env = {
        HOME: home,
        ...Object.fromEntries(fromVariables.map((v) => [v, join(home, v)])),
      };
      const places = credentialLocations({ cwd: home, env }).places;
      for (const file of files) {
        const expected = file.startsWith("$")
          ? join(home, file.slice(1))
          : file === "~"
            ? home
            : file.startsWith("~/")
              ? join(home, file.slice(2))
              : file;
        assert.ok(places.includes(expected), `${file} -> ${expected} in ${places.join(", ")}`);
      }
    });
  }

  it("the table holds exactly one declaration per provider, from its own definition", () => {
    assert.deepEqual(
      credentialDeclarations().map((d) => d.by),
      definitions.map((d) => d.scheme),
    );
  });
});

describe("one spelling: other loaders' spellings of a credential are credentials (red team, issue 26)", () => {
  it("every declared name, plain, prefixed and _FILE, in every respelling (NFKC, - . for _, stray _)", () => {
    let checked = 0;
    for (const name of declaredCredentialVariables())
      for (const variant of [name, `PRODUCTION_${name}`, `${name}_FILE`])
        for (const respell of RESPELLINGS) {
          const spelled = respell(variant);
          assert.notEqual(spelled, variant);
          assert.equal(isCredentialVariable(spelled), true, JSON.stringify(spelled));
          assert.equal(spelled in withoutCredentials({ [spelled]: "x" }), false, spelled);
          checked++;
        }
    assert.ok(checked >= 100, `${checked}`);
    // The Kelvin sign itself, as the red team sent it.
    assert.equal(isCredentialVariable("VAULT_TO\u212AEN"), true);
  });

  it("run's child gets none of the respellings the red team sent (- . : Kelvin sign, stray _)", async () => {
    const dir = tempProject({ "strongbox.config.yaml": "variables:\n  PORT: { default: 8080 }\n" });
    const sent = Object.fromEntries(
      ["VAULT_TOKEN", "VAULT_SECRET_ID", "STRONGBOX_MASTER_KEY"].flatMap((name, i) =>
        RESPELLINGS.map((respell, j) => [respell(name), `respelled-canary-${i}-${j}`]),
      ),
    );
    const result = await runCli(
      ["run", "--quiet", "--", "node", "-e", "process.stdout.write(JSON.stringify(process.env))"],
      { cwd: dir, env: sent },
    );
    assert.equal(result.code, 0, result.stderr);
    const seen = JSON.parse(result.stdout) as Record<string, string>;
    assert.deepEqual(
      Object.keys(sent).filter((name) => name in seen),
      [],
      "respelled credentials reached the child",
    );
    assert.doesNotMatch(result.stdout, /respelled-canary/);
  });

  it("respelling a name that is no credential does not make it one", () => {
    for (const name of ["VAULT_ADDR", "VAULT_NAMESPACE", "PATH", "HOME", "BAO_SKIP_VERIFY"])
      for (const respell of RESPELLINGS)
        assert.equal(isCredentialVariable(respell(name)), false, respell(name));
  });
});

describe("every public entry that reaches the rule loads the declarations", () => {
  // The rule is only as complete as the declarations made before it is asked: an entry a
  // library user imports (strongbox/store, say) that reaches the rule without the provider
  // registry would scrub Strongbox's own credentials but hand a child the AWS keys.
  const files = sourceFiles(srcOf(ROOT));
  const next = new Map<string, string[]>();
  for (const arrow of importArrows(files).filter((a) => !a.typeOnly))
    next.set(arrow.from, [...(next.get(arrow.from) ?? []), arrow.to]);
  // A bare `import "./x.js"` loads a module for what it does when it loads: the registry's declarations.
  for (const file of files)
    for (const [, spec] of file.text.matchAll(/^import\s+"(\.[^"]+)";/gm))
      next.set(file.path, [
        ...(next.get(file.path) ?? []),
        join(dirname(file.path), spec as string).replace(/\.js$/, ".ts"),
      ]);
  const reach = (start: string): Set<string> => {
    const seen = new Set([start]);
    const stack = [start];
    for (let at = stack.pop(); at !== undefined; at = stack.pop())
      for (const to of next.get(at) ?? []) if (!seen.has(to)) stack.push(to) && seen.add(to);
    return seen;
  };
  const entries = files
    .map((file) => file.path)
    .filter((path) =>
      /^api\/|^(index|config-api)\.ts$|^cli\/(run-main|launcher|binary-main)\.ts$/.test(path),
    );
  it("there are entries to check", () => assert.ok(entries.length >= 5, entries.join(", ")));
  for (const entry of entries)
    it(`${entry}`, () => {
      const reached = reach(entry);
      const asks = ["security/credentials.ts", "security/read-guard.ts"].some((f) =>
        reached.has(f),
      );
      if (asks)
        assert.ok(
          reached.has("providers/registry.ts"),
          `${entry} reaches the rule, not the registry`,
        );
    });
});
