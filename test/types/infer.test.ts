// Type-level tests: `tsc` (part of `npm test`) fails if any of these is wrong.
// The runtime test only makes sure the file is compiled and run.
import assert from "node:assert/strict";
import { it } from "node:test";
import { z } from "zod";
import { defineConfig, loadConfigSync, type ResolvedConfig } from "../../src/index.js";

type Equal<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(_: T): void {}

const config = defineConfig({
  variables: {
    PORT: { type: "port", default: 3000 },
    HOST: { type: "string" },
    DEBUG: { type: "boolean", required: false },
    LEVEL: { type: "enum", values: ["debug", "info"], default: "info" },
    TAGS: { type: "list" },
    TIMEOUT: { type: "duration", default: "5s" },
    DATA: { type: "json", required: ["production"] },
    EMAIL: { schema: z.string().email() },
    COUNT: { schema: z.coerce.number().int(), required: false },
    TOKEN: { secret: true },
  },
});

type Loaded = ResolvedConfig<typeof config.variables>;
expectType<Equal<Loaded["PORT"], number>>(true);
expectType<Equal<Loaded["HOST"], string>>(true);
expectType<Equal<Loaded["DEBUG"], boolean | undefined>>(true);
expectType<Equal<Loaded["LEVEL"], "debug" | "info">>(true);
expectType<Equal<Loaded["TAGS"], readonly string[]>>(true);
expectType<Equal<Loaded["TIMEOUT"], number>>(true);
expectType<Equal<Loaded["DATA"], unknown>>(true);
expectType<Equal<Loaded["EMAIL"], string>>(true);
expectType<Equal<Loaded["COUNT"], number | undefined>>(true);
expectType<Equal<Loaded["TOKEN"], string>>(true);

// A rotated secret brings an optional NAME_PREVIOUS; others do not.
const rotated = defineConfig({
  variables: {
    JWT_SECRET: { secret: true, rotation: { every: "30d", generator: "bytes:32" } },
    PLAIN: { type: "string" },
  },
});
type WithPrevious = ResolvedConfig<typeof rotated.variables>;
expectType<Equal<WithPrevious["JWT_SECRET_PREVIOUS"], string | undefined>>(true);
expectType<Equal<"PLAIN_PREVIOUS" extends keyof WithPrevious ? true : false, false>>(true);

defineConfig({
  variables: {
    // @ts-expect-error: an enum default must be one of its values
    LEVEL: { type: "enum", values: ["a", "b"], default: "c" },
  },
});
defineConfig({
  variables: {
    // @ts-expect-error: a port's default is a number
    PORT: { type: "port", default: "3000" },
  },
});

it("infers the loaded config's type from the schema, with no cast", () => {
  const loaded = loadConfigSync(config, {
    processEnv: { HOST: "h", TAGS: "a,b", EMAIL: "a@b.co", TOKEN: "t" },
    cwd: "/nonexistent",
  });
  assert.throws(() => {
    // @ts-expect-error: the object is read-only
    loaded.PORT = 1;
  }, TypeError);
  const port: number = loaded.PORT;
  const level: "debug" | "info" = loaded.LEVEL;
  assert.equal(port, 3000);
  assert.equal(level, "info");
});
