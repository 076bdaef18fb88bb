// The secret lifecycle on the encrypted store, through the CLI and the library: generate,
// rotate with an overlap, finish after the soak, rotate what is due, inventory, and what
// check says about expired and overdue secrets. Times come from an injected clock.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { describe, it } from "node:test";
import {
  finishRotation,
  lifecycleStates,
  rotateDue,
  rotateSecret,
} from "../../src/lifecycle/rotate.js";
import type { ConfigSpec } from "../../src/schema/types.js";
import { openStore } from "../../src/store/open.js";
import { CLI, cleanEnv, runCli, tempProject } from "../helpers/cli.js";
import { onTerminal } from "../helpers/pty.js";

const CONFIG = `variables:
  JWT_SECRET:
    secret: true
    ref: "store://JWT_SECRET"
    owner: platform
    usedBy: [api, worker]
    rotation: { every: 90d, generator: "bytes:32", overlap: 24h, soak: 24h }
  DB_PASSWORD: { secret: true, ref: "store://DB_PASSWORD", expires: "2020-01-01" }
environments:
  local: {}
  production: { secrets: { from: [store] } }
`;

async function project(): Promise<string> {
  const dir = tempProject({ "strongbox.config.yaml": CONFIG });
  assert.equal((await runCli(["init"], { cwd: dir })).code, 0);
  const key = await runCli(["generate-secret", "hex:16"], { cwd: dir });
  assert.match(key.stdout, /^[0-9a-f]{32}\n$/);
  assert.equal((await runCli(["set", "JWT_SECRET"], { cwd: dir, input: key.stdout })).code, 0);
  assert.equal(
    (await runCli(["set", "DB_PASSWORD"], { cwd: dir, input: "db-canary-4471" })).code,
    0,
  );
  return dir;
}

