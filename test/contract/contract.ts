// The provider contract: the same cases run against every provider, each through a
// fixture that knows how to put values where that provider reads them (in the style of
// a router test suite shared by every router implementation).
import assert from "node:assert/strict";
import { it } from "node:test";
import { canWrite, type ReadContext, type ReadResult } from "../../src/providers/provider.js";
import { providerConfigs, providerFor } from "../../src/providers/registry.js";
import { parseRef, type Ref } from "../../src/refs/ref.js";
import { resolveConfig } from "../../src/resolve/drive.js";

/** How one provider's source is prepared for the contract. */
export interface Fixture {
  readonly scheme: string;
  /** The context the provider reads with (its environment, config, base directory). */
  context(): ReadContext;
  /** Stores `values` (name → value) where the provider reads them; returns name → ref text. */
  put(values: Readonly<Record<string, string>>): Promise<Record<string, string>>;
  /**
   * Refs that point at nothing: `path` names no secret at all; `key`, where
   * the provider has keys inside a path, names a key missing from an existing one.
   */
  missing(): Promise<{ readonly path: string; readonly key?: string }>;
  /** Writes `first` then `second` under one name; returns the ref text for version 1. Absent: no versions. */
  versions?(first: string, second: string): Promise<string>;
  /** Why a provider keeps no versions, asserted by the suite instead of skipping. */
  readonly noVersions?: string;
  /** A context and refs that make reads fail (a wrong key, a denied token), with `values` stored. */
  failing(values: Readonly<Record<string, string>>): Promise<{ ctx: ReadContext; refs: string[] }>;
  /** A context whose source cannot be reached; absent for local sources. */
  unreachable?(): ReadContext;
  /** Why the source cannot be unreachable (it is local), asserted instead of skipping. */
  readonly local?: string;
  /** Why Strongbox cannot write to this source, asserted instead of skipping. */
  readonly noWrite?: string;
  /** Why the source offers no check-and-set although it keeps versions, asserted likewise. */
  readonly noCas?: string;
}

const CANARIES = {
  SIMPLE: "contract-simple-3f9a",
  SPACES: "  leading and trailing spaces  ",
  SYMBOLS: "p@ss=w0rd#with$ymbols&'\"`",
  UNICODE: "пароль-密码-🔑",
  JSONISH: '{"user":"svc","token":"contract-json-77"}',
};

/**
 * Reads `texts` as the resolver does: a ref the provider refuses, or a batch
 * that fails as a whole, becomes an error result for each ref concerned.
 */
async function read(
  fixture: Fixture,
  texts: readonly string[],
  ctx = fixture.context(),
): Promise<ReadResult[]> {
  const definition = providerFor(fixture.scheme);
  assert.ok(definition, `no provider for ${fixture.scheme}`);
  const refs: Ref[] = texts.map((text) => parseRef(text, "contract"));
  const refused = new Map<Ref, Error>();
  for (const ref of refs) {
    try {
      definition.validateRef(ref, "contract");
    } catch (error) {
      refused.set(ref, error as Error);
    }
  }
  const valid = refs.filter((ref) => !refused.has(ref));
  let results: ReadonlyMap<Ref, ReadResult> = new Map();
  try {
    if (valid.length > 0) results = await (await definition.create()).read(valid, ctx);
  } catch (error) {
    results = new Map(
      valid.map((ref) => [ref, { status: "error", error: error as Error }] as const),
    );
  }
  return refs.map((ref) => {
    const error = refused.get(ref);
    return error === undefined ? (results.get(ref) as ReadResult) : { status: "error", error };
  });
}

/** Every message a result can show a person. */
function messages(results: readonly ReadResult[]): string {
  return results
    .map((result) =>
      result.status === "absent"
        ? `${result.detail} ${result.hint ?? ""}`
        : result.status === "error"
          ? `${result.error.message} ${(result.error as { hint?: string }).hint ?? ""}`
          : "",
    )
    .join("\n");
}

function assertNoValue(text: string, values: Readonly<Record<string, string>>): void {
  for (const value of Object.values(values))
    assert.ok(!text.includes(value.trim()), `a value leaked into: ${text}`);
}

