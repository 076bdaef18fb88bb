// The provider contract: the same cases run against every provider, each through a
// fixture that knows how to put values where that provider reads them (in the style of
// a router test suite shared by every router implementation).
import assert from "node:assert/strict";
import { it } from "node:test";
import {
  canDelete,
  canDescribe,
  canHistory,
  canList,
  canWrite,
  type ReadContext,
  type ReadResult,
} from "../../src/providers/provider.js";
import { providerConfigs, providerFor } from "../../src/providers/registry.js";
import { formatRef, parseRef, type Ref } from "../../src/refs/ref.js";
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
  /** Why the source cannot list its secrets; the capability must then be absent. */
  readonly noList?: string;
  /**
   * Why the source keeps no history: the capability must then be absent, or,
   * where it depends on where the secret lives (a KV v1 mount), refuse with E_REF.
   */
  readonly noHistory?: string;
  /** Why Strongbox cannot delete from the source; the capability must then be absent. */
  readonly noDelete?: string;
  /** Why the source keeps no metadata; the capability must then be absent. */
  readonly noMetadata?: string;
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

/** The ref of the whole secret a ref points into: no #KEY, no ?version=. */
function secretOf(text: string): string {
  const { key: _key, ...ref } = parseRef(text);
  return formatRef({ ...ref, params: {} });
}

/** The level above a secret's path, as `list` takes it (`secret/app/` for `secret/app/db`). */
function levelAbove(text: string): string {
  const path = parseRef(text).path;
  return path.slice(0, path.lastIndexOf("/") + 1);
}

async function provider(fixture: Fixture) {
  const definition = providerFor(fixture.scheme);
  assert.ok(definition, `no provider for ${fixture.scheme}`);
  return definition.create();
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

  if (fixture.noList === undefined)
    it(`${name}: lists what was put, as refs to whole secrets, never a value`, async () => {
      const values = { LISTED_ONE: "contract-listed-one", LISTED_TWO: "contract-listed-two" };
      const refs = await fixture.put(values);
      const source = await provider(fixture);
      assert.ok(canList(source), "the provider can list");
      for (const ref of Object.values(refs)) {
        const listed = await source.list(levelAbove(ref), fixture.context());
        assert.ok(
          listed.some((entry) => entry.ref === secretOf(ref)),
          `${secretOf(ref)} in ${listed.map((entry) => entry.ref).join(", ")}`,
        );
        assertNoValue(JSON.stringify(listed), values);
      }
    });
  else
    it(`${name}: cannot list (${fixture.noList})`, async () => {
      assert.ok(!canList(await provider(fixture)));
    });

  if (fixture.noHistory === undefined)
    it(`${name}: keeps a history: a write adds a version, one version is current, no value shown`, async () => {
      const values = { HISTORY: "contract-history-one", LATER: "contract-history-two" };
      const refs = await fixture.put({ HISTORY: values.HISTORY });
      const source = await provider(fixture);
      assert.ok(canHistory(source), "the provider keeps a history");
      const ref = parseRef(refs.HISTORY as string);
      const before = await source.history(ref, fixture.context());
      assert.ok(before.length >= 1);
      if (canWrite(source) && fixture.noWrite === undefined) {
        await source.write(ref, values.LATER, fixture.context());
        const after = await source.history(ref, fixture.context());
        assert.equal(after.length, before.length + 1, "one more version");
        assert.equal(after.filter((version) => version.current).length, 1, "one current version");
        assert.equal(after.at(-1)?.current, true, "the newest is current");
        assertNoValue(JSON.stringify(after), values);
      }
    });
  else
    it(`${name}: keeps no history (${fixture.noHistory}), and says so rather than inventing one`, async () => {
      const source = await provider(fixture);
      if (!canHistory(source)) return;
      const refs = await fixture.put({ UNHISTORIC: "contract-unhistoric" });
      await assert.rejects(source.history(parseRef(refs.UNHISTORIC as string), fixture.context()), {
        code: "E_REF",
      });
    });

  if (fixture.noMetadata === undefined)
    it(`${name}: reports metadata without the value, and none for a missing secret`, async () => {
      const values = { META: "contract-metadata-value" };
      const refs = await fixture.put(values);
      const source = await provider(fixture);
      assert.ok(canDescribe(source), "the provider reports metadata");
      const metadata = await source.metadata(parseRef(refs.META as string), fixture.context());
      assert.ok(metadata !== undefined, "an existing secret has metadata");
      assertNoValue(JSON.stringify(metadata), values);
      const missing = await fixture.missing();
      assert.equal(await source.metadata(parseRef(missing.path), fixture.context()), undefined);
    });
  else
    it(`${name}: keeps no metadata (${fixture.noMetadata})`, async () => {
      assert.ok(!canDescribe(await provider(fixture)));
    });

  // Last: deleting leaves a source's names in states later cases would trip over.
  if (fixture.noDelete === undefined)
    it(`${name}: a removed secret is not read again; destroyed, its name is free at once`, async () => {
      const source = await provider(fixture);
      assert.ok(canDelete(source), "the provider can delete");
      const soft = await fixture.put({ REMOVED: "contract-removed-value" });
      await source.remove(parseRef(soft.REMOVED as string), fixture.context());
      const [gone] = await read(fixture, [soft.REMOVED as string]);
      assert.notEqual(gone?.status, "found", "a removed secret is not returned");
      assertNoValue(messages([gone as ReadResult]), { v: "contract-removed-value" });
      const hard = await fixture.put({ DESTROYED: "contract-destroyed-value" });
      const ref = parseRef(hard.DESTROYED as string);
      await source.remove(ref, fixture.context(), { destroy: true });
      const [destroyed] = await read(fixture, [hard.DESTROYED as string]);
      assert.equal(destroyed?.status, "absent", messages([destroyed as ReadResult]));
      if (canWrite(source) && fixture.noWrite === undefined) {
        await source.write(ref, "contract-written-again", fixture.context());
        const [again] = await read(fixture, [hard.DESTROYED as string]);
        assert.equal(
          again?.status === "found" ? again.fetched.value : again,
          "contract-written-again",
        );
      }
    });
  else
    it(`${name}: cannot delete (${fixture.noDelete})`, async () => {
      assert.ok(!canDelete(await provider(fixture)));
    });
}
