import { setMaxListeners } from "node:events";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { type Issue, issue, StrongboxError } from "../../errors.js";
import { registerSecret } from "../../redact/registry.js";
import type { Ref } from "../../refs/ref.js";
import { refError } from "../../refs/ref.js";
import { importModule } from "../../security/import-module.js";
import {
  defineProvider,
  type FullProvider,
  type ReadContext,
  type ReadResult,
  type RetireCapability,
} from "../provider.js";
import { splitPath, VERSION_ID } from "./naming.js";

const WORDS = "Azure Key Vault";
/** Gets in flight at once per read: Key Vault has no batch get, so a batch is concurrent gets. */
const CONCURRENCY = 16;

/** The config's `azure:` section. */
interface AzureSettings {
  /** Vault name → base URL, for private endpoints and local stand-ins. */
  readonly vaults?: Readonly<Record<string, string>>;
  /** The vault DNS suffix of a sovereign cloud (`vault.azure.cn`); default `vault.azure.net`. */
  readonly dnsSuffix?: string;
  /** A PEM file of extra CAs to trust (a private CA, a TLS-inspecting proxy), relative to the config. */
  readonly caFile?: string;
  /** Lets a `vaults:` URL be plain http (a local stand-in); pure mode then warns every run. */
  readonly allowInsecure?: boolean;
}

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
      if (!VERSION_ID.test(value))
        throw refError(context, "a Key Vault version is a 32-character hexadecimal id");
    }
  },
  async create(): Promise<FullProvider & RetireCapability> {
    const [secrets, identity] = await Promise.all([
      importModule<typeof import("@azure/keyvault-secrets")>("@azure/keyvault-secrets"),
      importModule<typeof import("@azure/identity")>("@azure/identity"),
    ]);
    type Client = InstanceType<typeof secrets.SecretClient>;

    /** One client per vault for one operation; they share one credential (one token). */
    const clientsFor = (ctx: ReadContext) => {
      const settings = (ctx.config("azure") ?? {}) as AzureSettings;
      const tls =
        settings.caFile === undefined
          ? {}
          : { tlsOptions: { ca: readCa(resolve(ctx.baseDir, settings.caFile)) } };
      const env = ctx.processEnv;
      const authorityHost = env.AZURE_AUTHORITY_HOST;
      // Credentials come from the environment Strongbox was given, like AWS's and
      // Vault's; DefaultAzureCredential (workload and managed identity, az login)
      // only when that environment names no service principal.
      // Credentials Strongbox reads are never printed, an echo in a service's error included.
      if (env.AZURE_CLIENT_SECRET) registerSecret("azure-credential", env.AZURE_CLIENT_SECRET);
      const credential =
        env.AZURE_TENANT_ID && env.AZURE_CLIENT_ID && env.AZURE_CLIENT_SECRET
          ? new identity.ClientSecretCredential(
              env.AZURE_TENANT_ID,
              env.AZURE_CLIENT_ID,
              env.AZURE_CLIENT_SECRET,
              {
                ...tls,
                ...(authorityHost ? { authorityHost, disableInstanceDiscovery: true } : {}),
              },
            )
          : new identity.DefaultAzureCredential(tls);
      const clients = new Map<string, Client>();
      return (vault: string): Client => {
        const existing = clients.get(vault);
        if (existing !== undefined) return existing;
        const override = settings.vaults?.[vault];
        const url = override ?? `https://${vault}.${settings.dnsSuffix ?? "vault.azure.net"}`;
        const insecure = !url.startsWith("https://");
        if (insecure && settings.allowInsecure !== true)
          throw new StrongboxError(
            "E_PROVIDER",
            `${WORDS} ${vault}: ${url} is not https://, so a token would travel in clear`,
            {
              hint: "use the vault's https URL; only for a local stand-in, set azure.allowInsecure: true",
            },
          );
        if (insecure && ctx.strictTransport === true)
          ctx.warn?.(`pure ${WORDS} mode runs with azure.allowInsecure: ${url} is not https://`);
        const client = new secrets.SecretClient(url, credential, {
          ...tls,
          ...(insecure ? { allowInsecureConnection: true } : {}),
          // The challenge check ties a token's audience to *.vault.azure.net hosts; a
          // URL the config names on purpose (private endpoint, stand-in) has another host.
          disableChallengeResourceVerification: override !== undefined,
          retryOptions: { maxRetries: 3, retryDelayInMs: 250, maxRetryDelayInMs: 4000 },
        });
        clients.set(vault, client);
        return client;
      };
    };

    /** Every version's properties (never values), oldest first; [] when the secret is not there. */
    const versionsOf = async (ctx: ReadContext, vault: string, secret: string) => {
      const found: Array<{
        version: string;
        createdOn?: Date;
        updatedOn?: Date;
        enabled?: boolean;
        tags?: Record<string, string>;
      }> = [];
      try {
        for await (const item of clientsFor(ctx)(vault).listPropertiesOfSecretVersions(secret, {
          ...(ctx.signal === undefined ? {} : { abortSignal: ctx.signal }),
        }))
          if (item.version !== undefined)
            found.push({
              version: item.version,
              ...(item.createdOn ? { createdOn: item.createdOn } : {}),
              ...(item.updatedOn ? { updatedOn: item.updatedOn } : {}),
              ...(item.enabled === undefined ? {} : { enabled: item.enabled }),
              ...(item.tags ? { tags: item.tags } : {}),
            });
      } catch (error) {
        if (statusOf(error) === 404) return [];
        throw azureError(error, `${secret} in ${WORDS} ${vault}`);
      }
      return found.sort((a, b) => (a.createdOn?.getTime() ?? 0) - (b.createdOn?.getTime() ?? 0));
    };
    /**
     * The id of the version a plain read returns. Key Vault keeps times to the
     * second and lists versions in no promised order, and it has no way to ask
     * for a version's properties without its value: so the current version is
     * read, its id kept, and its value dropped at once.
     */
    const currentVersion = async (ctx: ReadContext, vault: string, secret: string) => {
      try {
        const latest = await clientsFor(ctx)(vault).getSecret(secret, {
          ...(ctx.signal === undefined ? {} : { abortSignal: ctx.signal }),
        });
        return latest.properties.version;
      } catch (error) {
        if (statusOf(error) === 404 || innerCode(error) === "SecretDisabled") return undefined;
        throw azureError(error, `${secret} in ${WORDS} ${vault}`);
      }
    };
    return {
      scheme: "azure-kv",
      kind: "azure-kv",
      // Key Vault is flat: `under` is VAULT/ and an optional name prefix (mapped like a secret name).
      async list(under, ctx) {
        const [vault = "", prefix = ""] = under.split("/");
        splitPath(`${vault}/x`, under);
        const wanted = prefix === "" ? "" : prefix.replaceAll("_", "-").toLowerCase();
        const listed: Array<{ ref: string }> = [];
        try {
          for await (const item of clientsFor(ctx)(vault).listPropertiesOfSecrets({
            ...(ctx.signal === undefined ? {} : { abortSignal: ctx.signal }),
          }))
            if (item.name.toLowerCase().startsWith(wanted))
              listed.push({ ref: `azure-kv://${vault}/${item.name}` });
        } catch (error) {
          throw azureError(error, `the secrets of ${WORDS} ${vault}`);
        }
        return listed;
      },
      async history(ref, ctx) {
        const { vault, secret } = splitPath(ref.path, ref.path);
        const [versions, current] = await Promise.all([
          versionsOf(ctx, vault, secret),
          currentVersion(ctx, vault, secret),
        ]);
        return versions.map((version) => ({
          version: version.version,
          ...(version.createdOn ? { createdAt: version.createdOn.toISOString() } : {}),
          state: version.enabled === false ? ("disabled" as const) : ("live" as const),
          current: version.version === current,
        }));
      },
      // Key Vault cannot destroy one version: a retired version is disabled, so no read returns it.
      async retire(ref, versions, ctx) {
        const { vault, secret } = splitPath(ref.path, ref.path);
        const abort = ctx.signal === undefined ? {} : { abortSignal: ctx.signal };
        try {
          for (const version of versions)
            await clientsFor(ctx)(vault).updateSecretProperties(secret, String(version), {
              ...abort,
              enabled: false,
            });
        } catch (error) {
          throw azureError(error, `${secret} in ${WORDS} ${vault}`);
        }
      },
      // Soft delete (the vault's retention applies); destroy also purges, freeing the name.
      async remove(ref, ctx, options = {}) {
        const { vault, secret } = splitPath(ref.path, ref.path);
        const client = clientsFor(ctx)(vault);
        const abort = ctx.signal === undefined ? {} : { abortSignal: ctx.signal };
        try {
          const poller = await client.beginDeleteSecret(secret, { ...abort, intervalInMs: 250 });
          await poller.pollUntilDone();
          if (options.destroy === true) await client.purgeDeletedSecret(secret, abort);
        } catch (error) {
          throw azureError(error, `${secret} in ${WORDS} ${vault}`);
        }
      },
      async metadata(ref, ctx) {
        const { vault, secret } = splitPath(ref.path, ref.path);
        const [versions, current] = await Promise.all([
          versionsOf(ctx, vault, secret),
          currentVersion(ctx, vault, secret),
        ]);
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
        const client = clientsFor(ctx);
        const abort = ctx.signal === undefined ? {} : { abortSignal: manyListeners(ctx.signal) };
        // One get per distinct (vault, secret, version), whatever the number of refs.
        const wanted = new Map<string, { vault: string; secret: string; version?: string }>();
        const keyOf = (ref: Ref) => {
          const { vault, secret } = splitPath(ref.path, ref.path);
          const version = ref.params.version;
          const key = `${vault.toLowerCase()}/${secret}/${version ?? ""}`;
          wanted.set(key, version === undefined ? { vault, secret } : { vault, secret, version });
          return key;
        };
        const keys = new Map(refs.map((ref) => [ref, keyOf(ref)] as const));
        const outcomes = new Map<string, ReadResult>();
        await inParallel([...wanted], CONCURRENCY, async ([key, { vault, secret, version }]) => {
          const where = `${secret} in ${WORDS} ${vault}${version === undefined ? "" : ` (version ${version})`}`;
          try {
            const found = await throttled(
              () => client(vault).getSecret(secret, { ...abort, ...(version ? { version } : {}) }),
              ctx.signal,
            );
            outcomes.set(key, { status: "found", fetched: { value: found.value ?? "" } });
          } catch (error) {
            if (statusOf(error) !== 404) {
              outcomes.set(key, { status: "error", error: azureError(error, where) });
              return;
            }
            const deleted =
              version === undefined ? await deletedOn(client(vault), secret) : undefined;
            outcomes.set(
              key,
              deleted === undefined
                ? {
                    status: "absent",
                    detail: `no secret ${where}`,
                    hint: `create it with \`strongbox set NAME --to azure-kv://${vault}/${secret}\``,
                  }
                : {
                    status: "error",
                    error: new StrongboxError(
                      "E_PROVIDER",
                      `the secret ${where} was deleted${deleted}; it can be recovered until it is purged`,
                      {
                        hint: `recover it (\`az keyvault secret recover --vault-name ${vault} --name ${secret}\`) or point the variable at another secret`,
                      },
                    ),
                  },
            );
          }
        });
        return new Map(
          refs.map((ref) => [ref, outcomes.get(keys.get(ref) as string) as ReadResult]),
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
        const { vault, secret } = splitPath(ref.path, uri);
        const abort = ctx.signal === undefined ? {} : { abortSignal: ctx.signal };
        try {
          await throttled(() => clientsFor(ctx)(vault).setSecret(secret, value, abort), ctx.signal);
        } catch (error) {
          throw azureError(error, `${secret} in ${WORDS} ${vault}`);
        }
        return {};
      },
    };
  },
});

