// Byte strings that are not UTF-8 through every string function of the template language,
// rendered by the real `bao agent` and by Strongbox, compared byte for byte. Regression of
// render-fuzz seed 833809633 (template 4 line 5): `bin | base64Decode | sprig_repeat 2 |
// sprig_lower` made a whole character (EB 98 BF) of the halves two copies put side by side,
// which Go's lower kept and ours wrote as U+FFFDs. The lines are generated: each function,
// alone and followed by a repeat and a case mapping (which read the runes the bytes make),
// over crafted byte strings, with needles and cut sets that are themselves invalid UTF-8.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Bao, renderWithBaoAgent, startBao } from "../helpers/bao.js";
import { CLI, cleanEnv, tempProject } from "../helpers/cli.js";

const hex = (text: string) => Buffer.from(text.replace(/\s/g, ""), "hex");

/** Subjects: the fuzz run's bytes (its invalid bytes other than the halves stood for by FF), and kinds of invalid UTF-8. */
const SUBJECTS: Record<string, Buffer> = {
  seed833809633: hex("bf 32 ff 6b 68 26 01 ff ff 11 64 69 ff 37 ff ff ff ff ff ff ff 63 eb 98"),
  halves: hex("98 bf 61 42 20 eb"), // EB | 98 BF across a join is 똿
  truncated: hex("e6 97 a5 e6 97 20 f0 9f 8c 5a c3"),
  overlong: hex("c0 80 41 e0 80 af 20 f0 80 80 af 62"),
  surrogates: hex("ed a0 80 c3 84 20 ed bf bf 78"), // UTF-8 of U+D800, Ä, U+DFFF
  mixed: Buffer.from([
    ...Buffer.from("x ǆ ß İ ⓐ é\u00a0"),
    0xff,
    ...Buffer.from("don't_stop"),
    0x85,
    0xe6,
  ]),
};

/** Needles and cut sets, each used in turn. */
const NEEDLES = [hex("eb"), hex("98 bf"), hex("ff"), hex("e6"), hex("ef bf bd"), Buffer.from("a")];

/** One step of each string function Strongbox implements; `$n` is a needle. */
const STEPS = [
  "toUpper",
  "toLower",
  "toTitle",
  "trimSpace",
  "trim $n",
  "trimPrefix $n",
  "trimSuffix $n",
  'replaceAll $n "x"',
  "split $n | join $n",
  "indent 2",
  "sprig_trim",
  "sprig_upper",
  "sprig_lower",
  "sprig_title",
  "sprig_untitle",
  "sprig_nospace",
  "sprig_initials",
  "sprig_swapcase",
  "sprig_quote",
  "sprig_squote",
  "sprig_trimAll $n",
  "sprig_trimPrefix $n",
  "sprig_trimSuffix $n",
  'sprig_replace $n ""',
  'sprig_replace "a" $n',
  "sprig_splitList $n | sprig_join $n",
  "sprig_repeat 2",
  "sprig_trunc 5",
  "sprig_trunc -3",
  "sprig_substr 1 -1",
  "sprig_wrap 3",
  "sprig_wrapWith 3 $n",
  "sprig_indent 2",
  "sprig_nindent 1",
  'sprig_contains $n | printf "%v"',
  'sprig_hasPrefix $n | printf "%v"',
  'sprig_hasSuffix $n | printf "%v"',
];

