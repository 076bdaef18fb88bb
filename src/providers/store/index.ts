import { issue } from "../../errors.js";
import type { Ref } from "../../refs/ref.js";
import { refError } from "../../refs/ref.js";
import type { ConfigSpec } from "../../schema/types.js";
import {
  defineProvider,
  type FullProvider,
  type Listed,
  type ReadContext,
  type ReadResult,
  type RetireCapability,
} from "../provider.js";
import { storeDirectory } from "./directory.js";

const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*(?:\/[A-Za-z0-9_][A-Za-z0-9_.-]*)*$/;

/**
 * `store://NAME[?version=N]`: a secret of the encrypted local store. The store
 * code (and node:crypto) is loaded only when a config uses this scheme.
 */
export const storeProvider = defineProvider({
  scheme: "store",
  kind: "store",
  syntax: "store://NAME[?version=N]",
  words: "the encrypted store",
  defaultIn: ["local", "ci", "pr-*", "staging", "*"],
  config: {
    key: "store",
    validate(value) {
      if (value === undefined) return [];
      const section = value as Record<string, unknown>;
      if (typeof value !== "object" || value === null)
        return [issue("E_SCHEMA", "store: must be a mapping such as { path: .strongbox }")];
      return Object.keys(section).flatMap((key) =>
        key === "path" && typeof section.path === "string"
          ? []
          : [
              issue(
                "E_SCHEMA",
                `store.${key}: ${key === "path" ? "must be a string" : "unknown field"}`,
                { hint: "store takes only path" },
              ),
            ],
      );
    },
  },
  validateRef(ref, context) {
    if (!NAME.test(ref.path) || ref.path.split("/").some((part) => part === "..")) {
      throw refError(context, "store names are letters, digits, _ . - and / between parts");
    }
    if (ref.key !== undefined) throw refError(context, "store:// takes no #key");
    checkVersionParam(ref.params, context, { previous: true });
  },
  previousRef: (ref) => ({ ...ref, params: { version: "previous" } }),
  async create(): Promise<FullProvider & RetireCapability> {
    const { openStore } = await import("../../store/open.js");
    const open = (ctx: ReadContext) => {
      const dir = storeDirectory(
        { store: ctx.config("store") as ConfigSpec["store"] },
        ctx.baseDir,
        ctx.processEnv,
        ctx.environment,
      );
      return {
        dir,
        store: openStore({
          dir,
          env: ctx.processEnv,
          // The store's place came from the config: a new store elsewhere is not trusted on first use.
          ...(ctx.processEnv.STRONGBOX_STORE_DIR ? {} : { project: ctx.baseDir }),
          ...(ctx.warn === undefined ? {} : { notice: ctx.warn }),
          ...(ctx.passphrase === undefined ? {} : { passphrase: ctx.passphrase }),
        }),
      };
    };
    return {
      scheme: "store",
      kind: "store",
      async list(under, ctx) {
        const store = await open(ctx).store;
        const entries = new Map<string, Listed>();
        for (const info of store.list()) {
          if (!info.name.startsWith(under) || info.deleted) continue;
          const [first, ...deeper] = info.name.slice(under.length).split("/");
          const name = `${under}${first}`;
          entries.set(
            name,
            deeper.length > 0
              ? { ref: `store://${name}`, folder: true }
              : { ref: `store://${name}` },
          );
        }
        return [...entries.values()];
      },
      async history(ref, ctx) {
        const versions = (await open(ctx).store).history(ref.path);
        const last = versions.at(-1);
        return versions.map((version) => ({
          version: version.version,
          createdAt: version.createdAt,
          state: version.state,
          current: version === last && version.state === "live",
        }));
      },
      async retire(ref, versions, ctx) {
        (await open(ctx).store).destroyVersions(ref.path, versions.map(Number));
      },
      async remove(ref, ctx, options = {}) {
        (await open(ctx).store).remove(ref.path, { purge: options.destroy === true });
      },
      async metadata(ref, ctx) {
        const info = (await open(ctx).store).list().find((entry) => entry.name === ref.path);
        if (info === undefined || info.problem !== undefined) return undefined;
        const { tags, ...rest } = info.meta;
        return {
          createdAt: info.createdAt,
          updatedAt: info.updatedAt,
          currentVersion: info.version,
          labels: {
            ...Object.fromEntries(Object.entries(rest).map(([key, value]) => [key, String(value)])),
            ...(tags === undefined ? {} : { tags: tags.join(",") }),
          },
        };
      },
      async write(ref, value, ctx, options = {}) {
        const store = await open(ctx).store;
        const version = store.set(
          ref.path,
          Buffer.from(value, "utf8"),
          {},
          options.expectedVersion === undefined ? {} : { expectedVersion: options.expectedVersion },
        );
        return { version };
      },
      async read(refs: readonly Ref[], ctx: ReadContext) {
        const { dir, store: opening } = open(ctx);
        const store = await opening;
        const results = new Map<Ref, ReadResult>();
        for (const ref of refs) {
          try {
            const version =
              ref.params.version === "previous"
                ? previousVersion(historyOrNone(() => store.history(ref.path)))
                : ref.params.version === undefined
                  ? undefined
                  : Number(ref.params.version);
            if (version === 0) {
              results.set(ref, {
                status: "absent",
                detail: `no previous version of ${ref.path} in the store (never rotated, or retired)`,
              });
              continue;
            }
            const found = store.get(ref.path, version);
            results.set(
              ref,
              found === undefined
                ? {
                    status: "absent",
                    hint: `run \`strongbox set ${ref.path}\` to store it`,
                    detail: `no secret ${ref.path}${version === undefined ? "" : ` version ${version}`} in the store at ${dir}`,
                  }
                : {
                    status: "found",
                    fetched: { value: found.value.toString("utf8"), version: found.version },
                  },
            );
          } catch (error) {
            results.set(ref, { status: "error", error: error as Error });
          }
        }
        return results;
      },
    };
  },
});

/** Accepts only `?version=N` with N a positive integer. */
/**
 * Accepts only `?version=N` with N a positive integer, and, where the source
 * can tell which version came before the current one, `?version=previous`.
 */
export function checkVersionParam(
  params: Readonly<Record<string, string>>,
  context: string,
  options: { readonly previous?: boolean } = {},
): void {
  for (const [name, value] of Object.entries(params)) {
    if (name !== "version") throw refError(context, `unknown parameter "${name}"`);
    if (value === "previous" && options.previous === true) continue;
    if (!/^[1-9]\d*$/.test(value))
      throw refError(
        context,
        `version must be a positive integer${options.previous === true ? " or previous" : ""}`,
      );
  }
}

/** The live version before the current one, 0 when there is none (or the current is a tombstone). */
function previousVersion(
  history: ReadonlyArray<{ readonly version: number; readonly state: string }>,
): number {
  const current = history.at(-1);
  if (current === undefined || current.state !== "live") return 0;
  return (
    history.filter((v) => v.version < current.version && v.state === "live").at(-1)?.version ?? 0
  );
}

function historyOrNone<T>(read: () => readonly T[]): readonly T[] {
  try {
    return read();
  } catch (error) {
    if ((error as { code?: string }).code === "E_STORE_NOT_FOUND") return [];
    throw error;
  }
}