describe("secret lifecycle on the store (CLI)", () => {
  it("every start draws fresh randomness: no two runs generate the same secret (the single executable restores a snapshot)", async () => {
    const dir = tempProject();
    const values = new Set<string>();
    for (const spec of ["bytes:32", "bytes:32", "uuid", "uuid", "password:24", "password:24"]) {
      const result = await runCli(["generate-secret", spec], { cwd: dir });
      assert.equal(result.code, 0, result.stderr);
      values.add(result.stdout);
    }
    assert.equal(values.size, 6);
  });

  it("rotate writes a new version from the generator, keeps the previous readable, and never prints a value", async () => {
    const dir = await project();
    const before = await runCli(["get", "JWT_SECRET"], { cwd: dir });
    const rotated = await runCli(["rotate", "JWT_SECRET", "--json"], { cwd: dir });
    assert.equal(rotated.code, 0, rotated.stderr);
    const body = JSON.parse(rotated.stdout);
    assert.deepEqual([body.version, body.previous, body.ref], [2, 1, "store://JWT_SECRET"]);
    const after = await runCli(["get", "JWT_SECRET"], { cwd: dir });
    assert.notEqual(after.stdout, before.stdout);
    assert.equal(
      Buffer.from(after.stdout.trim(), "base64url").length,
      32,
      "bytes:32 from the generator",
    );
    assert.ok(
      !`${rotated.stdout}${rotated.stderr}`.includes(after.stdout.trim()),
      "no value printed",
    );
    // The previous version stays readable during the overlap.
    assert.equal(
      (await runCli(["get", "JWT_SECRET", "--version", "1"], { cwd: dir })).stdout,
      before.stdout,
    );
    // Finishing before the soak is refused, and changes nothing.
    const early = await runCli(["rotate", "--finish", "JWT_SECRET"], { cwd: dir });
    assert.equal(early.code, 4);
    assert.match(early.stderr, /soaking until .* \(E_ROTATION\)/);
    assert.equal(
      (await runCli(["get", "JWT_SECRET", "--version", "1"], { cwd: dir })).stdout,
      before.stdout,
    );
    // --force (what a compromise does) retires it now: the old value is gone from the file.
    const forced = await runCli(["rotate", "--finish", "JWT_SECRET", "--force"], { cwd: dir });
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stderr, /retired version 1 of store:\/\/JWT_SECRET/);
    const gone = await runCli(["get", "JWT_SECRET", "--version", "1"], { cwd: dir });
    assert.notEqual(gone.code, 0);
    assert.equal(
      (await runCli(["get", "JWT_SECRET"], { cwd: dir })).stdout,
      after.stdout,
      "the current value stays",
    );
  });

  it("rotate -e rotates in the environment's own store (init --env), and the app there reads the new value", async () => {
    const dir = await project();
    assert.equal((await runCli(["init", "--env", "production"], { cwd: dir })).code, 0);
    const set = await runCli(["set", "JWT_SECRET", "--env", "production"], {
      cwd: dir,
      input: "production-jwt-canary-81f2",
    });
    assert.equal(set.code, 0, set.stderr);
    const rootBefore = (await runCli(["get", "JWT_SECRET"], { cwd: dir })).stdout;
    const rotated = await runCli(["rotate", "JWT_SECRET", "-e", "production", "--json"], {
      cwd: dir,
    });
    assert.equal(rotated.code, 0, rotated.stderr);
    assert.deepEqual(JSON.parse(rotated.stdout).version, 2);
    const history = await runCli(["history", "JWT_SECRET", "--env", "production"], { cwd: dir });
    assert.match(history.stdout, /^v2 /m, "the new version is in production's store");
    assert.equal(
      (await runCli(["get", "JWT_SECRET"], { cwd: dir })).stdout,
      rootBefore,
      "the root store's secret is untouched",
    );
    const now = await runCli(["get", "JWT_SECRET", "--env", "production"], { cwd: dir });
    assert.notEqual(now.stdout.trim(), "production-jwt-canary-81f2");
  });

  it("an app keeps accepting tokens signed before a rotation during the overlap, and stops after --finish", async () => {
    const dir = await project();
    const sign = (key: string) =>
      createHmac("sha256", key).update("session-for-alice").digest("base64url");
    const oldToken = sign((await runCli(["get", "JWT_SECRET"], { cwd: dir })).stdout);
    // The app validates a token against the current key and, when set, the previous one.
    // The token is written into the script, not passed as an argument: a base64url token
    // may start with "-", which node would read as one of its own options.
    const app = (token: string) => [
      "run",
      "--",
      process.execPath,
      "-e",
      `const { createHmac } = require("node:crypto");
       const keys = [process.env.JWT_SECRET, process.env.JWT_SECRET_PREVIOUS].filter(Boolean);
       const ok = keys.some((k) => createHmac("sha256", k).update("session-for-alice").digest("base64url") === ${JSON.stringify(token)});
       console.log(ok ? "valid" : "rejected", keys.length);`,
    ];
    assert.equal(
      (await runCli(app(oldToken), { cwd: dir })).stdout,
      "valid 1\n",
      "before the rotation: no previous",
    );
    assert.equal((await runCli(["rotate", "JWT_SECRET"], { cwd: dir })).code, 0);
    const during = await runCli(app(oldToken), { cwd: dir });
    assert.equal(
      during.stdout,
      "valid 2\n",
      `during the overlap the old token validates: ${during.stderr}`,
    );
    const newToken = sign((await runCli(["get", "JWT_SECRET"], { cwd: dir })).stdout);
    assert.equal((await runCli(app(newToken), { cwd: dir })).stdout, "valid 2\n");
    const explain = await runCli(["explain", "JWT_SECRET_PREVIOUS"], { cwd: dir });
    assert.match(explain.stdout, /store:\/\/JWT_SECRET\?version=previous/);
    assert.equal(
      (await runCli(["rotate", "--finish", "JWT_SECRET", "--force"], { cwd: dir })).code,
      0,
    );
    assert.equal(
      (await runCli(app(oldToken), { cwd: dir })).stdout,
      "rejected 1\n",
      "after --finish the old token fails",
    );
    assert.equal((await runCli(app(newToken), { cwd: dir })).stdout, "valid 1\n");
  });

  it("generate-secret prints PEM or JWK key pairs and their public halves, and refuses --jwk for bytes", async () => {
    const dir = tempProject();
    const pem = await runCli(["generate-secret", "ed25519"], { cwd: dir });
    assert.match(pem.stdout, /^-----BEGIN PRIVATE KEY-----\n[\s\S]+-----END PRIVATE KEY-----\n$/);
    const jwk = JSON.parse(
      (await runCli(["generate-secret", "ecdsa", "--jwk"], { cwd: dir })).stdout,
    );
    assert.equal(jwk.crv, "P-256");
    assert.ok(typeof jwk.d === "string");
    const pub = await runCli(["generate-secret", "wireguard", "--public"], { cwd: dir });
    assert.match(pub.stdout, /^[A-Za-z0-9+/]{43}=\n$/);
    assert.equal((await runCli(["generate-secret", "bytes", "--jwk"], { cwd: dir })).code, 2);
  });

  it("attacks: NAME_PREVIOUS is masked in piped output like the secret it shadows", async () => {
    const dir = await project();
    const before = (await runCli(["get", "JWT_SECRET"], { cwd: dir })).stdout;
    assert.equal((await runCli(["rotate", "JWT_SECRET"], { cwd: dir })).code, 0);
    // Piped output of the child is masked: the previous value is a secret too.
    const piped = await runCli(["run", "--", "sh", "-c", 'echo "$JWT_SECRET_PREVIOUS"'], {
      cwd: dir,
    });
    assert.equal(piped.stdout, "<redacted:JWT_SECRET_PREVIOUS>\n");
    assert.ok(!piped.stdout.includes(before));
  });

  it("attacks: smoke never sends a URL's credentials to another host on a redirect", async () => {
    const seen: string[] = [];
    const other = createServer((req, res) => {
      seen.push(String(req.headers.authorization ?? "none"));
      res.writeHead(200).end();
    });
    await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
    const redirector = createServer((_, res) =>
      res
        .writeHead(302, { location: `http://127.0.0.1:${(other.address() as AddressInfo).port}/` })
        .end(),
    );
    await new Promise<void>((resolve) => redirector.listen(0, "127.0.0.1", resolve));
    try {
      const dir = tempProject({
        "strongbox.config.yaml": "variables:\n  HOOK_URL: { type: url, smoke: true }\n",
      });
      const result = await runCli(["smoke", "--json"], {
        cwd: dir,
        env: { HOOK_URL: `http://127.0.0.1:${(redirector.address() as AddressInfo).port}/hook` },
      });
      assert.equal(
        JSON.parse(result.stdout).results[0].detail,
        "HTTP 302",
        "the redirect is reported, not followed",
      );
      assert.deepEqual(seen, [], "the other host is never contacted");
    } finally {
      other.close();
      redirector.close();
    }
  });

  it("rotate --stdin takes the value from a pipe; a secret without a generator needs one", async () => {
    const dir = await project();
    const refused = await runCli(["rotate", "DB_PASSWORD"], { cwd: dir });
    assert.equal(refused.code, 4);
    assert.match(refused.stderr, /DB_PASSWORD has no generator .*\(E_ROTATION\)/);
    const piped = await runCli(["rotate", "DB_PASSWORD", "--stdin"], {
      cwd: dir,
      input: "db-rotated-canary\n",
    });
    assert.equal(piped.code, 0, piped.stderr);
    assert.equal((await runCli(["get", "DB_PASSWORD"], { cwd: dir })).stdout, "db-rotated-canary");
    assert.ok(!piped.stderr.includes("db-rotated-canary"));
  });

  it("inventory lists owner, users, storage per environment and state; --check fails on an expired secret", async () => {
    const dir = await project();
    const json = await runCli(["inventory", "--json"], { cwd: dir });
    assert.equal(json.code, 0, json.stderr);
    const rows = JSON.parse(json.stdout).secrets as Array<Record<string, unknown>>;
    const jwt = rows.find((row) => row.name === "JWT_SECRET");
    assert.deepEqual(
      [jwt?.owner, jwt?.usedBy, jwt?.storage, jwt?.every, jwt?.overdue],
      [
        "platform",
        ["api", "worker"],
        { local: "store://JWT_SECRET", production: "store://JWT_SECRET" },
        "90d",
        false,
      ],
    );
    assert.equal(rows.find((row) => row.name === "DB_PASSWORD")?.expired, true);
    const explain = await runCli(["explain", "JWT_SECRET", "DB_PASSWORD"], { cwd: dir });
    assert.match(explain.stdout, /rotation: every 90d, generator bytes:32, overlap 1d, soak 1d/);
    assert.match(explain.stdout, /owner: platform\n {2}usedBy: api, worker/);
    assert.match(explain.stdout, /expires: 2020-01-01/);
    const list = await runCli(["list"], { cwd: dir });
    assert.match(list.stdout, /JWT_SECRET .* due \d{4}-\d\d-\d\d \(JWT_SECRET\)/);
    assert.match(list.stdout, /DB_PASSWORD .* EXPIRED 2020-01-01/);
    const markdown = await runCli(["inventory", "--format", "markdown", "--check"], { cwd: dir });
    assert.equal(markdown.code, 4);
    assert.match(markdown.stdout, /\| JWT_SECRET \| platform \| api, worker \|/);
    assert.match(markdown.stdout, /\| DB_PASSWORD \|.*\| EXPIRED \|/);
    assert.ok(!markdown.stdout.includes("db-canary-4471"));
  });

  it("check warns about an expired secret locally and fails on it in production (E_OVERDUE)", async () => {
    const dir = await project();
    const local = await runCli(["check"], { cwd: dir });
    assert.equal(local.code, 0, local.stderr);
    assert.match(local.stderr, /warning: DB_PASSWORD is expired on 2020-01-01/);
    const production = await runCli(["check", "--env", "production"], { cwd: dir });
    assert.equal(production.code, 4);
    assert.match(production.stderr, /DB_PASSWORD is expired on 2020-01-01 \(E_OVERDUE\)/);
  });

  it("rotate --due reports a rotation it cannot do and exits 4, doing the others", async () => {
    const dir = tempProject({
      "strongbox.config.yaml": `variables:
  MOUNTED: { secret: true, ref: "file://mounted.txt", rotation: { every: 1s, generator: uuid } }
  STORED: { secret: true, ref: "store://STORED", rotation: { every: 1s, generator: uuid } }
`,
      "mounted.txt": "mounted-canary",
    });
    await runCli(["init"], { cwd: dir });
    await runCli(["set", "STORED"], { cwd: dir, input: "stored-canary" });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const due = await runCli(["rotate", "--due"], { cwd: dir });
    assert.equal(due.code, 4);
    assert.match(due.stderr, /MOUNTED: failed: .*file:\/\/ cannot keep the previous value/);
    assert.match(due.stderr, /STORED: rotated: version 2/);
    assert.ok(!due.stderr.includes("canary"));
  });

  it("rm --version destroys one older version; the current one cannot be destroyed that way", async () => {
    const dir = await project();
    await runCli(["set", "DB_PASSWORD"], { cwd: dir, input: "db-second" });
    const current = await runCli(["rm", "DB_PASSWORD", "--version", "2"], { cwd: dir });
    assert.equal(current.code, 2);
    assert.match(current.stderr, /version 2 is the current one and cannot be destroyed/);
    const old = await runCli(["rm", "DB_PASSWORD", "--version", "1"], { cwd: dir });
    assert.equal(old.code, 0, old.stderr);
    assert.notEqual((await runCli(["get", "DB_PASSWORD", "--version", "1"], { cwd: dir })).code, 0);
    assert.equal((await runCli(["get", "DB_PASSWORD"], { cwd: dir })).stdout, "db-second");
    const store = readFileSync(join(dir, ".strongbox/secrets/DB_PASSWORD.sbx"), "utf8");
    assert.equal(
      JSON.parse(store.slice(store.indexOf("{"), store.lastIndexOf("}") + 1)).versions[0].ct,
      undefined,
      "the ciphertext left the file",
    );
  });

  it("a rotation killed at any moment leaves the old value or the new one, and the next run completes", async () => {
    const dir = await project();
    let versions = 1;
    for (let round = 0; round < 6; round++) {
      const child = spawn(process.execPath, [CLI, "rotate", "JWT_SECRET"], {
        cwd: dir,
        env: cleanEnv(dir),
        stdio: "ignore",
      });
      const closed = new Promise((resolve) => child.once("close", resolve));
      await new Promise((resolve) => setTimeout(resolve, 40 + round * 35));
      child.kill("SIGKILL");
      await closed;
      // The killed rotation either wrote its version or did not: never half of one.
      const count = (
        JSON.parse((await runCli(["history", "JWT_SECRET", "--json"], { cwd: dir })).stdout)
          .versions as unknown[]
      ).length;
      assert.ok(
        count === versions || count === versions + 1,
        `round ${round}: ${count} after ${versions}`,
      );
      assert.equal(
        (await runCli(["get", "JWT_SECRET"], { cwd: dir })).code,
        0,
        "the current value reads",
      );
      assert.equal(
        (await runCli(["rotate", "JWT_SECRET"], { cwd: dir })).code,
        0,
        "the next rotation completes",
      );
      versions = count + 1;
    }
    assert.equal(
      (await runCli(["rotate", "--finish", "JWT_SECRET", "--force"], { cwd: dir })).code,
      0,
    );
  });

  it("set: a new value drops the old expiry, and an expiry in the past is refused", async () => {
    const dir = await project();
    const past = await runCli(["set", "API", "--expires", "2001-01-01"], { cwd: dir, input: "x" });
    assert.equal(past.code, 2);
    assert.match(past.stderr, /--expires is in the past; nothing was stored/);
    await runCli(["set", "CERT", "--expires", "1s"], { cwd: dir, input: "old-cert" });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    assert.equal((await runCli(["get", "CERT"], { cwd: dir })).code, 4, "expired");
    assert.equal((await runCli(["set", "CERT"], { cwd: dir, input: "new-cert" })).code, 0);
    const fresh = await runCli(["get", "CERT"], { cwd: dir });
    assert.equal(fresh.code, 0, "the new value is not held to the old value's expiry");
    assert.equal(fresh.stdout, "new-cert");
  });
});

