import { finishRotation, rotateDue, rotateSecret, smokeGate } from "../../api/lifecycle.js";
import { StrongboxError } from "../../errors.js";
import type { Command } from "../command.js";
import { EXIT_OK, verdict } from "../exit-codes.js";
import { say, writeJson } from "../io.js";
import { LIFECYCLE_HELP, LIFECYCLE_OPTIONS, lifecycleContext } from "../lifecycle-context.js";
import { progressReporter } from "../progress.js";
import { readStdin } from "../prompt.js";

/** `strongbox rotate`: a new version now, retire the old one after the soak, or all that is due. */
export const rotateCommand: Command = {
  name: "rotate",
  options: {
    ...LIFECYCLE_OPTIONS,
    due: { type: "boolean" },
    finish: { type: "boolean" },
    force: { type: "boolean" },
    stdin: { type: "boolean" },
    "no-smoke": { type: "boolean" },
  },
  usage: `Usage: strongbox rotate NAME [--stdin] [options]
       strongbox rotate --finish NAME [--force] [options]
       strongbox rotate --due [options]

Rotates a secret where it lives in the environment (the store, Vault KV v2,
AWS Secrets Manager or Azure Key Vault): the rotation's generator (or, with
--stdin, the value piped in) makes a new version, and the previous version
stays readable for the overlap, so tokens signed with the old key keep
validating. --finish retires the previous version once the soak has passed
and the schema's smoke checks pass (--force: now, without checks). --due rotates everything overdue and finishes every rotation
whose soak has passed: run it from cron, a systemd timer or a Kubernetes
CronJob (docs/lifecycle.md). No value is ever printed.

Options:
      --stdin         read the new value from standard input instead of the generator
      --finish        retire the versions before the current one
      --force         with --finish: do not wait for the soak or the smoke checks
      --no-smoke      finish without running the smoke checks
      --due           rotate what is overdue, finish what has soaked
${LIFECYCLE_HELP}
`,
  async run(invocation, io) {
    const ctx = await lifecycleContext(invocation, io);
    // Finishing waits for the schema's smoke checks, as the runbook's "verify" step.
    const verify =
      invocation.values["no-smoke"] === true
        ? undefined
        : smokeGate(ctx.project, ctx.environment, io.env);
    const json = invocation.values.json === true;
    const print = (body: unknown, line: string) => (json ? writeJson(io, body) : say(io, line));
    if (invocation.values.due === true) {
      const onProgress = progressReporter(io);
      const results = await rotateDue(ctx, {
        ...(verify === undefined ? {} : { verify }),
        ...(onProgress === undefined ? {} : { onProgress }),
      });
      if (json)
        writeJson(
          io,
          { environment: ctx.environment, results },
          results.every((result) => result.action !== "failed"),
        );
      else if (results.length === 0)
        say(io, `strongbox: nothing is due in environment "${ctx.environment}"`);
      else
        for (const result of results)
          say(io, `strongbox: ${result.name}: ${result.action}: ${result.detail}`);
      return verdict(results.every((result) => result.action !== "failed"));
    }
    const [name, ...extra] = invocation.positionals;
    if (name === undefined || extra.length > 0)
      throw new StrongboxError("E_USAGE", "rotate: give one secret name, or --due", {
        hint: "strongbox rotate --help",
      });
    if (invocation.values.finish === true) {
      const finished = await finishRotation(name, ctx, {
        force: invocation.values.force === true,
        ...(verify === undefined ? {} : { verify }),
      });
      print(
        { name, ...finished },
        finished.retired.length === 0
          ? `strongbox: ${name}: nothing to retire`
          : `strongbox: ${name}: retired version${finished.retired.length === 1 ? "" : "s"} ${finished.retired.join(", ")} of ${finished.ref}`,
      );
      return EXIT_OK;
    }
    const value =
      invocation.values.stdin === true
        ? (await readStdin()).toString("utf8").replace(/\r?\n$/, "")
        : undefined;
    if (value === "")
      throw new StrongboxError("E_USAGE", `rotate: the value for ${name} on stdin is empty`);
    const rotated = await rotateSecret(name, ctx, value === undefined ? {} : { value });
    print(
      rotated,
      `strongbox: rotated ${name} at ${rotated.ref}: version ${rotated.version ?? "?"}; the previous (${rotated.previous ?? "none"}) stays readable until ${rotated.overlapUntil.toISOString()}; run \`strongbox rotate --finish ${name}\` after ${rotated.finishAfter.toISOString()}`,
    );
    return EXIT_OK;
  },
};
