// Issue 27 items 5 and 6: the global flags. Every case is generated from the
// command table and each command's own option table, so a command added
// later is covered without a new list entry.
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { describe, it } from "node:test";
import type { Command } from "../../src/cli/command.js";
import { COMMANDS } from "../../src/cli/command-table.js";
import { GLOBAL_OPTIONS, liftGlobals } from "../../src/cli/globals.js";
import type { CliIo } from "../../src/cli/io.js";
import { renderError } from "../../src/cli/render-error.js";
import { runMain } from "../../src/cli/run-main.js";
import { StrongboxError } from "../../src/errors.js";

/** An in-process CLI run: its status and what it wrote. */
async function run(argv: readonly string[], env: Record<string, string> = {}) {
  const out = { stdout: "", stderr: "" };
  const io = captureIo(out, env);
  const code = await runMain(argv, io);
  return { code, ...out };
}

function captureIo(out: { stdout: string; stderr: string }, env: Record<string, string> = {}) {
  const sink = (key: "stdout" | "stderr") =>
    new Writable({
      write(chunk, _encoding, done) {
        out[key] += String(chunk);
        done();
      },
    });
  return { stdout: sink("stdout"), stderr: sink("stderr"), env, cwd: process.cwd() } as CliIo;
}

const commands: Array<[string, Command]> = await Promise.all(
  Object.entries(COMMANDS).map(async ([name, entry]) => [name, await entry.load()] as const),
).then((list) => list.map(([name, command]) => [name, command]));

/** Every spelling of a flag (and its value) a user may type. */
function spellings(long: string, value?: string): string[][] {
  const short = (GLOBAL_OPTIONS[long] ?? LIFTED[long])?.short;
  if (value === undefined) return [[`--${long}`], ...(short ? [[`-${short}`]] : [])];
  return [
    [`--${long}`, value],
    [`--${long}=${value}`],
    ...(short ? [[`-${short}`, value], [`-${short}${value}`]] : []),
  ];
}
const LIFTED: Record<string, { short?: string }> = { env: { short: "e" }, config: { short: "c" } };

describe("--quiet and --debug on every command, before or after its name", () => {
  for (const [name] of commands) {
    it(`${name} takes every spelling of --quiet and --debug`, async () => {
      for (const flag of [...spellings("quiet"), ...spellings("debug")]) {
        for (const argv of [
          [...flag, name, "--help"],
          [name, ...flag, "--help"],
        ]) {
          const out = await run(argv);
          assert.equal(out.code, 0, `${argv.join(" ")}: ${out.stderr}`);
          assert.match(out.stdout, /^Usage: strongbox /, argv.join(" "));
        }
      }
    });
  }

  it("every command's help lists --quiet and --debug", async () => {
    for (const [name] of commands) {
      const help = (await run([name, "--help"])).stdout;
      for (const flag of ["--quiet", "--debug"])
        assert.match(help, new RegExp(`^ +(-\\w, )?${flag}\\b`, "m"), `${name} --help: ${flag}`);
    }
  });
});

