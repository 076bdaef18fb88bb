// `strongbox completion` and `strongbox __complete`: the scripts call the hidden command back
// on Tab, so commands, options, environment names, --format values and secret names come
// from one engine. Exercised through the protocol, in real bash, zsh and fish (PowerShell is
// not on this machine: its script is checked as text), and `completion install` into a
// temporary HOME. Completion reads names only: the invariant test below completes every
// position of every command against a locked store, an audit log and a Vault address that
// records connections, and shows nothing is prompted, written or contacted.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { describe, it } from "node:test";
import { COMMANDS } from "../../src/cli/command-table.js";
import { complete } from "../../src/cli/complete.js";
import { FORMATS } from "../../src/format/formats.js";
import { cleanEnv, cliCommand, runCli, tempProject } from "../helpers/cli.js";

const MASTER_KEY = "7f3a9c41e2b85d06f19a4c7e3b2d8a51c6e09f4b7a3d2e18c5f60b9a4e7d3c21";
const OTHER_KEY = "b3e91d07a4c62f58e1b09a7d3c45f28e6a1d0c9b8f7e2a35d46c1b09e8f7a2d3";

const CONFIG = `environments:
  local: {}
  staging: {}
  pr-*: {}
audit: { sink: file, file: audit.jsonl }
vault: { address: VAULT_ADDRESS }
variables:
  DB_PASSWORD: { secret: true, ref: "store://db/password" }
  API_KEY: { secret: true, ref: { local: "store://api/key", staging: "vault://secret/app#key" } }
  PORT: { type: port, default: 3000 }
`;

/** A project with a real store holding two secrets (one only the schema does not name), then locked. */
async function project(): Promise<string> {
  const dir = tempProject({ "strongbox.config.yaml": CONFIG });
  const env = { STRONGBOX_MASTER_KEY: MASTER_KEY };
  for (const argv of [["init"], ["set", "only/in-store"], ["set", "db/password"]]) {
    const result = await runCli(argv, { cwd: dir, env, input: "a-value-never-completed" });
    assert.equal(result.code, 0, `${argv.join(" ")}: ${result.stderr}`);
  }
  return dir;
}

/** `strongbox __complete N WORD...` in `dir` with no key at all: the candidates, and the directive. */
async function protocol(
  dir: string,
  words: string[],
  env: Record<string, string> = {},
): Promise<{ values: string[]; directive: string; stderr: string }> {
  const result = await runCli(["__complete", String(words.length - 1), ...words], {
    cwd: dir,
    env,
  });
  assert.equal(result.code, 0, result.stderr);
  const lines = result.stdout.trimEnd().split("\n");
  const directive = lines.pop() as string;
  return {
    values: lines.map((line) => line.split("\t")[0] as string),
    directive,
    stderr: result.stderr,
  };
}

/** A `strongbox` on PATH that runs the CLI under test, for the scripts' call back. */
function shim(dir: string): Record<string, string> {
  const { command, prefix } = cliCommand();
  mkdirSync(join(dir, "bin"), { recursive: true });
  writeFileSync(
    join(dir, "bin", "strongbox"),
    `#!/bin/sh\nexec ${[command, ...prefix].map((part) => `'${part}'`).join(" ")} "$@"\n`,
    { mode: 0o755 },
  );
  return cleanEnv(dir, { PATH: `${join(dir, "bin")}:${process.env.PATH}` });
}

/** The shell the test runner installed (scripts/ensure-shells.mjs), else the one on PATH. */
function shellPath(shell: "zsh" | "fish"): string {
  return process.env[`STRONGBOX_${shell.toUpperCase()}`] ?? shell;
}

