import { StrongboxError } from "../../errors.js";
import { type Ref, refError } from "../../refs/ref.js";
import {
  defineProvider,
  type FullProvider,
  type ReadContext,
  type ReadResult,
  type RetireCapability,
} from "../provider.js";
import {
  type AzureSdk,
  currentVersion,
  deleteSecret,
  disableVersions,
  listSecrets,
  loadAzureSdk,
  setSecret,
  versionsOf,
} from "./client.js";
import { validateAzureConfig } from "./config.js";
import { WORDS } from "./errors.js";
import { splitPath, VERSION_ID } from "./naming.js";
import { withPreviousIds } from "./previous.js";
import { readSecrets } from "./read.js";

/**
 * The variables Azure Identity's credential chain reads that let a process
 * log in: a service principal's secret or certificate, a user's password,
 * workload identity's federated token, and managed identity's endpoint and
 * secret header (App Service, Functions, Arc, Service Fabric, Cloud Shell).
 * Scrubbed from every process Strongbox starts, like Vault's token. (Tenant
 * and client ids are names, not secrets, so they pass through.)
 */
const AZURE_CREDENTIALS = [
  "AZURE_CLIENT_SECRET",
  "AZURE_CLIENT_CERTIFICATE_PATH",
  "AZURE_CLIENT_CERTIFICATE_PASSWORD",
  "AZURE_USERNAME",
  "AZURE_PASSWORD",
  "AZURE_FEDERATED_TOKEN_FILE",
  "IDENTITY_ENDPOINT",
  "IDENTITY_HEADER",
  "IDENTITY_SERVER_THUMBPRINT",
  "MSI_ENDPOINT",
  "MSI_SECRET",
];

/**
 * Where Azure tools keep credentials when no variable names them: the Azure
 * CLI's and PowerShell's token caches and service principal entries, and
 * the workload identity webhook's projected token.
 */
const AZURE_CREDENTIAL_FILES = [
  "~/.azure",
  // The Azure CLI's directory when AZURE_CONFIG_DIR moves it, and the Developer CLI's (azd) tokens.
  "$AZURE_CONFIG_DIR",
  "~/.azd",
  "~/.IdentityService",
  "/var/run/secrets/azure",
];

/**
 * `azure-kv://VAULT/SECRET[?version=ID]`: a secret in Azure Key Vault, the
 * whole value (Key Vault secrets hold one string each). The secret part
 * follows the documented name mapping (`JWT_SECRET` ↔ `jwt-secret`, see
 * naming.ts). Key Vault has no batch get, so a batch is concurrent gets
 * (16 at a time) under the resolution's deadline; a soft-deleted secret is
 * reported as such, not as missing. The Azure SDK is loaded only when a
 * config uses this scheme.
 */
export const azureKeyVaultProvider = defineProvider({
  scheme: "azure-kv",
  kind: "azure-kv",
  syntax: "azure-kv://VAULT/SECRET[?version=ID]",
  words: WORDS,
  defaultIn: ["local", "ci", "pr-*", "staging", "*"],
  transient: ["E_PROVIDER_UNAVAILABLE"],
  pure: true,
  credentials: AZURE_CREDENTIALS,
  credentialFiles: AZURE_CREDENTIAL_FILES,
  connection: ["AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_AUTHORITY_HOST"],
  config: { key: "azure", validate: validateAzureConfig },
  validateRef(ref, context) {
    splitPath(ref.path, context);
    if (ref.key !== undefined)
      throw refError(context, "a Key Vault secret holds one value: azure-kv:// takes no #KEY");
    for (const [name, value] of Object.entries(ref.params)) {
      if (name !== "version") throw refError(context, `azure-kv:// takes ?version=, not ?${name}=`);
      if (!VERSION_ID.test(value) && value !== "previous")
        throw refError(
          context,
          "a Key Vault version is a 32-character hexadecimal id (or previous, during a rotation)",
        );
    }
  },
  // A rotation's previous value stays readable (enabled) until the rotation is finished.
  previousRef: (ref) => ({ ...ref, params: { version: "previous" } }),
  async create(): Promise<FullProvider & RetireCapability> {
    const sdk = await loadAzureSdk();
    return {
      scheme: "azure-kv",
      kind: "azure-kv",
      // Key Vault is flat: `under` is VAULT/ and an optional name prefix (mapped like a secret name).
      async list(under, ctx) {
        const [vault = "", prefix = ""] = under.split("/");
        splitPath(`${vault}/x`, under);
        const wanted = prefix === "" ? "" : prefix.replaceAll("_", "-").toLowerCase();
        return listSecrets(sdk, ctx, vault, wanted);
      },
      async history(ref, ctx) {
        const { versions, current } = await versionsAndCurrent(sdk, ctx, ref.path);
        return versions.map((version) => ({
          version: version.version,
          ...(version.createdOn ? { createdAt: version.createdOn.toISOString() } : {}),
          state: version.enabled === false ? ("disabled" as const) : ("live" as const),
          current: version.version === current,
        }));
      },
      // Key Vault cannot destroy one version: a retired version is disabled, so no read returns it.
      async retire(ref, versions, ctx) {
        await disableVersions(sdk, ctx, splitPath(ref.path, ref.path), versions);
      },
      // Soft delete (the vault's retention applies); destroy also purges, freeing the name.
      async remove(ref, ctx, options = {}) {
        await deleteSecret(sdk, ctx, splitPath(ref.path, ref.path), options.destroy === true);
      },
      async metadata(ref, ctx) {
        const { versions, current } = await versionsAndCurrent(sdk, ctx, ref.path);
        const first = versions[0];
        const live = versions.find((version) => version.version === current) ?? versions.at(-1);
        if (first === undefined || live === undefined) return undefined;
        return {
          ...(first.createdOn ? { createdAt: first.createdOn.toISOString() } : {}),
          ...(live.updatedOn ? { updatedAt: live.updatedOn.toISOString() } : {}),
          currentVersion: live.version,
          labels: live.tags ?? {},
        };
      },
      async read(refs, ctx) {
        const planned = await withPreviousIds(sdk, refs, ctx);
        const reads = [...planned.values()].filter((item): item is Ref => "path" in item);
        const results = await readSecrets(sdk, reads, ctx);
        return new Map(
          refs.map((ref) => {
            const item = planned.get(ref) as Ref | ReadResult;
            return [ref, "path" in item ? (results.get(item) as ReadResult) : item];
          }),
        );
      },
      async write(ref, value, ctx, options = {}) {
        const uri = `azure-kv://${ref.path}`;
        if (options.expectedVersion !== undefined)
          throw new StrongboxError(
            "E_REF",
            `${uri}: Key Vault versions are ids, not numbers, and a secret has no conditional write, so check-and-set is not possible`,
            { hint: "write without --expected-version" },
          );
        if (ref.params.version !== undefined)
          throw new StrongboxError(
            "E_REF",
            `${uri}: a write makes a new version; do not name one`,
            {
              hint: `write to azure-kv://${ref.path}`,
            },
          );
        await setSecret(sdk, ctx, splitPath(ref.path, uri), value);
        return {};
      },
    };
  },
});

/** A secret's versions and the id of the one a plain read returns, asked together. */
async function versionsAndCurrent(sdk: AzureSdk, ctx: ReadContext, path: string) {
  const { vault, secret } = splitPath(path, path);
  const [versions, current] = await Promise.all([
    versionsOf(sdk, ctx, vault, secret),
    currentVersion(sdk, ctx, vault, secret),
  ]);
  return { versions, current };
}