describe("--env, --config and --json before the command name", () => {
  const lifted: Array<[string, string | undefined]> = [
    ["env", "production"],
    ["config", "x.yaml"],
    ["json", undefined],
  ];
  for (const [long, value] of lifted) {
    it(`--${long}: taken by each command that has it, a clear E_USAGE for the rest`, async () => {
      for (const [name, command] of commands) {
        for (const flag of spellings(long, value)) {
          const out = await run([...flag, name, "--help"]);
          if (Object.hasOwn(command.options, long)) {
            assert.equal(out.code, 0, `${flag.join(" ")} ${name}: ${out.stderr}`);
            continue;
          }
          assert.equal(out.code, 2, `${flag.join(" ")} ${name} should be refused`);
          // With --json the error is JSON on stdout.
          assert.match(
            out.stdout + out.stderr,
            new RegExp(`${name} does not take --${long} \\(given before`),
          );
          assert.doesNotMatch(out.stdout + out.stderr, /did you mean `env`/);
        }
      }
    });
  }

  it("every spelling lifts to the same flag, and a value is taken whole", () => {
    for (const [long, value] of [
      ["env", "production"],
      ["config", "a b.yaml"],
      ["env", "-x"],
      ["env", "--json"],
    ] as const)
      for (const flag of spellings(long, value)) {
        const lifted = liftGlobals([...flag, "check"]);
        assert.deepEqual(lifted.before, [`--${long}=${value}`], flag.join(" "));
        assert.equal(lifted.name, "check", flag.join(" "));
      }
  });

  it("everything from the command name on is left as it was (run's child keeps its arguments)", () => {
    const tails = [
      ["--", "sh", "-c", "echo"],
      ["node", "--env", "x", "-q", "--debug", "--json"],
      ["-q", "printenv", "-e", "--config=y"],
    ];
    for (const globals of [[], ["-q"], ["--env", "staging", "--debug"], ["--json", "-c", "c.yaml"]])
      for (const tail of tails) {
        const lifted = liftGlobals([...globals, "run", ...tail]);
        assert.equal(lifted.name, "run");
        assert.deepEqual(lifted.rest, tail);
      }
  });

  it("an unknown flag before the command is E_USAGE naming it, with a did-you-mean", async () => {
    for (const [flag, suggestion] of [
      ["--jsno", "--json"],
      ["--quite", "--quiet"],
      ["--evn", "--env"],
      ["-x", undefined],
    ] as const) {
      const out = await run([flag, "check"]);
      assert.equal(out.code, 2, flag);
      assert.match(out.stderr, new RegExp(`unknown option ${flag} before the command`));
      if (suggestion !== undefined)
        assert.match(out.stderr, new RegExp(`did you mean \`${suggestion}\``));
    }
  });

  it("a flag that needs a value and has none is E_USAGE", async () => {
    for (const flag of ["--env", "-e", "--config", "-c"]) {
      const out = await run([flag]);
      assert.equal(out.code, 2, flag);
      assert.match(out.stderr, /needs a value/);
    }
  });
});

describe("--debug adds class names and codes, never a message or value", () => {
  const SECRET = "hunter2-planted-value-7f3a";
  const planted = () => {
    const fake = new Error(`token=${SECRET}\n    at ${SECRET} (evil.js:1:1)`);
    const odd = new Error(SECRET);
    odd.name = `Name ${SECRET}`;
    const errno = Object.assign(new Error(SECRET), { code: `E${SECRET}` });
    const system = Object.assign(new Error(`open ${SECRET}`), { code: "ENOENT" });
    return [
      new StrongboxError("E_CONFIG", "the config could not be read", { cause: fake }),
      new StrongboxError("E_CONFIG", "x", { cause: new TypeError(SECRET, { cause: system }) }),
      fake,
      odd,
      errno,
      new RangeError(`${SECRET}\n    at line`),
    ];
  };
  it("each error: code, exit status and cause chain shown; the planted value never", () => {
    for (const [index, error] of planted().entries()) {
      for (const json of [false, true]) {
        const out = { stdout: "", stderr: "" };
        const io = Object.assign(captureIo(out), { debug: true });
        renderError(io, error, json);
        const all = out.stdout + out.stderr;
        assert.doesNotMatch(all, new RegExp(SECRET), `error ${index} (json ${json}): ${all}`);
        assert.match(out.stderr, /strongbox: debug: E_[A-Z_]+, exit status \d+/);
        assert.match(out.stderr, /strongbox: debug: cause chain: \S/);
      }
    }
  });

  it("the chain names each class and a system error's code", () => {
    const out = { stdout: "", stderr: "" };
    renderError(Object.assign(captureIo(out), { debug: true }), planted()[1], false);
    assert.match(
      out.stderr,
      /cause chain: StrongboxError\(E_CONFIG\) <- TypeError <- Error\(ENOENT\)/,
    );
  });

  it("an unexpected error shows its stack frames, not its message", () => {
    const out = { stdout: "", stderr: "" };
    renderError(Object.assign(captureIo(out), { debug: true }), new Error("boom"), false);
    assert.match(out.stderr, /debug: stack:\n {4}at /);
    assert.doesNotMatch(out.stderr, /boom/);
  });

  it("--debug before the command name counts for an error found before the command runs", async () => {
    for (const argv of [
      ["--debug", "nosuchcommand"],
      ["--debug", "check", "--nosuchoption"],
      ["--debug", "-e", "x", "keygen"],
    ]) {
      const out = await run(argv);
      assert.equal(out.code, 2, argv.join(" "));
      assert.match(out.stderr, /strongbox: debug: E_USAGE, exit status 2/, argv.join(" "));
    }
  });

  it("without --debug, none of it", () => {
    const out = { stdout: "", stderr: "" };
    renderError(captureIo(out), planted()[1], false);
    assert.doesNotMatch(out.stderr, /debug:/);
  });
});