describe("strongbox __complete (the protocol every script calls)", () => {
  it("offers secret names from the locked store and the schema, for every command that takes one", async () => {
    const dir = await project();
    for (const command of ["get", "set", "rm", "history", "rollback", "resolve"]) {
      const all = await protocol(dir, [command, ""]);
      assert.deepEqual(all.values, ["api/key", "db/password", "only/in-store"], command);
      assert.equal(all.directive, ":nofiles");
      assert.equal(all.stderr, "");
      assert.deepEqual(
        (await protocol(dir, [command, "-c", "strongbox.config.yaml", "on"])).values,
        ["only/in-store"],
      );
    }
    // Variables where a command takes a variable: explain (any), rotate and compromise (secrets).
    assert.deepEqual((await protocol(dir, ["explain", "PORT", ""])).values, [
      "API_KEY",
      "DB_PASSWORD",
      "PORT",
    ]);
    for (const command of ["rotate", "compromise"])
      assert.deepEqual((await protocol(dir, [command, ""])).values, ["API_KEY", "DB_PASSWORD"]);
    // Only the first argument of get is a name.
    assert.deepEqual((await protocol(dir, ["get", "db/password", ""])).values, []);
  });

  it("offers commands, options, environments (declared and with a store) and every export format", async () => {
    const dir = await project();
    const init = await runCli(["init", "--env", "qa"], {
      cwd: dir,
      env: { STRONGBOX_MASTER_KEY: OTHER_KEY },
    });
    assert.equal(init.code, 0, init.stderr);
    assert.deepEqual((await protocol(dir, [""])).values, Object.keys(COMMANDS));
    assert.deepEqual((await protocol(dir, ["ro"])).values, ["rollback", "rotate", "rotate-key"]);
    assert.ok(!(await protocol(dir, ["__"])).values.includes("__complete"), "hidden");
    assert.deepEqual((await protocol(dir, ["check", "--en"])).values, ["--env"]);
    for (const words of [
      ["check", "--env", ""],
      ["run", "-e", ""],
      ["diff", ""],
      ["diff", "local", ""],
    ])
      assert.deepEqual(
        (await protocol(dir, words)).values,
        ["local", "qa", "staging"],
        words.join(" "),
      );
    assert.deepEqual((await protocol(dir, ["export", "--format", ""])).values, [...FORMATS]);
    assert.deepEqual((await protocol(dir, ["export", "--format", "sh"])).values, ["shell"]);
    assert.deepEqual((await protocol(dir, ["export", "--format=sh"])).values, ["--format=shell"]);
    assert.deepEqual((await protocol(dir, ["check", "--env=q"])).values, ["--env=qa"]);
    // Paths are the shell's to complete.
    assert.equal((await protocol(dir, ["check", "--config", ""])).directive, ":files");
    assert.equal((await protocol(dir, ["scan", ""])).directive, ":files");
    // An environment's own store names its own secrets.
    const set = await runCli(["set", "qa/only", "--env", "qa"], {
      cwd: dir,
      env: { STRONGBOX_MASTER_KEY: OTHER_KEY },
      input: "v-v-v-v-v-v",
    });
    assert.equal(set.code, 0, set.stderr);
    assert.deepEqual((await protocol(dir, ["get", "--env", "qa", "qa"])).values, ["qa/only"]);
    assert.deepEqual((await protocol(dir, ["get", "qa"], { STRONGBOX_ENV: "qa" })).values, [
      "qa/only",
    ]);
  });

  it("never offers a name that could carry shell syntax or terminal controls", async () => {
    const dir = await project();
    const hostile = ["$(touch pwned)", "a;b", "`id`", "x\u001b[2J", "a b", "'q'", "..", "-rf"];
    for (const name of hostile)
      writeFileSync(join(dir, ".strongbox", "secrets", `${name}.sbx`), "not a secret file\n");
    const { values } = await protocol(dir, ["get", ""]);
    assert.deepEqual(values, ["api/key", "db/password", "only/in-store"]);
    // A config with a hostile environment name: not offered either.
    writeFileSync(
      join(dir, "strongbox.config.yaml"),
      'environments:\n  "$(id)": {}\n  ok: {}\nvariables: {}\n',
    );
    assert.deepEqual((await protocol(dir, ["check", "--env", ""])).values, ["ok"]);
  });

  it("completing every position of every command prompts, writes and contacts nothing", async () => {
    const dir = await project();
    const connections: string[] = [];
    const server = createServer((socket) => {
      connections.push("vault");
      socket.destroy();
    });
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    const port = (server.address() as { port: number }).port;
    writeFileSync(
      join(dir, "strongbox.config.yaml"),
      CONFIG.replace("VAULT_ADDRESS", `http://127.0.0.1:${port}`),
    );
    const before = snapshot(dir);
    const env = {
      VAULT_ADDR: `http://127.0.0.1:${port}`,
      VAULT_TOKEN: "hvs.completion-must-not-use-this",
      STRONGBOX_ENV: "staging",
    };
    let completions = 0;
    try {
      // In-process (the engine the CLI runs), for speed: every option of every command.
      for (const [name, entry] of Object.entries(COMMANDS)) {
        const command = await entry.load();
        const options = Object.keys(command.options).map((long) => `--${long}`);
        const lines = [
          [name, ""],
          [name, "-"],
          [name, "x", ""],
          ...options.map((o) => [name, o, ""]),
        ];
        for (const words of lines) {
          const result = await complete(words, words.length - 1, { cwd: dir, env });
          assert.equal(typeof result.files, "boolean");
          completions++;
        }
      }
      // And through the CLI, which must print nothing but candidates.
      for (const words of [
        ["get", ""],
        ["check", "--env", ""],
        ["explain", ""],
      ]) {
        const result = await protocol(dir, words, env);
        assert.equal(result.stderr, "", words.join(" "));
        assert.ok(result.values.length > 0, words.join(" "));
      }
    } finally {
      server.close();
    }
    assert.ok(completions > 200, `${completions} completions`);
    assert.deepEqual(connections, [], "no connection to Vault");
    // The audit log (init and set wrote records) is in the snapshot: no record was added.
    assert.ok(before.some((line) => line.includes("audit.jsonl")));
    assert.deepEqual(snapshot(dir), before, "no audit record, no store or project file changed");
  });
});

