// Journey 1 (issue 26), the newcomer: a new Node app with a `.env` adopts
// Strongbox the way its README suggests, crossing init, import, set, run,
// rotate, diff and check in the order a person types them. Each step is a
// real CLI process in one project with its own HOME; every output is checked
// for the app's secret values (the canaries).
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { Journey } from "../helpers/journey.js";
import { dashboardSteps } from "./newcomer-dashboard.js";

const DB_PASSWORD = "canary-db-pw-5c1e9a";
const SESSION = "canary-session-77b0d3e1";
const TYPO_VALUE = "canary-typo-value-0a9f";
const NEW_SESSION = "canary-new-session-4d2c81";

const DOTENV = `PORT=3000
DATABASE_URL=postgres://app:${DB_PASSWORD}@localhost:5432/app
SESSION_SECRET=${SESSION}
`;

const sha = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 16);

/** A child that prints what it got: hashes for secrets (never a value), plain values for the rest. */
const SHOW = [
  "--",
  process.execPath,
  "-e",
  [
    "const h=(v)=>v===undefined?'unset':require('node:crypto').createHash('sha256').update(v).digest('hex').slice(0,16);",
    "console.log('session='+h(process.env.SESSION_SECRET));",
    "console.log('db='+h(process.env.DATABASE_URL));",
    "console.log('port='+process.env.PORT);",
    "console.log('prot='+('PROT' in process.env ? 'passed' : 'absent'));",
  ].join(""),
];

describe("journey 1: the newcomer", () => {
  it("init --from .env, import --rewrite, set, run, rotate, diff, check --layers, ui", async () => {
    const j = new Journey("newcomer", {
      files: { "package.json": '{ "name": "app", "type": "module" }\n', ".env": DOTENV },
    }).canary(DB_PASSWORD, SESSION, TYPO_VALUE, NEW_SESSION);

    await j.step(["init", "--from", ".env", "--yes"], {
      stderr: [
        /wrote .*strongbox\.config\.yaml/,
        /secret: DATABASE_URL, SESSION_SECRET/,
        /created the store/,
      ],
    });
    // The README's next line is `strongbox init`: running it again is not an error.
    await j.step(["init"], {
      stderr: [
        /the store .*\.strongbox exists already; it is kept as it is/,
        /next:\n {2}strongbox /,
      ],
      not: [/master key written/, /E_STORE_EXISTS/],
    });

    await j.step(["import", ".env", "--rewrite"], {
      stderr: [/imported DATABASE_URL/, /imported SESSION_SECRET/],
    });
    const dotenv = readFileSync(join(j.dir, ".env"), "utf8");
    assert.match(dotenv, /^SESSION_SECRET=store:\/\/SESSION_SECRET$/m);
    assert.ok(!dotenv.includes(SESSION) && !dotenv.includes(DB_PASSWORD));

    // A typo: stored, but nothing reads it; said with the name meant, never the value.
    await j.step(["set", "SESION_SECRET"], {
      input: TYPO_VALUE,
      stderr: [
        /stored SESION_SECRET version 1/,
        /warning: SESION_SECRET is not in the schema \(did you mean SESSION_SECRET\?\)/,
      ],
    });
    // A name .env shadows: stored, but line 1 of .env wins here.
    await j.step(["set", "PORT"], {
      input: "8080",
      stderr: [/warning: PORT is stored, but \.env line 1 wins here/],
      not: [/8080/],
    });
    // The name .env points at the store: no warning.
    await j.step(["set", "SESSION_SECRET"], {
      input: NEW_SESSION,
      stderr: [/stored SESSION_SECRET version 2/],
      not: [/warning/],
    });

    j.write(
      { ".env": `${readFileSync(join(j.dir, ".env"), "utf8")}PROT=9000\n` },
      "a typo in .env",
    );
    const undeclared =
      /warning: PROT \(\.env line 4\) is not in the schema \(did you mean PORT\?\)/;
    await j.step(["run", ...SHOW], {
      stdout: [
        new RegExp(`session=${sha(NEW_SESSION)}`),
        new RegExp(`db=${sha(`postgres://app:${DB_PASSWORD}@localhost:5432/app`)}`),
        /port=3000/,
        /prot=absent/,
      ],
      stderr: [undeclared],
      not: [/9000/],
    });
    await j.step(["check"], { stderr: [undeclared, /ok: 3 variables resolved/] });

    // A generator for the session secret, then a rotation where .env says it lives.
    const configPath = join(j.dir, "strongbox.config.yaml");
    const config = readFileSync(configPath, "utf8").replace(
      /^ {2}SESSION_SECRET:\n/m,
      '  SESSION_SECRET:\n    rotation: { every: 30d, generator: "bytes:32" }\n',
    );
    assert.match(config, /generator/);
    j.write({ "strongbox.config.yaml": config }, "add a rotation policy");
    await j.step(["rotate", "SESSION_SECRET"], {
      stderr: [/rotated SESSION_SECRET at store:\/\/SESSION_SECRET: version 3; the previous \(2\)/],
      not: [/no ref/],
    });
    const after = await j.step(["run", ...SHOW], { stdout: [/session=[0-9a-f]{16}/] });
    assert.doesNotMatch(after.stdout, new RegExp(`session=${sha(NEW_SESSION)}`));

    await j.step(["diff", "local", "production", "--live"], {
      code: 1,
      stdout: [/SESSION_SECRET \(secret\) +store:\/\/SESSION_SECRET v3/, /PORT +dotenv/],
    });

    await j.step(["generate", "example"], { stderr: [/wrote .*\.env\.example/] });
    await j.step(["check", "--layers"], { stderr: [/ok: the schema, \.env\.example/] });

    await dashboardSteps(j);

    // Opting in to pass undeclared keys on: PROT reaches the program, no warning.
    j.write(
      { "strongbox.config.yaml": `${readFileSync(configPath, "utf8")}passUndeclared: true\n` },
      "pass undeclared .env keys on",
    );
    await j.step(["run", ...SHOW], { stdout: [/prot=passed/], not: [/not in the schema/] });
  });
});
