// `run` masks a secret in its child's output in the encodings programs commonly print it in:
// generated over canaries holding the characters encoders treat differently (& / ! ' ( ) *
// space, non-ASCII, beyond the BMP) × each encoder of Python's urllib and json, PHP-style
// JSON, Node's encoders, lower-case percent escapes and wrapped (MIME, PEM) base64.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { describe, it } from "node:test";
import { runCli, tempProject } from "../helpers/cli.js";

const CANARIES = [
  "Tr0ub4dor&3/Canary!x",
  "it's (a) *star* pw9",
  "päss wörd/Ω-7!~",
  "emo🙂&x/y(z) 42",
  `L0ng&/!'()* ${"q9é/".repeat(20)}end`,
];

const PYTHON = `
import base64, json, os, re, sys, textwrap
from urllib.parse import quote, quote_plus, urlencode
v = os.environ["PW"]
lower = lambda s: re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), s)
upper_u = lambda s: re.sub(r"\\\\u([0-9a-f]{4})", lambda m: "\\\\u" + m.group(1).upper(), s)
b64 = base64.b64encode(v.encode()).decode()
out = {
  "quote": quote(v), "quote-safe-none": quote(v, safe=""), "quote_plus": quote_plus(v),
  "urlencode": urlencode({"p": v})[2:], "lower-quote": lower(quote(v, safe="")),
  "lower-quote_plus": lower(quote_plus(v)),
  "json.dumps": json.dumps(v)[1:-1], "json-utf8": json.dumps(v, ensure_ascii=False)[1:-1],
  "php-json": json.dumps(v).replace("/", "\\\\/")[1:-1],
  "php-json-utf8": json.dumps(v, ensure_ascii=False).replace("/", "\\\\/")[1:-1],
  "json-upper-u": upper_u(json.dumps(v))[1:-1],
}
for label, text in out.items(): print(label + "\\t" + text)
for line in base64.encodebytes(v.encode()).decode().splitlines(): print("mime\\t" + line)
for line in textwrap.wrap(b64, 64): print("pem\\t" + line)
sys.stdout.flush()
`;

const NODE = `
const v = process.env.PW;
const lines = {
  encodeURIComponent: encodeURIComponent(v),
  URLSearchParams: new URLSearchParams({ p: v }).toString().slice(2),
  "JSON.stringify": JSON.stringify(v).slice(1, -1),
  base64: Buffer.from(v).toString("base64"),
};
for (const [label, text] of Object.entries(lines)) console.log(label + "\\t" + text);
`;

/** Each printed (label, encoding) line long enough to be masked. */
function encodings(stdout: string): Array<[string, string]> {
  return stdout
    .split("\n")
    .filter((line) => line.includes("\t"))
    .map((line) => line.split("\t", 2) as [string, string])
    .filter(([, text]) => text.replace(/=+$/, "").length >= 8);
}

describe("run masks the child's output in every common encoding", () => {
  it("generated: canaries × Python urllib/json, PHP-style JSON, Node encoders, wrapped base64", async () => {
    const dir = tempProject({
      "strongbox.config.yaml": "variables:\n  PW: { secret: true }\n",
      "enc.py": PYTHON,
      "enc.cjs": NODE,
    });
    let checked = 0;
    const leaks: string[] = [];
    for (const canary of CANARIES)
      for (const child of [
        ["python3", "enc.py"],
        [process.execPath, "enc.cjs"],
      ]) {
        // What the child prints, unmasked (run directly, not through Strongbox).
        const direct = execFileSync(child[0] as string, child.slice(1), {
          cwd: dir,
          env: { PW: canary, PATH: process.env.PATH ?? "/usr/bin:/bin" },
          encoding: "utf8",
        });
        const expected = encodings(direct);
        assert.ok(expected.length >= 4, direct);
        const result = await runCli(["run", "--", ...child], { cwd: dir, env: { PW: canary } });
        assert.equal(result.code, 0, result.stderr);
        for (const [label, text] of expected) {
          checked++;
          if (result.stdout.includes(text))
            leaks.push(`${JSON.stringify(canary)} ${label}: ${text}`);
        }
        assert.match(result.stdout, /<redacted:PW>/);
      }
    assert.deepEqual(leaks, []);
    assert.ok(checked > 60, `${checked} encodings checked`);
  });
});
