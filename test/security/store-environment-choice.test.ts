// Red-team finding 1 (issue 27): a store command works on the store of the environment
// resolution would pick, however the environment is named — `--env` before or after the
// command, `-e`, STRONGBOX_ENV, the config's environmentVariable, defaultEnvironment, each
// default alias and the config's own, with and without --store. Before the fix only --env and
// STRONGBOX_ENV counted (and --store ignored the config's aliases), so `APP_ENV=production
// strongbox set X` wrote production's secret into the root store. The ways are generated from
// the alias tables and the channels; every store command that writes or reads is run through
// each, and its value must be where `export --env TARGET` reads it.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { aliasNames, canonicalEnvironment } from "../../src/environments/aliases.js";
import { projectStore } from "../../src/project/store.js";
import type { ConfigSpec } from "../../src/schema/types.js";
import { runCli, tempProject } from "../helpers/cli.js";

const TARGETS = ["production", "staging"] as const;
const ALIAS_SPEC = { live: "production" };
/** The config's view for the alias tables: what `environments` and `environmentAliases` declare. */
const ALIASED = {
  environments: { local: {}, staging: {}, production: {} },
  environmentAliases: ALIAS_SPEC,
} as unknown as ConfigSpec;

/** Every name that stands for `target`: itself, each default alias, the config's own. */
function namesOf(target: string): string[] {
  return [
    target,
    ...aliasNames(ALIASED).filter((alias) => canonicalEnvironment(ALIASED, alias) === target),
  ];
}
const NAMES: ReadonlyArray<{ name: string; target: string }> = TARGETS.flatMap((target) =>
  namesOf(target).map((name) => ({ name, target })),
);

/** How a name reaches the command: argv before/after it, an environment variable, the config. */
interface Way {
  readonly before: string[];
  readonly after: string[];
  readonly env: Record<string, string>;
  readonly defaultEnvironment?: string;
}
const CHANNELS: Record<string, (name: string) => Way> = {
  "--env after": (name) => ({ before: [], after: ["--env", name], env: {} }),
  "--env before": (name) => ({ before: ["--env", name], after: [], env: {} }),
  "-e after": (name) => ({ before: [], after: ["-e", name], env: {} }),
  "-e before": (name) => ({ before: [`-e${name}`], after: [], env: {} }),
  STRONGBOX_ENV: (name) => ({ before: [], after: [], env: { STRONGBOX_ENV: name } }),
  "environmentVariable APP_ENV": (name) => ({ before: [], after: [], env: { APP_ENV: name } }),
  defaultEnvironment: (name) => ({ before: [], after: [], env: {}, defaultEnvironment: name }),
};

/** The names a channel can carry: the schema takes only a declared name as defaultEnvironment. */
function namesFor(channel: string): ReadonlyArray<{ name: string; target: string }> {
  return channel === "defaultEnvironment"
    ? NAMES.filter(({ name, target }) => name === target)
    : NAMES;
}

function config(defaultEnvironment?: string): string {
  return [
    "environmentVariable: APP_ENV",
    "environmentAliases: { live: production }",
    ...(defaultEnvironment === undefined ? [] : [`defaultEnvironment: ${defaultEnvironment}`]),
    "environments:",
    "  local: {}",
    "  staging: { secrets: { from: [store] } }",
    "  production: { secrets: { from: [store] } }",
    "variables:",
    ...["A", "B", "C"].map((name) => `  ${name}: { secret: true, ref: "store://${name}" }`),
    "",
  ].join("\n");
}