/** When a missing secret is soft-deleted: " on DATE", or undefined (not deleted, or not ours to see). */
async function deletedOn(
  client: { getDeletedSecret(name: string): Promise<{ properties: { deletedOn?: Date } }> },
  secret: string,
): Promise<string | undefined> {
  try {
    const deleted = await client.getDeletedSecret(secret);
    const on = deleted.properties.deletedOn;
    return on === undefined ? "" : ` on ${on.toISOString().slice(0, 10)}`;
  } catch {
    return undefined;
  }
}

/**
 * The caller's deadline as a signal of our own that many concurrent requests
 * may listen to (Node warns on the caller's past ten listeners, and that
 * warning would reach the user's terminal).
 */
function manyListeners(signal: AbortSignal): AbortSignal {
  const ours = AbortSignal.any([signal]);
  setMaxListeners(0, ours);
  return ours;
}

function statusOf(error: unknown): number | undefined {
  return (error as { statusCode?: number }).statusCode;
}

/**
 * Retries a 429 the SDK gave up on: it retries only when the answer carries
 * Retry-After, and Key Vault does not promise one. Backs off 0.25, 0.5, 1 s
 * (jittered); the caller's deadline still applies.
 */
async function throttled<T>(call: () => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (statusOf(error) !== 429 || attempt >= 3 || signal?.aborted === true) throw error;
      const delay = 250 * 2 ** attempt * (0.5 + Math.random() / 2);
      await new Promise((done) => setTimeout(done, delay));
    }
  }
}