/** Registers the contract's cases for one provider. */
export function contract(name: string, fixture: Fixture): void {
  it(`${name}: reads a batch of 25 keys in one call, values exact`, async () => {
    const values: Record<string, string> = {};
    for (let i = 0; i < 5; i++)
      for (const [label, value] of Object.entries(CANARIES))
        values[`${label}_${i}`] = `${value}${i}`;
    const refs = await fixture.put(values);
    const names = Object.keys(values);
    const results = await read(
      fixture,
      names.map((key) => refs[key] as string),
    );
    results.forEach((result, index) => {
      const key = names[index] as string;
      assert.equal(result.status, "found", `${key}: ${messages([result])}`);
      if (result.status === "found") assert.equal(result.fetched.value, values[key], key);
    });
  });

  it(`${name}: a missing secret is absent, named, and never an error`, async () => {
    const missing = await fixture.missing();
    const texts = [missing.path, ...(missing.key === undefined ? [] : [missing.key])];
    const results = await read(fixture, texts);
    for (const result of results) assert.equal(result.status, "absent", messages([result]));
    if (missing.key !== undefined) {
      const [path, key] = results.map((result) => messages([result]));
      assert.notEqual(path, key, "a missing key and a missing path are told apart");
      const keyName = parseRef(missing.key).key as string;
      assert.match(key as string, new RegExp(keyName));
    }
  });

  if (fixture.versions !== undefined) {
    const versions = fixture.versions.bind(fixture);
    it(`${name}: reads an older version by number, the latest without one`, async () => {
      const v1 = await versions("contract-version-one", "contract-version-two");
      const [old] = await read(fixture, [v1]);
      assert.equal(old?.status === "found" ? old.fetched.value : old, "contract-version-one");
      if (old?.status === "found") assert.equal(old.fetched.version, 1);
      const latest = v1.replace(/\?version=1/, "");
      const [now] = await read(fixture, [latest]);
      assert.equal(now?.status === "found" ? now.fetched.value : now, "contract-version-two");
    });
  } else {
    it(`${name}: keeps no versions (${fixture.noVersions}), so ?version= is refused`, async () => {
      const refs = await fixture.put({ VERSIONED: "contract-unversioned" });
      const text = `${refs.VERSIONED}${(refs.VERSIONED as string).includes("?") ? "&" : "?"}version=1`;
      const [result] = await read(fixture, [text]);
      const refused = result?.status === "error" ? result.error : undefined;
      assert.ok(refused instanceof Error, "a versioned read must not return the current value");
      assert.equal((refused as { code?: string }).code, "E_REF");
    });
  }

  it(`${name}: a failing source reports errors that hold no value`, async () => {
    const values = { SECRET_A: "contract-failing-a-51c2", SECRET_B: "contract-failing-b-83d4" };
    const { ctx, refs } = await fixture.failing(values);
    const results = await read(fixture, refs, ctx);
    for (const result of results) assert.notEqual(result.status, "found", messages([result]));
    assert.ok(results.some((result) => result.status === "error"));
    assertNoValue(messages(results), values);
  });

  if (fixture.unreachable !== undefined) {
    const unreachable = fixture.unreachable.bind(fixture);
    it(`${name}: an unreachable source is a transient error within the deadline`, async () => {
      const refs = await fixture.put({ REACH: "contract-unreachable" });
      const started = Date.now();
      const ctx = { ...unreachable(), signal: AbortSignal.timeout(1500) };
      const [result] = await read(fixture, [refs.REACH as string], ctx);
      assert.equal(result?.status, "error");
      const code = result?.status === "error" ? (result.error as { code?: string }).code : "";
      assert.ok(
        providerFor(fixture.scheme)?.transient?.includes(code as never),
        `transient: ${code}`,
      );
      assert.ok(Date.now() - started < 6000, "within the deadline");
    });
  } else {
    it(`${name}: is local (${fixture.local}), so nothing is unreachable and nothing falls back`, () => {
      assert.ok(fixture.local !== undefined, "a remote provider must give an unreachable context");
      assert.equal(providerFor(fixture.scheme)?.transient, undefined);
    });
  }

  if (fixture.noWrite === undefined) {
    it(`${name}: writes a value that reads back, and check-and-set refuses a stale version`, async () => {
      const definition = providerFor(fixture.scheme);
      const provider = await definition?.create();
      assert.ok(provider !== undefined && canWrite(provider), "the provider can write");
      const refs = await fixture.put({ WRITTEN: "contract-before-write" });
      const ref = parseRef(refs.WRITTEN as string);
      const ctx = fixture.context();
      const first = await provider.write(ref, "contract-after-write", ctx);
      const [back] = await read(fixture, [refs.WRITTEN as string]);
      assert.equal(back?.status === "found" ? back.fetched.value : back, "contract-after-write");
      if (fixture.versions !== undefined && fixture.noCas === undefined) {
        const current = first.version as number;
        await assert.rejects(
          provider.write(ref, "contract-stale-write", ctx, { expectedVersion: current - 1 }),
          (error: { code?: string }) => /_CAS$/.test(error.code ?? ""),
        );
        const [unchanged] = await read(fixture, [refs.WRITTEN as string]);
        assert.equal(
          unchanged?.status === "found" ? unchanged.fetched.value : "",
          "contract-after-write",
        );
        const next = await provider.write(ref, "contract-cas-write", ctx, {
          expectedVersion: current,
        });
        assert.equal(next.version, current + 1);
      } else {
        await assert.rejects(
          provider.write(ref, "contract-stale-write", ctx, { expectedVersion: 1 }),
          { code: "E_REF" },
          `no check-and-set (${fixture.noCas ?? "no versions"}), and the write says so`,
        );
      }
    });
  } else {
    it(`${name}: cannot be written by Strongbox (${fixture.noWrite})`, async () => {
      const provider = await providerFor(fixture.scheme)?.create();
      assert.ok(provider !== undefined && !canWrite(provider));
    });
  }

  it(`${name}: resolution records the provider's kind and the ref as provenance`, async () => {
    const refs = await fixture.put({ PROVENANCE: "contract-provenance-value" });
    const ctx = fixture.context();
    // A variable name no source holds directly, so the ref is what wins.
    const config = { variables: { VIA_REF: { secret: true, ref: refs.PROVENANCE as string } } };
    const sections = providerConfigs()
      .map((section) => section.key)
      .flatMap((key) => (ctx.config(key) === undefined ? [] : [[key, ctx.config(key)] as const]));
    const resolution = await resolveConfig(
      { ...config, ...Object.fromEntries(sections) },
      { environment: "local", processEnv: ctx.processEnv, cwd: ctx.baseDir, baseDir: ctx.baseDir },
    );
    assert.deepEqual(resolution.issues, []);
    const winner = resolution.entries[0]?.provenance.winner;
    assert.equal(winner?.kind, providerFor(fixture.scheme)?.kind);
    assert.equal(winner?.ref, refs.PROVENANCE);
    assert.equal(resolution.entries[0]?.raw, "contract-provenance-value");
  });
}