/** Every file under `dir` (but the config cache) with its size and mtime. */
function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (at: string) => {
    for (const entry of readdirSync(at)) {
      const path = join(at, entry);
      if (entry === ".cache" || entry === "strongbox.config.yaml") continue;
      const stats = statSync(path);
      if (stats.isDirectory()) walk(path);
      else out.push(`${path} ${stats.size} ${stats.mtimeMs}`);
    }
  };
  walk(dir);
  return out.sort();
}

describe("the completion scripts in real shells", () => {
  it("bash: completes commands, options, environments, formats and secret names", async () => {
    const dir = await project();
    const script = await runCli(["completion", "bash"], { cwd: dir });
    assert.equal(script.code, 0, script.stderr);
    writeFileSync(join(dir, "completion.bash"), script.stdout);
    const env = shim(dir);
    const complete = (words: string[]) => {
      const program = `source completion.bash
COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length - 1}
_strongbox; printf '%s\\n' "\${COMPREPLY[@]}"`;
      const result = spawnSync("bash", ["-c", program], { cwd: dir, env, encoding: "utf8" });
      assert.equal(result.status, 0, result.stderr);
      return result.stdout.trim().split("\n").sort();
    };
    assert.deepEqual(complete(["strongbox", "che"]), ["check"]);
    assert.ok(complete(["strongbox", "run", "--"]).includes("--mask-terminal"));
    assert.deepEqual(complete(["strongbox", "check", "--en"]), ["--env"]);
    assert.deepEqual(complete(["strongbox", "check", "--env", ""]), ["local", "staging"]);
    assert.deepEqual(complete(["strongbox", "export", "--format", "ku"]), ["kubernetes"]);
    // bash splits `--env=st` at "=": the script joins it, and offers what follows the "=".
    assert.deepEqual(complete(["strongbox", "check", "--env", "=", "st"]), ["staging"]);
    assert.deepEqual(complete(["strongbox", "check", "--env", "="]), ["local", "staging"]);
    assert.deepEqual(complete(["strongbox", "get", ""]), [
      "api/key",
      "db/password",
      "only/in-store",
    ]);
    assert.deepEqual(complete(["strongbox", "history", "db"]), ["db/password"]);
    // A path option falls back to file names.
    assert.deepEqual(complete(["strongbox", "check", "--config", "strongbox.c"]), [
      "strongbox.config.yaml",
    ]);
  });

  it("zsh: the script loads and hands _describe the names with their descriptions", async () => {
    const dir = await project();
    writeFileSync(
      join(dir, "_strongbox"),
      (await runCli(["completion", "zsh"], { cwd: dir })).stdout,
    );
    const env = shim(dir);
    const complete = (words: string[]) => {
      // Stand-ins for the completion system's functions, printing what the script hands them.
      const program = `compdef() { :; }
_describe() { local -a c; c=("\${(@P)4}"); print -l -- "\${c[@]}"; }
_files() { print -- FILES; }
source ./_strongbox
words=(${words.map((w) => `'${w}'`).join(" ")}); CURRENT=${words.length}
_strongbox`;
      const result = spawnSync(shellPath("zsh"), ["-f", "-c", program], {
        cwd: dir,
        env,
        encoding: "utf8",
      });
      assert.equal(result.status, 0, result.stderr);
      return result.stdout.trim().split("\n");
    };
    assert.deepEqual(complete(["strongbox", "che"]), [
      "check:resolve and validate only; exit status for CI",
    ]);
    assert.deepEqual(complete(["strongbox", "rm", ""]), [
      "api/key",
      "db/password",
      "only/in-store",
    ]);
    assert.deepEqual(complete(["strongbox", "check", "-e", "st"]), ["staging"]);
    assert.deepEqual(complete(["strongbox", "scan", ""]), ["FILES"]);
  });

  it("fish: complete -C answers from the script, with descriptions", async () => {
    const dir = await project();
    writeFileSync(
      join(dir, "strongbox.fish"),
      (await runCli(["completion", "fish"], { cwd: dir })).stdout,
    );
    const env = shim(dir);
    const complete = (line: string) => {
      const result = spawnSync(
        shellPath("fish"),
        ["--no-config", "-c", `source strongbox.fish; complete -C '${line}'`],
        { cwd: dir, env, encoding: "utf8" },
      );
      assert.equal(result.status, 0, result.stderr);
      return result.stdout.trim().split("\n").sort();
    };
    assert.deepEqual(complete("strongbox che"), [
      "check\tresolve and validate only; exit status for CI",
    ]);
    assert.deepEqual(complete("strongbox get "), ["api/key", "db/password", "only/in-store"]);
    assert.deepEqual(complete("strongbox export --format do"), ["docker", "dotenv"]);
    assert.deepEqual(complete("strongbox diff staging "), ["local", "staging"]);
    assert.deepEqual(complete("strongbox check --env=st"), ["--env=staging"]);
  });

  it("PowerShell: the script registers a native completer that calls __complete (text; no pwsh here)", async () => {
    const dir = tempProject();
    const script = (await runCli(["completion", "powershell"], { cwd: dir })).stdout;
    assert.match(script, /Register-ArgumentCompleter -Native -CommandName strongbox/);
    assert.match(script, /& \$program __complete \$index @words/);
    assert.match(script, /CompletionResult\]::new/);
    const bad = await runCli(["completion", "tcsh"], { cwd: dir });
    assert.equal(bad.code, 2);
  });
});