/**
 * An SDK error as a typed, value-free error: its status and Key Vault's
 * error code, never the service's message (messages can echo input).
 */
function azureError(error: unknown, where: string): StrongboxError {
  if (error instanceof StrongboxError) return error;
  const name = (error as { name?: string }).name ?? "Error";
  const status = statusOf(error);
  const code = (error as { code?: string }).code;
  const inner = innerCode(error);
  const transport = ["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "ETIMEDOUT", "EHOSTUNREACH"];
  if (
    name === "AbortError" ||
    status === 408 ||
    status === 429 ||
    (status !== undefined && status >= 500) ||
    transport.includes(code ?? "")
  )
    return new StrongboxError(
      "E_PROVIDER_UNAVAILABLE",
      `${WORDS} is unavailable for ${where} (${status ?? code ?? name})`,
      { hint: "check the vault URL and the network; it was retried" },
    );
  if (/Credential|Authentication/.test(name))
    return new StrongboxError("E_PROVIDER", `no Azure token for ${where} (${name})`, {
      hint: "set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET, or use a managed/workload identity or `az login`",
    });
  if (inner === "SecretDisabled")
    return new StrongboxError("E_PROVIDER", `the secret ${where} is disabled`, {
      hint: "enable it, or point the variable at an enabled version",
    });
  if (inner === "ObjectIsDeletedButRecoverable")
    return new StrongboxError(
      "E_PROVIDER",
      `the secret ${where} is soft-deleted, so its name cannot be reused until it is recovered or purged`,
      { hint: "recover it (`az keyvault secret recover`) or purge it, then write again" },
    );
  return new StrongboxError(
    "E_PROVIDER",
    `${WORDS} refused ${where} (${status ?? name}${code === undefined ? "" : ` ${code}`})`,
    {
      hint:
        status === 401 || status === 403
          ? "this identity may not read it: grant the Key Vault Secrets User role (or an access policy) and check the firewall"
          : "check the name and the secret's state",
    },
  );
}

function innerCode(error: unknown): string | undefined {
  // The SDK parses the body into `details` and camel-cases `innererror` on the way.
  type Body = { error?: { innererror?: { code?: string }; innerError?: { code?: string } } };
  const details = (error as { details?: Body }).details?.error;
  return details?.innerError?.code ?? details?.innererror?.code;
}

function readCa(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    throw new StrongboxError("E_PROVIDER", `azure.caFile: cannot read ${path}`, {
      hint: "give a PEM file of CA certificates, relative to the config file",
    });
  }
}

