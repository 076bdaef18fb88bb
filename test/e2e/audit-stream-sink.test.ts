// A stream sink (`stdout`/`stderr`) keeps records only when its stream is a regular
// file, a pipe, a socket or a terminal. Before, only /dev/null was refused, so
// `STRONGBOX_AUDIT_SINK=stderr strongbox get X 2>/dev/zero` released the value and
// `set` changed the store with every record thrown away. Generated: each stream ×
// each device or sink kind, first through the sink itself (both file descriptors),
// then through the CLI on a fail-closed path (`get`, `set`) and a fail-open one
// (`export` in a local environment).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { CLI, cleanEnv, ROOT, runCli, tempProject } from "../helpers/cli.js";
import { onTerminal } from "../helpers/pty.js";

type Kind = { readonly name: string; readonly keeps: boolean; readonly device?: string };
const KINDS: readonly Kind[] = [
  ...["/dev/null", "/dev/zero", "/dev/full", "/dev/urandom"].map((device) => ({
    name: device,
    keeps: false,
    device,
  })),
  { name: "a closed stream", keeps: false },
  { name: "a regular file", keeps: true },
  { name: "a pipe", keeps: true },
];
const STREAMS = ["stdout", "stderr"] as const;
const VALUE = "stream-sink-value-5f1c";

/**
 * Runs `argv` with file descriptor `fd` (1 or 2) set up as `kind`; the other
 * output is piped. Returns the exit status, the piped outputs, and what reached
 * `fd` when it keeps records.
 */
function runWith(
  argv: readonly string[],
  fd: 1 | 2,
  kind: Kind,
  options: { cwd: string; env: Record<string, string>; input?: string },
): { status: number | null; stdout: string; stderr: string; kept: string } {
  const stdio: ("pipe" | number)[] = ["pipe", "pipe", "pipe"];
  let file: string | undefined;
  let opened: number | undefined;
  let command = argv;
  if (kind.device !== undefined) opened = openSync(kind.device, "w");
  else if (kind.name === "a regular file") {
    file = join(mkdtempSync(join(tmpdir(), "stream-sink-")), "out");
    opened = openSync(file, "w");
  } else if (kind.name === "a closed stream")
    command = ["/bin/sh", "-c", `exec "$0" "$@" ${fd}>&-`, ...argv];
  if (opened !== undefined) stdio[fd] = opened;
  try {
    const result = spawnSync(command[0] as string, command.slice(1), {
      cwd: options.cwd,
      env: options.env,
      input: options.input ?? "",
      stdio,
      encoding: "utf8",
      timeout: 30_000,
    });
    const piped = fd === 1 ? result.stdout : result.stderr;
    return {
      status: result.status,
      stdout: result.stdout ?? "",
      stderr: result.stderr ?? "",
      kept: file !== undefined ? readFileSync(file, "utf8") : kind.name === "a pipe" ? piped : "",
    };
  } finally {
    if (opened !== undefined) closeSync(opened);
  }
}

const SINK_MODULE = join(ROOT, "dist/src/audit/open-sink.js");
// Opens the sink as the CLI does (stdoutIsData false: `stdout` writes to fd 1) and writes one record.
const PROBE = `
const { openAuditSink } = await import(${JSON.stringify(SINK_MODULE)});
const sink = openAuditSink({ baseDir: process.cwd(), env: process.env, stdoutIsData: false });
try {
  sink.write([{ time: new Date().toISOString(), action: "read", source: "store", outcome: "ok", pid: process.pid }]);
} catch (error) {
  process.exitCode = error.code === "E_AUDIT" ? 3 : 4;
}
`;

describe("a stream sink keeps records or is refused", () => {
  for (const stream of STREAMS)
    for (const kind of KINDS)
      it(`the sink: ${stream} on ${kind.name}`, () => {
        const dir = tempProject();
        const result = runWith(
          [process.execPath, "--input-type=module", "-e", PROBE],
          stream === "stdout" ? 1 : 2,
          kind,
          { cwd: dir, env: cleanEnv(dir, { STRONGBOX_AUDIT_SINK: stream }) },
        );
        if (kind.keeps) {
          assert.equal(result.status, 0, result.stderr);
          assert.match(result.kept, /"audit":true/);
        } else assert.equal(result.status, 3, `${stream} on ${kind.name}: not refused`);
      });

  for (const stream of STREAMS)
    it(`the sink: ${stream} on a terminal keeps records`, async () => {
      const dir = tempProject();
      const result = await onTerminal([process.execPath, "--input-type=module", "-e", PROBE], {
        cwd: dir,
        env: { STRONGBOX_AUDIT_SINK: stream },
        after: "never shown",
        keys: "",
      });
      assert.equal(result.code, 0, result.output);
      assert.match(result.output, /"audit":true/);
    });

  // Store commands print their data on stdout, so both sinks write to stderr there.
  for (const stream of STREAMS)
    for (const kind of KINDS)
      it(`the CLI: STRONGBOX_AUDIT_SINK=${stream}, stderr on ${kind.name}: get, set (fail closed), export (fail open)`, async () => {
        const dir = tempProject({
          "strongbox.config.yaml":
            "environments:\n  local: {}\nvariables:\n  DB: { secret: true, ref: 'store://DB' }\n",
        });
        assert.equal((await runCli(["init"], { cwd: dir })).code, 0);
        assert.equal((await runCli(["set", "DB"], { cwd: dir, input: VALUE })).code, 0);
        const env = cleanEnv(dir, { STRONGBOX_AUDIT_SINK: stream });
        const store = () =>
          readdirSync(join(dir, ".strongbox"), { recursive: true })
            .map(String)
            .sort()
            .map((name) => {
              try {
                return `${name}:${readFileSync(join(dir, ".strongbox", name), "hex")}`;
              } catch {
                return name;
              }
            })
            .join("\n");
        const what = `${stream} on ${kind.name}`;

        const get = runWith([process.execPath, CLI, "get", "DB"], 2, kind, { cwd: dir, env });
        const before = store();
        const set = runWith([process.execPath, CLI, "set", "OTHER"], 2, kind, {
          cwd: dir,
          env,
          input: "other-value",
        });
        const exported = runWith(
          [process.execPath, CLI, "export", "-e", "local", "--format", "json"],
          2,
          kind,
          { cwd: dir, env },
        );
        // fail open: released either way (a warning that cannot be written to /dev/full
        // fails the command after its output, with or without an audit sink on stderr)
        if (kind.device !== "/dev/full")
          assert.equal(exported.status, 0, `export, ${what}: ${exported.stderr}`);
        assert.ok(exported.stdout.includes(VALUE), `export, ${what}`);
        if (kind.keeps) {
          assert.equal(get.status, 0, `get, ${what}: ${get.stderr}`);
          assert.ok(get.stdout.includes(VALUE));
          assert.match(get.kept, /"audit":true.*"action":"read"/);
          assert.equal(set.status, 0, `set, ${what}`);
          assert.match(set.kept, /"audit":true.*"action":"write"/);
          assert.match(exported.kept, /"audit":true/);
        } else {
          assert.notEqual(get.status, 0, `get, ${what}: not refused`);
          assert.ok(!get.stdout.includes(VALUE), `get, ${what}: released`);
          assert.notEqual(set.status, 0, `set, ${what}: not refused`);
          assert.equal(store(), before, `set, ${what}: the store changed`);
        }
      });
});
