// The outputs a package.json script gives `strongbox render`/`export`/`get`, read
// from the script line (the hook and lint refuse a staged file it names). Generated:
// every global flag spelling before the verb, every spelling of the output (flag,
// inline `-oFILE`, `=`, redirections, `| tee`, a filter downstream), every way of
// invoking strongbox. A red team's scripts (`strongbox -e production export -o f`,
// `--quiet render -t a:b`, `-oFILE`, `| tee FILE`) were missed before.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { commandOutputs, scriptOutputs } from "../../src/hygiene/script-outputs.js";

/** Flags before the verb, each spelling the command line lifts (one table: util/command-flags). */
const BEFORE = [
  "",
  "-e production",
  "--env production",
  "--env=production",
  "-eproduction",
  "-q",
  "--quiet",
  "--debug",
  "--json",
  "-c strongbox.config.yaml",
  "--config=strongbox.config.yaml",
  "-cstrongbox.config.yaml",
  "--quiet -e production --debug",
];
const INVOKED = ["strongbox", "npx strongbox", "./node_modules/.bin/strongbox", "FOO=1 strongbox"];

/** Each verb's ways of writing to FILE. */
const WRITES: Record<string, string[]> = {
  export: [
    "-o FILE",
    "-oFILE",
    "--output FILE",
    "--output=FILE",
    "--format json -o FILE",
    "> FILE",
    ">FILE",
    ">> FILE",
    "1> FILE",
    ">| FILE",
    "&> FILE",
    "2>/dev/null > FILE",
    "| tee FILE",
    "| tee -a FILE",
    "--format json | jq . > FILE",
    "| sort | tee FILE > /dev/null",
  ],
  render: [
    "-i a.ctmpl -o FILE",
    "-i a.ctmpl -oFILE",
    "-t a.ctmpl:FILE",
    "-ta.ctmpl:FILE",
    "--template a.ctmpl:FILE:'kill -HUP 1'",
    "--template=a.ctmpl:FILE",
    "-i a.ctmpl | tee FILE",
  ],
  get: ["TOKEN > FILE", "TOKEN >> FILE", "TOKEN | tee FILE", "TOKEN | base64 > FILE"],
};

describe("package.json script outputs", () => {
  it("every invocation × global flags before the verb × output spelling names FILE", () => {
    let count = 0;
    for (const invoked of INVOKED)
      for (const before of BEFORE)
        for (const [verb, writes] of Object.entries(WRITES))
          for (const write of writes) {
            const file = `out/f${count++}.env`;
            const line = `${invoked} ${before} ${verb} ${write.replace("FILE", file)}`;
            assert.ok(commandOutputs(line).includes(file), `${line}: ${file} not found`);
          }
    assert.ok(count > 1000, `${count} lines`);
  });

  it("what is not a value output is not named", () => {
    const NOT = [
      "strongbox export 2> err.log",
      "strongbox -e production check > report.txt",
      "other-tool | tee log.txt",
      "strongbox export -o a.env && echo done | tee log.txt",
      "strongbox export -o a.env; cat x > log.txt",
    ];
    for (const line of NOT)
      for (const file of ["err.log", "report.txt", "log.txt"])
        assert.ok(!commandOutputs(line).includes(file), `${line}: ${file} named`);
  });

  it("reads the scripts of package.json, inside the project only", () => {
    const dir = mkdtempSync(join(tmpdir(), "script-outputs-"));
    const scripts = {
      a: "strongbox export -e production -o out-a.env.json",
      b: "strongbox -e production export -o out-b.json",
      c: "strongbox export -oout-c.json",
      d: "strongbox export --format json | tee out-d.json",
      e: "strongbox --quiet render -t tpl.ctmpl:out-e.conf",
      f: "strongbox export | tee ../outside.env",
    };
    writeFileSync(join(dir, "package.json"), JSON.stringify({ scripts }));
    assert.deepEqual(scriptOutputs(dir).sort(), [
      "out-a.env.json",
      "out-b.json",
      "out-c.json",
      "out-d.json",
      "out-e.conf",
    ]);
  });
});