describe("a store command's environment is chosen as resolution chooses it (finding 1)", () => {
  it("projectStore: every channel × every name × with/without --store → the target's own store", async () => {
    let checked = 0;
    for (const [channel, make] of Object.entries(CHANNELS)) {
      for (const { name, target } of namesFor(channel)) {
        const way = make(name);
        const dir = tempProject({ "strongbox.config.yaml": config(way.defaultEnvironment) });
        for (const env of ["local", ...TARGETS]) {
          mkdirSync(join(dir, ".strongbox", "envs", env), { recursive: true });
          writeFileSync(join(dir, ".strongbox", "envs", env, "keyring.sbx"), "");
        }
        const requested = [...way.before, ...way.after].join(" ").match(/^(?:--env |-e ?)(.+)$/);
        for (const store of [undefined, ".strongbox"]) {
          const { dir: chosen } = await projectStore({
            cwd: dir,
            env: { HOME: dir, ...way.env },
            store,
            environment: requested?.[1],
          });
          assert.equal(
            chosen,
            join(dir, ".strongbox", "envs", target),
            `${channel} ${name}${store === undefined ? "" : " --store"}`,
          );
          checked++;
        }
      }
    }
    assert.equal(
      checked,
      (Object.keys(CHANNELS).length - 1) * NAMES.length * 2 + TARGETS.length * 2,
    );
  });

  // Each (channel, --store) pair runs every command once; the names rotate so each is used.
  const slots = Object.keys(CHANNELS).flatMap((channel) =>
    [false, true].map((withStore) => ({ channel, withStore })),
  );
  const editorDir = mkdtempSync(join(tempProject(), "ed-"));
  const editorScript = join(editorDir, "ed.mjs");
  writeFileSync(
    editorScript,
    'import { writeFileSync } from "node:fs"; writeFileSync(process.argv.at(-1), process.env.EDIT_VALUE);\n',
  );
  slots.forEach(({ channel, withStore }, index) => {
    const names = namesFor(channel);
    const { name, target } = names[index % names.length] as { name: string; target: string };
    it(`${channel} = ${name}${withStore ? " with --store" : ""}: set, set -f, edit, get, rm use ${target}'s store`, async () => {
      const way = (CHANNELS[channel] as (name: string) => Way)(name);
      const dir = tempProject({ "strongbox.config.yaml": config(way.defaultEnvironment) });
      const tag = `${channel.replace(/\W/g, "")}-${name}-${withStore}`;
      const cli = async (
        args: string[],
        extra: { input?: string; env?: Record<string, string> } = {},
      ) => {
        const result = await runCli(
          [
            ...way.before,
            args[0] as string,
            ...args.slice(1),
            ...way.after,
            ...(withStore ? ["--store", ".strongbox"] : []),
          ],
          {
            cwd: dir,
            env: { ...way.env, ...extra.env },
            ...(extra.input === undefined ? {} : { input: extra.input }),
          },
        );
        return result;
      };
      const plain = (args: string[]) => runCli(args, { cwd: dir });
      for (const args of [["init"], ...TARGETS.map((env) => ["init", "--env", env])]) {
        const made = await plain(args);
        assert.equal(made.code, 0, made.stderr);
      }
      writeFileSync(join(dir, "values.env"), `B=b-${tag}\n`);
      const set = await cli(["set", "A"], { input: `a-${tag}` });
      assert.equal(set.code, 0, set.stderr);
      const many = await cli(["set", "-f", "values.env"]);
      assert.equal(many.code, 0, many.stderr);
      const edit = await cli(["edit", "C"], {
        env: { EDITOR: `'${process.execPath}' '${editorScript}'`, EDIT_VALUE: `c-${tag}` },
      });
      assert.equal(edit.code, 0, edit.stderr);
      // What export reads for the target, named plainly: every value written above is there.
      const exported = await plain(["export", "--env", target]);
      assert.equal(exported.code, 0, exported.stderr);
      for (const [key, value] of [
        ["A", `a-${tag}`],
        ["B", `b-${tag}`],
        ["C", `c-${tag}`],
      ])
        assert.match(
          exported.stdout,
          new RegExp(`^${key}=${value}$`, "m"),
          `${key} in ${target}'s export`,
        );
      for (const key of ["A", "B", "C"])
        assert.ok(
          !existsSync(join(dir, ".strongbox", "secrets", `${key}.sbx`)),
          `${key} not in the root store`,
        );
      const got = await cli(["get", "A"]);
      assert.equal(got.code, 0, got.stderr);
      assert.equal(got.stdout.trim(), `a-${tag}`);
      const removed = await cli(["rm", "A"]);
      assert.equal(removed.code, 0, removed.stderr);
      const after = await plain(["get", "A", "--env", target]);
      assert.notEqual(after.code, 0, `A removed from ${target}'s store: ${after.stdout}`);
    });
  });
});
