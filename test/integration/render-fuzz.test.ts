// Fuzz-style differential test (issue 15): random compositions of supported functions
// over random data, rendered by the real `bao agent` and by Strongbox from the same
// seeded `bao server -dev`, compared byte for byte. Bounded: 30 templates of 12 lines.
// The seed is printed on failure; STRONGBOX_FUZZ_SEED=N replays one run.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Bao, renderWithBaoAgent, startBao } from "../helpers/bao.js";
import { CLI, cleanEnv, tempProject } from "../helpers/cli.js";

const SEED = Number(process.env.STRONGBOX_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const TEMPLATES = 30;
const LINES = 12;

/** mulberry32: small, seedable, good enough to pick cases. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = prng(SEED);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

// Characters that stress quoting, case mapping, byte lengths and trimming.
const ALPHABET = [
  ..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
  ..."  \t\n-_.:/=+,;'\"\\<>&%$#@!?*()[]{}|~^",
  "é",
  "ß",
  "Ä",
  "ñ",
  "日",
  "🌍",
  "\u00a0",
  "\u2028",
  "\u0007",
  "\u007f",
];

function randomText(max: number): string {
  const length = Math.floor(random() * max);
  return Array.from({ length }, () => pick(ALPHABET)).join("");
}

/** A Go raw string literal: any text without a backquote (raw strings cannot hold \r either). */
function rawLiteral(text: string): string {
  return `\`${text.replaceAll("`", "'").replaceAll("\r", "")}\``;
}

const KEYS = ["alpha", "beta", "gamma", "delta"];

/**
 * Functions from string to string (or to a value every later step can print).
 * sprig_substr is left out: Go's slice panics when the start is past the end.
 */
const STRING_STEPS = [
  "toUpper",
  "toLower",
  "trimSpace",
  "sprig_upper",
  "sprig_lower",
  "sprig_trim",
  "sprig_nospace",
  "sprig_title",
  "base64Encode",
  "base64URLEncode",
  "sha256Hex",
  "md5sum",
  "sprig_sha1sum",
  "sprig_sha256sum",
  "sprig_adler32sum",
  "sprig_b64enc",
  "sprig_b32enc",
  "toJSON",
  "toUnescapedJSON",
  "sprig_toJson",
  "sprig_toRawJson",
  "sprig_quote",
  "sprig_squote",
  'printf "%q"',
  'printf "[%-12s]"',
  'printf "[%12s]"',
  'printf "%x"',
  'printf "%.3s"',
  'replaceAll "a" "@"',
  'replaceAll " " ""',
  'sprig_replace "e" "E"',
  'trimPrefix "a"',
  'trimSuffix "z"',
  'trim "ab"',
  'sprig_trimAll "xy"',
  "sprig_repeat 2",
  "sprig_trunc 5",
  "sprig_trunc -3",
  'regexReplaceAll "[aeiou]" "_"',
  'sprig_regexReplaceAll "([a-z])([0-9])" "${2}${1}"',
  'split "a" | join "+"',
  'sprig_splitList "," | sprig_join "|"',
  "indent 2",
  "sprig_indent 3",
  "sprig_nindent 1",
  'sprig_cat "pre"',
  'sprig_default "empty"',
  'contains "a" | printf "%t"',
  'sprig_hasPrefix "a" | printf "%v"',
  'regexMatch "^[A-Za-z]" | printf "%v"',
];

/** Steps that end a pipeline with a non-string. */
const FINAL_STEPS = [
  "len",
  'printf "%d"',
  "sprig_toStrings",
  'sprig_splitList " "',
  "sprig_kindOf",
  "sprig_typeOf",
];

function source(): string {
  return pick([
    () => rawLiteral(randomText(24)),
    () => `.Data.data.${pick(KEYS)}`,
    () => `(env "FUZZ")`,
    () => `(index .Data.data "${pick(KEYS)}")`,
    // Random bytes, most of them not UTF-8.
    () => "(.Data.data.bin | base64Decode)",
  ])();
}

function line(): string {
  const steps = Array.from({ length: Math.floor(random() * 4) }, () => pick(STRING_STEPS));
  if (random() < 0.2) steps.push(pick(FINAL_STEPS));
  const text = [source(), ...steps].join(" | ");
  return pick([
    `{{ ${text} }}`,
    `[{{- ${text} -}}]`,
    `{{ with ${text} }}{{ . }}{{ else }}none{{ end }}`,
    `{{ $v := ${text} }}{{ $v }}/{{ printf "%v" $v | len }}`,
  ]);
}

function template(): string {
  const lines = Array.from({ length: LINES }, (_, i) => `${i}: ${line()}`);
  return `{{ with secret "secret/data/fuzz/app" }}${lines.join("\n")}\n{{ end }}`;
}

describe(`render: random templates, byte for byte what \`bao agent\` renders (seed ${SEED})`, () => {
  let bao: Bao;
  let dir: string;
  const values = Object.fromEntries(KEYS.map((key) => [key, randomText(30)]));
  const fuzzEnv = randomText(16);
  const templates = Array.from({ length: TEMPLATES }, template);
  before(async () => {
    bao = await startBao();
    // On stdin as JSON: on the command line a random value starting with @ would be
    // read by the bao CLI as a file name.
    bao.cli(["kv", "put", "-mount=secret", "fuzz/app", "-"], {
      input: JSON.stringify({
        ...values,
        bin: Buffer.from(Array.from({ length: 24 }, () => Math.floor(random() * 256))).toString(
          "base64",
        ),
      }),
    });
    dir = tempProject();
    for (const [i, text] of templates.entries()) writeFileSync(join(dir, `f${i}.ctmpl`), text);
    renderWithBaoAgent(
      bao,
      dir,
      templates.map((_, i) => [`f${i}.ctmpl`, `agent${i}.out`] as const),
      { FUZZ: fuzzEnv },
    );
  });
  after(async () => bao.stop());

  it(`renders ${TEMPLATES} random templates of ${LINES} lines identically`, () => {
    const env = {
      ...cleanEnv(dir),
      VAULT_ADDR: bao.addr,
      VAULT_TOKEN: bao.rootToken,
      FUZZ: fuzzEnv,
    };
    const args = templates.flatMap((_, i) => ["-t", `f${i}.ctmpl:ours${i}.out`]);
    execFileSync(process.execPath, [CLI, "render", ...args], {
      cwd: dir,
      env,
      stdio: ["ignore", "ignore", "pipe"],
    });
    for (const [i, text] of templates.entries()) {
      const agent = readFileSync(join(dir, `agent${i}.out`), "utf8").split("\n");
      const ours = readFileSync(join(dir, `ours${i}.out`), "utf8").split("\n");
      for (const [n, expected] of agent.entries())
        assert.equal(
          ours[n],
          expected,
          `seed ${SEED}, template ${i}, line ${n}:\n${text.split("\n")[n]}\nagent: ${JSON.stringify(expected)}\nours:  ${JSON.stringify(ours[n])}`,
        );
      assert.equal(ours.length, agent.length, `seed ${SEED}, template ${i}: line count`);
    }
  });
});