describe("secret lifecycle on the store (library, injected clock)", () => {
  it("rotate --due rotates what is overdue, then finishes each rotation once its soak has passed", async () => {
    const dir = await project();
    const config: ConfigSpec = {
      variables: {
        JWT_SECRET: {
          secret: true,
          ref: "store://JWT_SECRET",
          rotation: { every: "90d", generator: "bytes:32", overlap: "24h", soak: "24h" },
        },
      },
    };
    let clock = new Date(Date.now());
    const ctx = {
      config,
      baseDir: dir,
      environment: "local",
      processEnv: { HOME: dir },
      now: () => clock,
    };
    const day = 86_400_000;
    // Not due yet: nothing happens.
    assert.deepEqual(await rotateDue(ctx), []);
    // 91 days later: overdue, so rotated.
    clock = new Date(clock.getTime() + 91 * day);
    const due = await rotateDue(ctx);
    assert.deepEqual(
      due.map((r) => [r.name, r.action]),
      [["JWT_SECRET", "rotated"]],
    );
    // The store records real times, so from the store's view the new version is fresh:
    // an hour later, the soak is not over and nothing is retired.
    clock = new Date(Date.now() + 3_600_000);
    assert.deepEqual(await rotateDue(ctx), []);
    const store = await openStore({ dir: join(dir, ".strongbox"), env: { HOME: dir } });
    assert.equal(store.history("JWT_SECRET").filter((v) => v.state === "live").length, 2);
    // After the soak, --due retires the previous version.
    clock = new Date(Date.now() + 25 * 3_600_000);
    const finished = await rotateDue(ctx);
    assert.deepEqual(
      finished.map((r) => [r.name, r.action, r.detail]),
      [["JWT_SECRET", "finished", "retired 1"]],
    );
    const states = await lifecycleStates(ctx);
    assert.equal(states[0]?.status.overdue, false);
    assert.ok(states[0]?.status.lastRotated !== undefined);
  });

  it("a rotation is one new version, and finishing twice retires once", async () => {
    const dir = await project();
    const config: ConfigSpec = {
      variables: {
        JWT_SECRET: {
          secret: true,
          ref: "store://JWT_SECRET",
          rotation: { every: "1d", generator: "uuid" },
        },
      },
    };
    const ctx = { config, baseDir: dir, environment: "local", processEnv: { HOME: dir } };
    const rotated = await rotateSecret("JWT_SECRET", ctx);
    assert.equal(rotated.version, 2);
    const later = { ...ctx, now: () => new Date(Date.now() + 2 * 86_400_000) };
    assert.deepEqual((await finishRotation("JWT_SECRET", later)).retired, [1]);
    assert.deepEqual(
      (await finishRotation("JWT_SECRET", later)).retired,
      [],
      "a second finish has nothing to do",
    );
  });
});

