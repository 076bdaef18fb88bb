// Diff rows of the benchmark (issue 17): staging and production on two real
// `bao server -dev`, 100 secrets each over 10 KV v2 paths, each environment
// with its own token (credentialPrefix). Strongbox's `diff --live` (cold: a new
// process each time) against what an operator does without it: `bao kv get
// -format=json` for every path of both environments (20 processes, every value
// printed) and a comparison of the two outputs.
import { spawnSync } from "node:child_process";
import { mkdtempSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { baoBinary, readOnlyToken, startBao } from "../test/helpers/bao.js";

const ROOT_DIR = new URL("../../", import.meta.url).pathname;

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

export async function diffRows(rounds: number): Promise<Array<{ name: string; value: string }>> {
  const [staging, production] = await Promise.all([startBao(), startBao()]);
  try {
    const variables: string[] = [];
    for (const [bao, tag] of [
      [staging, "s"],
      [production, "p"],
    ] as const)
      for (let path = 0; path < 10; path++)
        bao.cli([
          "kv",
          "put",
          "-mount=secret",
          `app/p${path}`,
          // Every other value equal across the two environments.
          ...Array.from(
            { length: 10 },
            (_, key) => `K${key}=${key % 2 === 0 ? "same" : tag}-${path}-${key}-${"x".repeat(24)}`,
          ),
        ]);
    for (let path = 0; path < 10; path++)
      for (let key = 0; key < 10; key++)
        variables.push(
          `  P${path}_K${key}: { secret: true, ref: 'vault://secret/app/p${path}#K${key}' }`,
        );
    const tokens = { staging: readOnlyToken(staging), production: readOnlyToken(production) };
    const dir = realpathSync(mkdtempSync(join(tmpdir(), "strongbox-bench-diff-")));
    writeFileSync(
      join(dir, "strongbox.config.yaml"),
      `audit: { sink: "off" }
environments:
  staging: { credentialPrefix: STAGING_, vault: { address: '${staging.addr}' } }
  production: { credentialPrefix: PRODUCTION_, vault: { address: '${production.addr}', allowInsecure: true } }
variables:
${variables.join("\n")}
`,
    );
    const env = {
      PATH: process.env.PATH ?? "",
      HOME: dir,
      STAGING_VAULT_TOKEN: tokens.staging,
      PRODUCTION_VAULT_TOKEN: tokens.production,
    };
    const cli = join(ROOT_DIR, "dist/bundle/strongbox.cjs");
    const ours: number[] = [];
    const peer: number[] = [];
    let differing = 0;
    for (let round = 0; round < rounds; round++) {
      let start = process.hrtime.bigint();
      const result = spawnSync(
        process.execPath,
        [cli, "diff", "staging", "production", "--live", "--json"],
        { cwd: dir, env, encoding: "utf8" },
      );
      ours.push(Number(process.hrtime.bigint() - start) / 1e6);
      if (result.status !== 1) throw new Error(`diff exited ${result.status}: ${result.stderr}`);
      differing = (JSON.parse(result.stdout) as { rows: Array<{ values: string }> }).rows.filter(
        (row) => row.values === "different",
      ).length;
      start = process.hrtime.bigint();
      const read = (addr: string, token: string, path: number) =>
        JSON.parse(
          spawnSync(baoBinary(), ["kv", "get", "-format=json", "-mount=secret", `app/p${path}`], {
            env: { PATH: env.PATH, HOME: dir, BAO_ADDR: addr, BAO_TOKEN: token },
            encoding: "utf8",
          }).stdout,
        ).data.data as Record<string, string>;
      let peerDiffering = 0;
      for (let path = 0; path < 10; path++) {
        const a = read(staging.addr, tokens.staging, path);
        const b = read(production.addr, tokens.production, path);
        for (const key of Object.keys(a)) if (a[key] !== b[key]) peerDiffering++;
      }
      peer.push(Number(process.hrtime.bigint() - start) / 1e6);
      if (peerDiffering !== differing) throw new Error("the two ways disagree");
    }
    return [
      {
        name: "`strongbox diff staging production --live` (2 servers, 2×100 secrets; no value shown)",
        value: `${median(ours).toFixed(0)} ms`,
      },
      {
        name: "peer: `bao kv get -format=json` per path of both (20 processes, every value printed) + compare",
        value: `${median(peer).toFixed(0)} ms`,
      },
      { name: "values found different (both ways agree)", value: `${differing} of 100` },
    ];
  } finally {
    await Promise.all([staging.stop(), production.stop()]);
  }
}