describe("strongbox completion install", () => {
  const places: Record<string, string> = {
    bash: ".local/share/bash-completion/completions/strongbox",
    zsh: ".local/share/zsh/site-functions/_strongbox",
    fish: ".config/fish/completions/strongbox.fish",
    powershell: ".config/powershell/strongbox-completion.ps1",
  };

  it("writes each shell's script where it loads it, from $SHELL or the argument, and says so", async () => {
    for (const [shell, place] of Object.entries(places)) {
      const home = tempProject();
      const viaShell = shell === "powershell" ? "/usr/bin/pwsh" : `/bin/${shell}`;
      const result = await runCli(["completion", "install"], {
        cwd: home,
        env: { SHELL: viaShell },
      });
      assert.equal(result.code, 0, result.stderr);
      const script = (await runCli(["completion", shell], { cwd: home })).stdout;
      assert.equal(readFileSync(join(home, place), "utf8"), script, shell);
      assert.match(
        result.stderr,
        new RegExp(`wrote the ${shell} completion script to ${join(home, place)}`),
      );
      assert.match(result.stderr, /next: /);
      // Again, by name: replaces its own script, and adds the profile line only once.
      const again = await runCli(["completion", "install", shell], { cwd: home });
      assert.equal(again.code, 0, again.stderr);
    }
  });

  it("PowerShell: dot-sources the script from the profile once, keeping what the profile had", async () => {
    const home = tempProject({
      ".config/powershell/Microsoft.PowerShell_profile.ps1": "Set-Alias g git",
    });
    for (let i = 0; i < 2; i++)
      assert.equal((await runCli(["completion", "install", "powershell"], { cwd: home })).code, 0);
    const profile = readFileSync(
      join(home, ".config/powershell/Microsoft.PowerShell_profile.ps1"),
      "utf8",
    );
    assert.equal(
      profile,
      `Set-Alias g git\n. "${join(home, places.powershell as string)}" # strongbox completion\n`,
    );
  });

  it("zsh: into a writable $FPATH directory under HOME when there is one; XDG and a hint otherwise", async () => {
    const home = tempProject();
    mkdirSync(join(home, ".zfunc"));
    const onPath = await runCli(["completion", "install", "zsh"], {
      cwd: home,
      env: { FPATH: `/usr/share/zsh/functions:${join(home, ".zfunc")}` },
    });
    assert.equal(onPath.code, 0, onPath.stderr);
    assert.ok(existsSync(join(home, ".zfunc", "_strongbox")));
    const elsewhere = await runCli(["completion", "install", "zsh"], { cwd: tempProject() });
    assert.match(elsewhere.stderr, /fpath=\(.*zsh\/site-functions \$fpath\)/);
  });

  it("refuses to replace a file that is not its own script, unless --force; refuses an unknown $SHELL", async () => {
    const home = tempProject({ [places.bash as string]: "# my own completion\n" });
    const refused = await runCli(["completion", "install", "bash"], { cwd: home });
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /not a Strongbox completion script/);
    assert.equal(readFileSync(join(home, places.bash as string), "utf8"), "# my own completion\n");
    const forced = await runCli(["completion", "install", "bash", "--force"], { cwd: home });
    assert.equal(forced.code, 0, forced.stderr);
    const unknown = await runCli(["completion", "install"], {
      cwd: home,
      env: { SHELL: "/bin/tcsh" },
    });
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /tcsh.*is not bash, zsh, fish or PowerShell/);
  });

  it("the installed bash script completes in a real bash", async () => {
    const home = await project();
    assert.equal((await runCli(["completion", "install", "bash"], { cwd: home })).code, 0);
    const result = spawnSync(
      "bash",
      [
        "-c",
        `source ${join(home, places.bash as string)}; COMP_WORDS=(strongbox get d); COMP_CWORD=2; _strongbox; echo "\${COMPREPLY[@]}"`,
      ],
      { cwd: home, env: shim(home), encoding: "utf8" },
    );
    assert.equal(result.stdout.trim(), "db/password", result.stderr);
  });
});