describe("compromise drill (CLI, store, audit log)", () => {
  it("rotates the secret and its blast radius now, retires every old version, and reports who read them since the window", async () => {
    const dir = tempProject({
      "strongbox.config.yaml": `audit: { file: audit.jsonl }
variables:
  JWT_SECRET:
    secret: true
    ref: "store://JWT_SECRET"
    rotatesWith: [SESSION_KEY]
    rotation: { every: 90d, generator: "bytes:32" }
  SESSION_KEY: { secret: true, ref: "store://SESSION_KEY", rotation: { every: 90d, generator: "hex:16" } }
  API_KEY: { secret: true, ref: "store://API_KEY" }
`,
    });
    assert.equal((await runCli(["init"], { cwd: dir })).code, 0);
    for (const [name, value] of [
      ["JWT_SECRET", "jwt-compromised-canary"],
      ["SESSION_KEY", "session-compromised-canary"],
      ["API_KEY", "api-untouched-canary"],
    ] as const)
      assert.equal((await runCli(["set", name], { cwd: dir, input: value })).code, 0);
    const since = new Date(Date.now() - 1000).toISOString();
    // An app reads the secrets after the window opened: the audit log records it.
    assert.equal((await runCli(["run", "--", "true"], { cwd: dir })).code, 0);
    const versions = async () =>
      Promise.all(
        ["JWT_SECRET", "SESSION_KEY"].map(
          async (name) => (await runCli(["history", name], { cwd: dir })).stdout,
        ),
      );
    const untouched = await versions();
    // A dry run says what would happen and changes nothing; without a terminal and
    // without --yes nothing happens either.
    const dry = await runCli(["compromise", "JWT_SECRET", "--since", since, "--dry-run"], {
      cwd: dir,
    });
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /DRY RUN/);
    assert.match(dry.stdout, /\| SESSION_KEY \| store:\/\/SESSION_KEY \| ready \|/);
    assert.match(dry.stdout, /- Who: [^@\s]+@/);
    assert.match(dry.stderr, /dry run: nothing was rotated/);
    const unconfirmed = await runCli(["compromise", "JWT_SECRET", "--since", since], {
      cwd: dir,
    });
    assert.equal(unconfirmed.code, 2, unconfirmed.stderr);
    assert.match(unconfirmed.stderr, /no terminal to confirm[\s\S]*--dry-run[\s\S]*--yes/);
    assert.deepEqual(await versions(), untouched, "neither the dry run nor the refusal rotated");
    const drill = await runCli(
      ["compromise", "JWT_SECRET", "--since", since, "--yes", "--report", "incident.md"],
      { cwd: dir },
    );
    assert.equal(drill.code, 0, drill.stderr);
    assert.match(drill.stderr, /JWT_SECRET: rotated to 2, retired 1/);
    assert.match(drill.stderr, /SESSION_KEY: rotated to 2, retired 1/);
    for (const name of ["JWT_SECRET", "SESSION_KEY"]) {
      assert.notEqual(
        (await runCli(["get", name, "--version", "1"], { cwd: dir })).code,
        0,
        `${name} v1 retired`,
      );
      assert.equal(
        (await runCli(["history", name], { cwd: dir })).stdout.split("\n").filter(Boolean).length,
        2,
      );
    }
    assert.equal(
      (await runCli(["get", "API_KEY"], { cwd: dir })).stdout,
      "api-untouched-canary",
      "outside the blast radius",
    );
    const report = readFileSync(join(dir, "incident.md"), "utf8");
    assert.equal(statSync(join(dir, "incident.md")).mode & 0o777, 0o600);
    assert.match(report, /# Incident: compromise of JWT_SECRET/);
    assert.match(report, /Blast radius: JWT_SECRET, SESSION_KEY/);
    assert.match(report, /\| JWT_SECRET \| store:\/\/JWT_SECRET \| 2 \| 1 \|/);
    assert.match(report, /\| read \| JWT_SECRET \|/, "the run's read since the window is listed");
    assert.match(report, /- Who: [^@\s]+@\S+/, "the report names who ran it");
    assert.ok(!report.includes("DRY RUN"));
    assert.doesNotMatch(report, /\| read \| API_KEY \|/, "only the blast radius");
    for (const canary of [
      "jwt-compromised-canary",
      "session-compromised-canary",
      "api-untouched-canary",
    ])
      assert.ok(
        !`${report}${drill.stdout}${drill.stderr}${dry.stdout}${dry.stderr}${unconfirmed.stderr}`.includes(
          canary,
        ),
      );
    // And no NAME_PREVIOUS survives: sessions signed with the old key are over.
    const app = await runCli(
      ["run", "--no-mask", "--", "sh", "-c", 'echo "${JWT_SECRET_PREVIOUS:-none}"'],
      { cwd: dir },
    );
    assert.equal(app.stdout, "none\n");
  });
});