/**
 * Runs `work` over `items`, at most `limit` at a time, the first one alone:
 * a new client's first request meets Key Vault's bearer challenge, and
 * requests sent before the token is cached would each meet it again.
 */
async function inParallel<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  if (items.length === 0) return;
  await work(items[0] as T);
  let next = 1;
  const worker = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Checks the config's `azure:` section. */
function validateAzureConfig(value: unknown): Issue[] {
  if (value === undefined) return [];
  if (typeof value !== "object" || value === null)
    return [
      issue("E_SCHEMA", "azure: must be a mapping (vaults, dnsSuffix, caFile, allowInsecure)"),
    ];
  const kinds: Readonly<Record<string, string>> = {
    vaults: "object",
    dnsSuffix: "string",
    caFile: "string",
    allowInsecure: "boolean",
  };
  return Object.entries(value as Record<string, unknown>).flatMap(([key, field]) => {
    if (kinds[key] === undefined)
      return [
        issue("E_SCHEMA", `azure.${key}: unknown field`, {
          hint: `known: ${Object.keys(kinds).join(", ")}`,
        }),
      ];
    if (typeof field !== kinds[key] || field === null)
      return [
        issue(
          "E_SCHEMA",
          `azure.${key}: must be a ${kinds[key] === "object" ? "mapping" : kinds[key]}`,
        ),
      ];
    if (key !== "vaults") return [];
    return Object.entries(field as Record<string, unknown>).flatMap(([vault, url]) =>
      typeof url === "string" && /^https?:\/\/[^/]+\/?$/.test(url)
        ? []
        : [
            issue(
              "E_SCHEMA",
              `azure.vaults.${vault}: must be a base URL such as https://${vault}.vault.azure.net`,
            ),
          ],
    );
  });
}