function template(subject: string): string {
  const lines = STEPS.flatMap((step, i) => {
    const needle = `(.Data.data.needle${i % NEEDLES.length} | base64Decode)`;
    const value = `(.Data.data.${subject} | base64Decode)`;
    return [
      `{{ $n := ${needle} }}${i}a: {{ ${value} | ${step} | base64URLEncode }}`,
      `{{ $n := ${needle} }}${i}b: {{ ${value} | ${step} | sprig_repeat 2 | sprig_lower | base64URLEncode }}`,
      `{{ $n := ${needle} }}${i}c: {{ ${value} | ${step} | sprig_repeat 2 | toUpper | toTitle | base64URLEncode }}`,
      `{{ $n := ${needle} }}${i}d: [{{ ${value} | ${step} }}]`,
    ];
  });
  // Strings joined or cut by the template's own functions, then read rune by rune.
  const v = `{{ $v := .Data.data.${subject} | base64Decode }}`;
  lines.push(
    `${v}p1: {{ printf "%s%s" $v $v | sprig_lower | base64URLEncode }}`,
    `${v}p2: {{ print $v $v | toUpper | base64URLEncode }}`,
    `${v}p3: {{ html $v $v | sprig_title | base64URLEncode }}`,
    `${v}p4: {{ printf "%.3s|%5.2s|%-4.1s" $v $v $v | sprig_upper | base64URLEncode }}`,
    `${v}p5: {{ urlquery $v $v }}`,
    `${v}p6: {{ $v | regexReplaceAll "[^a-z ]" "<$0>" | base64URLEncode }}`,
    `${v}p7: {{ sprig_regexFindAll "[^a-z]+" $v -1 | sprig_join "" | sprig_lower | base64URLEncode }}`,
    `${v}p8: {{ sprig_regexSplit "[^a-z]" $v -1 | sprig_join "" | toUpper | base64URLEncode }}`,
    `${v}p9: {{ sprig_regexReplaceAll "([^a-z])([a-z])" $v "\${2}\${1}" | sprig_upper | base64URLEncode }}`,
    `${v}p10: {{ $v | regexMatch "^[^a-z]" }} {{ sprig_regexFind "[^ ]+" $v | base64URLEncode }}`,
  );
  // The fuzz run's line, as it was.
  lines.push(
    `{{ (.Data.data.${subject} | base64Decode) | sprig_repeat 2 | sprig_lower | base64URLEncode }}`,
  );
  return `{{ with secret "secret/data/bytes/app" }}${lines.join("\n")}\n{{ end }}`;
}

describe("render: bytes that are not UTF-8 through every string function, as `bao agent` renders them", () => {
  let bao: Bao;
  let dir: string;
  const names = Object.keys(SUBJECTS);
  before(async () => {
    bao = await startBao();
    const data = {
      ...Object.fromEntries(names.map((name) => [name, SUBJECTS[name]?.toString("base64")])),
      ...Object.fromEntries(NEEDLES.map((needle, i) => [`needle${i}`, needle.toString("base64")])),
    };
    bao.cli(["kv", "put", "-mount=secret", "bytes/app", "-"], { input: JSON.stringify(data) });
    dir = tempProject();
    for (const name of names) writeFileSync(join(dir, `${name}.ctmpl`), template(name));
    renderWithBaoAgent(
      bao,
      dir,
      names.map((name) => [`${name}.ctmpl`, `${name}.agent`] as const),
    );
  });
  after(async () => bao.stop());

  it(`renders ${STEPS.length} functions × 4 pipelines over ${names.length} byte strings identically`, () => {
    const env = { ...cleanEnv(dir), VAULT_ADDR: bao.addr, VAULT_TOKEN: bao.rootToken };
    const args = names.flatMap((name) => ["-t", `${name}.ctmpl:${name}.ours`]);
    execFileSync(process.execPath, [CLI, "render", ...args], {
      cwd: dir,
      env,
      stdio: ["ignore", "ignore", "pipe"],
    });
    for (const name of names) {
      const agent = readFileSync(join(dir, `${name}.agent`));
      const ours = readFileSync(join(dir, `${name}.ours`));
      // Sanity: the agent rendered every line, so each function ran on these bytes.
      assert.ok(agent.includes(`${STEPS.length - 1}d: [`), `${name}: agent output complete`);
      if (ours.equals(agent)) continue;
      const agentLines = agent.toString("latin1").split("\n");
      const ourLines = ours.toString("latin1").split("\n");
      const n = agentLines.findIndex((line, i) => line !== ourLines[i]);
      assert.fail(
        `${name}, line ${n}:\n${template(name).split("\n")[n]}\nagent: ${JSON.stringify(agentLines[n])}\nours:  ${JSON.stringify(ourLines[n])}`,
      );
    }
  });
});