describe("compromise asks on a terminal (CLI, store)", () => {
  it("a 'no' changes nothing; a 'yes' rotates", async () => {
    const dir = tempProject({
      "strongbox.config.yaml": `variables:
  JWT_SECRET: { secret: true, ref: "store://JWT_SECRET", rotation: { every: 90d, generator: "hex:16" } }
`,
    });
    assert.equal((await runCli(["init"], { cwd: dir })).code, 0);
    assert.equal(
      (await runCli(["set", "JWT_SECRET"], { cwd: dir, input: "asked-canary" })).code,
      0,
    );
    const history = async () => (await runCli(["history", "JWT_SECRET"], { cwd: dir })).stdout;
    const before = await history();
    const argv = [
      process.execPath,
      CLI,
      "compromise",
      "JWT_SECRET",
      "--since",
      "2000-01-01T00:00Z",
    ];
    const question = "retire every old version (no overlap)? [y/N]";
    const declined = await onTerminal(argv, { cwd: dir, after: question, keys: "n\r" });
    assert.equal(declined.code, 2, declined.output);
    assert.match(declined.output, /not confirmed; nothing was rotated/);
    assert.equal(await history(), before);
    const accepted = await onTerminal(argv, { cwd: dir, after: question, keys: "y\r" });
    assert.equal(accepted.code, 0, accepted.output);
    assert.match(accepted.output, /JWT_SECRET: rotated to 2, retired 1/);
    assert.ok(!`${declined.output}${accepted.output}`.includes("asked-canary"));
  });
});

