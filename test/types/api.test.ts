// The library's subpaths (`strongbox/store`, `/vault`, `/render`, `/migrate`, `/check`,
// `/providers`): their types (checked by `tsc`, part of `npm test`), and at run time that
// the package's exports map resolves each one to a module with what it promises, sharing
// one error class with the main entry.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Issue } from "../../src/api/check.js";
import type { FieldCipher } from "../../src/api/crypto.js";
import type { ImportResult } from "../../src/api/migrate.js";
import type { ProviderDefinition, ReadResult } from "../../src/api/providers.js";
import type { RenderJob } from "../../src/api/render.js";
import type { SecretInfo, Store } from "../../src/api/store.js";
import type { VaultClient } from "../../src/api/vault.js";

type Equal<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(_: T): void {}

// Store: values are bytes in and out, versions are numbers, listing never carries a value.
expectType<Equal<Parameters<Store["set"]>[1], Uint8Array>>(true);
expectType<Equal<ReturnType<Store["set"]>, number>>(true);
expectType<Equal<NonNullable<ReturnType<Store["get"]>>["value"], Buffer>>(true);
expectType<Equal<"value" extends keyof SecretInfo ? true : false, false>>(true);
// Import reports names and versions, never values.
expectType<Equal<keyof ImportResult["imported"][number], "name" | "version">>(true);
// A render job's output is optional (a dry render has none).
expectType<Equal<RenderJob["output"], string | undefined>>(true);
// Every problem of every gate is one Issue shape with a code.
expectType<Equal<Issue["code"] extends string ? true : false, true>>(true);
// A field decrypts to text or bytes, never to anything a caller must cast.
expectType<Equal<Awaited<ReturnType<FieldCipher["decrypt"]>>, string>>(true);
expectType<Equal<Awaited<ReturnType<FieldCipher["decryptBytes"]>>, Buffer>>(true);
// A provider's batch read answers per ref.
expectType<
  Equal<
    Awaited<ReturnType<Awaited<ReturnType<ProviderDefinition["create"]>>["read"]>>,
    ReadonlyMap<import("../../src/refs/ref.js").Ref, ReadResult>
  >
>(true);
expectType<Equal<ReturnType<VaultClient["close"]> extends Promise<unknown> ? true : false, true>>(
  true,
);

const SUBPATHS: Record<string, string[]> = {
  "strongbox/store": ["initStore", "openStore", "Store"],
  "strongbox/crypto": [
    "fieldCipher",
    "transitKeys",
    "kmsKeys",
    "localKeys",
    "parseEnvelope",
    "isEnvelope",
    "rewrapTable",
    "keyVersionsInUse",
    "assertRetirable",
  ],
  "strongbox/data": ["secretRefs", "vaultRefs", "storeRefs", "awsSecretsRefs"],
  "strongbox/vault": [
    "VaultClient",
    "vaultDoctor",
    "planSetup",
    "applySetup",
    "planCopy",
    "destroyTree",
    "vaultNeeds",
    "writeVaultKey",
  ],
  "strongbox/render": [
    "renderFiles",
    "startAgent",
    "readAgentConfig",
    "renderCtmpl",
    "renderEnvExample",
    "generatedFiles",
    "checkOutputPath",
  ],
  "strongbox/migrate": [
    "planMigration",
    "applyMigration",
    "rollbackMigration",
    "sourcesFromFiles",
    "sourcesFromEnvironment",
    "importDotenv",
  ],
  "strongbox/check": [
    "checkSchema",
    "checkLayers",
    "checkProjectLayers",
    "liveLayerIssues",
    "lintProject",
    "scanForSecrets",
  ],
  "strongbox/lifecycle": [
    "generateSecret",
    "rotateSecret",
    "finishRotation",
    "rotateDue",
    "inventory",
    "compromise",
    "smokeTest",
  ],
  "strongbox/redact": [
    "createLogRedactor",
    "logRedactorFor",
    "scrubPii",
    "findPii",
    "pinoRedaction",
    "winstonRedaction",
    "patchConsole",
    "clientSafeError",
  ],
  "strongbox/providers": [
    "defineProvider",
    "defineLocalProvider",
    "canWrite",
    "providerFor",
    "knownSchemes",
    "writeToRef",
  ],
};

describe("the library's subpaths", () => {
  it("each resolves through the package's exports and holds what it promises", async () => {
    for (const [specifier, names] of Object.entries(SUBPATHS)) {
      const module: Record<string, unknown> = await import(specifier);
      for (const name of names)
        assert.equal(typeof module[name], "function", `${specifier} exports ${name}`);
    }
  });

  it("an error from a subpath is the main entry's StrongboxError, with its code", async () => {
    const main: {
      StrongboxError: new (...args: never[]) => Error;
      isStrongboxError(e: unknown): boolean;
    } = await import("strongbox" as string);
    const store: { openStore(options: { dir: string; env: object }): Promise<unknown> } =
      await import("strongbox/store" as string);
    const error = await store
      .openStore({ dir: "/nonexistent/strongbox-store", env: {} })
      .catch((e: unknown) => e);
    assert.ok(error instanceof main.StrongboxError, "one class across entries");
    assert.ok(main.isStrongboxError(error));
    assert.equal((error as { code?: string }).code, "E_STORE_NOT_FOUND");
  });
});
