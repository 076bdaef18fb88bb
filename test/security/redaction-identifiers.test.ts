// Issue 26, smaller items: the one redactor never masks inside Strongbox's own
// identifiers (declared variable names, environment names, the paths it
// prints), so a short secret equal to part of a name does not garble
// `GRAFANA_PASSWORD` into `<redacted:X>_PASSWORD`; a value is still masked
// everywhere else, and a value equal to a whole identifier is masked too
// (sparing it would leave a token that is all value). The variants are generated.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  clearRegistry,
  messageRedactor,
  redactMessage,
  registerIdentifier,
  registerSecret,
} from "../../src/redact/registry.js";
import { Journey } from "../helpers/journey.js";

const NAMES = ["GRAFANA_PASSWORD", "DB_URL_PRIMARY", "stripe_api_key", "EU-WEST-2"];
const ENVIRONMENTS = ["production", "staging-eu"];
const PATH = "/srv/apps/billing/strongbox.config.yaml";

/** Every prefix, suffix and infix of `name` four characters or longer (the masking minimum), shorter than the name. */
function parts(name: string): string[] {
  const out = new Set<string>();
  for (let from = 0; from < name.length; from++)
    for (let to = from + 4; to <= name.length; to++)
      if (to - from < name.length) out.add(name.slice(from, to));
  return [...out];
}

/** The messages Strongbox prints about `name`, with `value` standing alone in the last. */
function messages(name: string): string[] {
  return [
    `${name} expires on 2026-12-31: rotate it (E_OVERDUE)`,
    `warning: ${name}: stored, but .env line 1 wins here`,
    `environment "${ENVIRONMENTS[0]}" reads ${name} from ${PATH}`,
    `<redacted:${name}> is set`,
  ];
}

function register(value: string): void {
  clearRegistry();
  for (const name of [...NAMES, ...ENVIRONMENTS, PATH, "/srv/apps/billing"])
    registerIdentifier(name);
  registerSecret("SOME_SECRET", value);
}

describe("the redactor spares Strongbox's own identifiers, never a value", () => {
  it("a value that is a prefix, suffix or infix of a name (or a line of a multi-line value) leaves the name whole", () => {
    let checked = 0;
    const identifiers = [...NAMES, ...ENVIRONMENTS, PATH];
    for (const name of identifiers)
      for (const part of parts(name))
        for (const value of [
          part,
          // Its case variants are masked whole too: `grafana` masks `GRAFANA`.
          part === part.toLowerCase() ? part.toUpperCase() : part.toLowerCase(),
          `first-line-x9\n${part}`,
          `${part}\nlast-line-q7`,
        ]) {
          register(value);
          for (const message of messages(name)) {
            const out = redactMessage(message);
            assert.equal(out, message, `value ${JSON.stringify(value)} in ${message}`);
            checked++;
          }
          // Everywhere else the value is masked: standing alone, glued to other text.
          const alone = redactMessage(`the value is ${part}.`);
          assert.ok(!alone.includes(part), `alone: ${JSON.stringify(value)} -> ${alone}`);
          const glued = redactMessage(`x${part}y`);
          assert.ok(!glued.includes(part), `glued: ${JSON.stringify(value)} -> ${glued}`);
        }
    assert.ok(checked > 1000, `${checked} cases`);
  });

  it("a value equal to a whole identifier, or reaching past one, is masked (no hole)", () => {
    for (const name of [...NAMES, ...ENVIRONMENTS]) {
      for (const value of [name, `${name} `, ` ${name}`, `${name}-x`, name.toLowerCase()]) {
        register(value);
        for (const message of messages(name)) {
          const out = redactMessage(message);
          assert.ok(!out.includes(value), `${JSON.stringify(value)} printed in ${out}`);
        }
      }
    }
    register(PATH);
    assert.ok(!redactMessage(`read ${PATH}`).includes(PATH));
  });

  it("the redactor built for a list (messageRedactor) follows the same rule", () => {
    const redactor = messageRedactor(
      [{ name: "GRAFANA_PASSWORD", value: "GRAFANA" }],
      new Set(["GRAFANA_PASSWORD"]),
    );
    assert.equal(
      redactor.redact("GRAFANA_PASSWORD expires soon; its value GRAFANA"),
      "GRAFANA_PASSWORD expires soon; its value <redacted:GRAFANA_PASSWORD>",
    );
  });

  it("journey: check names a variable whose short value is part of its name, ungarbled; the value stays masked in a child's output", async () => {
    const j = new Journey("identifiers", {
      files: {
        "strongbox.config.yaml": `variables:
  GRAFANA_PASSWORD: { secret: true, ref: "store://GRAFANA_PASSWORD", expires: "2020-01-01" }
`,
      },
    });
    await j.step(["init"]);
    await j.step(["set", "GRAFANA_PASSWORD"], { input: "GRAFANA" });
    await j.step(["check"], {
      stderr: [/GRAFANA_PASSWORD is expired on 2020-01-01/],
      not: [/redacted:GRAFANA_PASSWORD>_PASSWORD/],
    });
    await j.step(
      ["run", "--", process.execPath, "-e", "console.log('v=' + process.env.GRAFANA_PASSWORD)"],
      { stdout: [/v=<redacted:GRAFANA_PASSWORD>/], not: [/v=GRAFANA\b/] },
    );
  });
});