describe("finishing waits for the smoke checks (CLI)", () => {
  it("holds the previous version while a smoke check fails, retires it once they pass", async () => {
    let status = 503;
    const server = createServer((_, res) => res.writeHead(status).end());
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`;
      const dir = tempProject({
        "strongbox.config.yaml": `variables:
  JWT_SECRET: { secret: true, ref: "store://JWT_SECRET", rotation: { every: 90d, generator: uuid, overlap: 0s, soak: 0s } }
  API_URL: { type: url, default: "${url}", smoke: true }
`,
      });
      await runCli(["init"], { cwd: dir });
      await runCli(["set", "JWT_SECRET"], { cwd: dir, input: "smoke-gate-canary" });
      assert.equal((await runCli(["rotate", "JWT_SECRET"], { cwd: dir })).code, 0);
      const held = await runCli(["rotate", "--finish", "JWT_SECRET"], { cwd: dir });
      assert.equal(held.code, 4);
      assert.match(
        held.stderr,
        /the previous version stays: smoke checks fail for API_URL \(HTTP 503\)/,
      );
      assert.equal(
        (await runCli(["get", "JWT_SECRET", "--version", "1"], { cwd: dir })).stdout,
        "smoke-gate-canary",
      );
      status = 200;
      const finished = await runCli(["rotate", "--finish", "JWT_SECRET"], { cwd: dir });
      assert.equal(finished.code, 0, finished.stderr);
      assert.notEqual(
        (await runCli(["get", "JWT_SECRET", "--version", "1"], { cwd: dir })).code,
        0,
      );
    } finally {
      server.close();
    }
  });
});
