import { installHook, type StagedFinding, scanStaged, uninstallHook } from "../../api/check.js";
import { StrongboxError } from "../../errors.js";
import { findConfigIfAny, openProject } from "../../index.js";
import {
  type Command,
  type Invocation,
  RESOLVE_HELP,
  RESOLVE_OPTIONS,
  stringOption,
} from "../command.js";
import { EXIT_OK, verdict } from "../exit-codes.js";
import { findingLine } from "../finding-line.js";
import { type CliIo, say, writeJson } from "../io.js";
import { resolveOpenProject } from "../resolve-for-cli.js";

/** `strongbox hook install|uninstall|run`: a git pre-commit hook that refuses commits adding secrets. */
export const hookCommand: Command = {
  name: "hook",
  options: {
    ...RESOLVE_OPTIONS,
    chain: { type: "boolean" },
    json: { type: "boolean" },
  },
  usage: `Usage: strongbox hook install [--chain] [-c CONFIG]
       strongbox hook uninstall
       strongbox hook run [options]

install writes a git pre-commit hook (in core.hooksPath when it is set, else
.git/hooks) that runs \`strongbox hook run\` before every commit. A pre-commit
hook that is not Strongbox's is never overwritten: --chain keeps it (as
pre-commit.pre-strongbox) and runs it after the check passes; without it the
install is refused. uninstall removes the hook and puts a chained one back.

run checks what the commit would record — the staged contents (the index),
not the working tree — and refuses (exit 4) a staged .env file (not the
examples), migrate journal or rendered file (agent.yaml's destinations, or a
file with an agent provenance record), and any staged file that holds the
value of one of the configuration's secrets, plain or base64, base64url,
URL-encoded or JSON-escaped. It names the file and line and the variable,
never the value. Values are resolved as \`strongbox check\` resolves them,
without a prompt; when they cannot be (a locked store, Vault down), the file
checks still run and a warning says which values were not looked for.
\`git commit --no-verify\` skips the hook.

Options:
${RESOLVE_HELP}
      --chain         install: keep an existing hook and run it after the check
      --json          run: print the findings as JSON
`,
  async run(invocation, io) {
    const [action, ...extra] = invocation.positionals;
    if (extra.length > 0 || (action !== "install" && action !== "uninstall" && action !== "run"))
      throw new StrongboxError("E_USAGE", "hook: give install, uninstall or run", {
        hint: "strongbox hook install",
      });
    if (action === "run") return runHook(invocation, io);
    if (action === "uninstall") {
      const removed = uninstallHook({ cwd: io.cwd, env: io.env });
      say(
        io,
        removed
          ? "strongbox: removed the pre-commit hook"
          : "strongbox: no Strongbox pre-commit hook here",
      );
      return EXIT_OK;
    }
    const configPath = findConfigIfAny(io.cwd, stringOption(invocation, "config"));
    const done = installHook({
      cwd: io.cwd,
      env: io.env,
      configPath,
      chain: invocation.values.chain === true,
    });
    say(io, `strongbox: wrote the pre-commit hook ${done.path}`);
    if (done.chained !== undefined)
      say(
        io,
        `strongbox: the hook that was there is kept as ${done.chained} and runs after the check`,
      );
    if (done.shared)
      say(
        io,
        "strongbox: note: git's hooks directory (core.hooksPath) is outside this repository: the hook runs for every repository that uses it",
      );
    say(
      io,
      "strongbox: next: commit as usual; a commit that adds a secret is refused with file and line",
    );
    return EXIT_OK;
  },
};

async function runHook(invocation: Invocation, io: CliIo): Promise<number> {
  const configPath = findConfigIfAny(io.cwd, stringOption(invocation, "config"));
  let baseDir = io.cwd;
  let secrets: Array<{ name: string; value: string }> = [];
  if (configPath !== undefined) {
    const project = await openProject({ cwd: io.cwd, configPath, processEnv: io.env });
    baseDir = project.baseDir;
    try {
      const resolution = await resolveOpenProject(project, invocation, io);
      secrets = resolution.entries.flatMap((entry) =>
        entry.secret && entry.raw !== undefined ? [{ name: entry.name, value: entry.raw }] : [],
      );
      const unresolved = resolution.entries.filter((e) => e.secret && e.raw === undefined);
      if (unresolved.length > 0)
        say(
          io,
          `strongbox: warning: not looking for ${unresolved.map((e) => e.name).join(", ")}: no value resolved`,
        );
    } catch (error) {
      const code = error instanceof StrongboxError ? ` (${error.code})` : "";
      say(
        io,
        `strongbox: warning: secret values were not looked for: they could not be resolved${code}; the file checks ran`,
      );
    }
  }
  const result = scanStaged({ cwd: io.cwd, env: io.env, baseDir, secrets });
  if (result.tooShort.length > 0)
    say(io, `strongbox: warning: ${result.tooShort.join(", ")} too short to look for safely`);
  if (invocation.values.json === true)
    writeJson(io, {
      ok: result.findings.length === 0,
      files: result.files,
      findings: result.findings,
    });
  else report(io, result.findings, result.files);
  return verdict(result.findings.length === 0);
}

function report(io: CliIo, findings: readonly StagedFinding[], files: number): void {
  if (findings.length === 0) {
    say(io, `strongbox: ok: no secret in ${files} staged file${files === 1 ? "" : "s"}`);
    return;
  }
  say(
    io,
    `strongbox: error: the commit was refused: it would add secrets (${findings.length} finding${findings.length === 1 ? "" : "s"})`,
  );
  for (const finding of findings) say(io, findingLine(finding));
  say(io, "strongbox: hint: fix, stage again and commit; git commit --no-verify skips this check");
}
