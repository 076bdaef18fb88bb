import { type Issue, issue, StrongboxError } from "../errors.js";
import { registerSecret } from "../redact/registry.js";
import { awsError } from "./errors.js";
import { ownAwsVariables, refuseUncheckedAwsTls, resolveAwsKeys } from "./keys.js";

/**
 * How every AWS client Strongbox makes is configured: the config's `aws:`
 * section, region, endpoint and credentials from the environment Strongbox
 * was given, pure mode's transport rule, and one operation per client.
 */

/** What an AWS client needs of a provider's read context (a `ReadContext` is one). */
export interface AwsContext {
  readonly processEnv: Readonly<Record<string, string | undefined>>;
  readonly config: (key: string) => unknown;
  readonly strictTransport?: boolean;
  readonly warn?: (message: string) => void;
  readonly signal?: AbortSignal;
  /** The environment's credential scope (a `ReadContext`'s `credentials`); absent, ambient. */
  readonly credentials?: AwsScope;
}

/** Whether an environment's own (prefixed) credentials are in force, and where a variable came from. */
export interface AwsScope {
  readonly ambient: boolean;
  origin(name: string): string;
}

/** The config's `aws:` section, shared by aws-sm:// and aws-ssm://. */
export interface AwsSettings {
  readonly region?: string;
  readonly endpoint?: string;
  /** Lets pure mode use a plain-http endpoint (a local stand-in); every run then warns. */
  readonly allowInsecure?: boolean;
}

/**
 * A client configuration from the environment Strongbox was given (never
 * this process's own, which a caller may not mean to use) and the config's
 * `aws:` section; without credentials in it, the SDK's usual chain applies.
 * Pure mode refuses a plain-http endpoint unless `aws.allowInsecure`.
 */
export function awsClientConfig(ctx: AwsContext, endpointVariable: string, words: string) {
  const settings = (ctx.config("aws") ?? {}) as AwsSettings;
  const options = awsClientOptions(settings, ctx.processEnv, endpointVariable, ctx.credentials);
  const endpoint = options.endpoint;
  const insecure = endpoint !== undefined && !endpoint.startsWith("https://");
  if (ctx.strictTransport === true && insecure && settings.allowInsecure === true)
    ctx.warn?.(
      `pure ${words} mode runs with aws.allowInsecure: the endpoint ${endpoint} is not https://`,
    );
  else if (ctx.strictTransport === true && insecure)
    throw new StrongboxError(
      "E_PROVIDER",
      `pure mode refuses an insecure connection: the AWS endpoint ${endpoint} is not https://`,
      {
        hint: "use the service's https endpoint; only for a local stand-in, set aws.allowInsecure: true",
      },
    );
  return { ...sdkClientOptions(options), maxAttempts: 4 };
}

/**
 * Region, endpoint and credentials from the config's `aws:` section and the
 * environment Strongbox was given (only its prefixed `AWS_*` once its own
 * credentials are in force): the rule every AWS client follows, the
 * providers' and the library-made ones (`rewrap-data`'s KMS key service).
 * Credentials always come from {@link awsCredentials}, never the SDK's own
 * chain over this process's variables.
 */
export function awsClientOptions(
  settings: AwsSettings,
  given: Readonly<Record<string, string | undefined>>,
  endpointVariable: string,
  scope: AwsScope = { ambient: true, origin: (name) => name },
): AwsClientOptions {
  const env = ownAwsVariables(given, scope);
  const own = settings.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  // Left out, the SDK takes the region (and FIPS or dual-stack hosts) from this process's plain
  // variables or ~/.aws/config: for an environment whose own credentials are in force, someone else's.
  const region = own ?? (scope.ambient ? undefined : "us-east-1");
  const endpoint = settings.endpoint ?? env[endpointVariable] ?? env.AWS_ENDPOINT_URL;
  return {
    ...(region === undefined ? {} : { region }),
    ...(endpoint === undefined ? {} : { endpoint }),
    credentials: awsCredentials(env, region, scope),
    // The endpoint is the one resolved (and checked) above, never one the SDK finds in
    // ~/.aws/config by itself: that one would pass no transport rule.
    ignoreConfiguredEndpointUrls: true,
    ...(scope.ambient
      ? {}
      : {
          useFipsEndpoint: env.AWS_USE_FIPS_ENDPOINT === "true",
          useDualstackEndpoint: env.AWS_USE_DUALSTACK_ENDPOINT === "true",
        }),
  };
}

/** Temporary keys are fetched again this long before they expire. */
const REFRESH_MS = 5 * 60_000;

/**
 * The credential provider of every AWS client Strongbox builds: the one
 * resolver (`resolveAwsKeys`: static keys, web identity exchanged only at the
 * environment's STS endpoint, the SDK's chain only when ambient) over the
 * environment given, asked once and again when temporary keys near expiry.
 */
export function awsCredentials(
  env: Readonly<Record<string, string | undefined>>,
  region: string | undefined,
  scope: AwsScope,
): AwsCredentialProvider {
  let held: Promise<AwsKeysHeld> | undefined;
  return async () => {
    const keys = await held;
    const stale = keys?.expiration && keys.expiration.getTime() - Date.now() < REFRESH_MS;
    if (held === undefined || stale) {
      held = resolveAwsKeys(env, {
        region: region ?? "us-east-1",
        origin: scope.origin,
        ambient: scope.ambient,
        purpose: { words: "the AWS client", code: "E_PROVIDER" },
      }).then((resolved) => resolved.keys as AwsKeysHeld);
      // A failure is not kept: the next request asks again.
      held.catch(() => {
        held = undefined;
      });
    }
    return held;
  };
}

/** Keys as the SDK hands them over: temporary ones carry their expiry. */
interface AwsKeysHeld {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

/** What an SDK client calls for its keys. */
export type AwsCredentialProvider = () => Promise<AwsKeysHeld>;

/** Checks the config's `aws:` section. */
export function validateAwsConfig(value: unknown): Issue[] {
  if (value === undefined) return [];
  if (typeof value !== "object" || value === null)
    return [issue("E_SCHEMA", "aws: must be a mapping (region, endpoint, allowInsecure)")];
  const kinds: Readonly<Record<string, string>> = {
    region: "string",
    endpoint: "string",
    allowInsecure: "boolean",
  };
  return Object.entries(value as Record<string, unknown>).flatMap(([key, field]) =>
    kinds[key] === undefined
      ? [
          issue("E_SCHEMA", `aws.${key}: unknown field`, {
            hint: "known: region, endpoint, allowInsecure",
          }),
        ]
      : typeof field !== kinds[key]
        ? [issue("E_SCHEMA", `aws.${key}: must be a ${kinds[key]}`)]
        : [],
  );
}

/**
 * Runs one operation with `client` (made for this operation), under the
 * caller's deadline; an SDK error becomes a typed, value-free one, and the
 * client is destroyed after.
 */
export async function withAwsClient<C extends { destroy(): void }, T>(
  client: C,
  ctx: AwsContext,
  what: string,
  words: string,
  work: (client: C, options: { abortSignal?: AbortSignal }) => Promise<T>,
): Promise<T> {
  try {
    return await work(client, ctx.signal === undefined ? {} : { abortSignal: ctx.signal });
  } catch (error) {
    if (error instanceof StrongboxError) throw error;
    throw awsError(error, what, words);
  } finally {
    client.destroy();
  }
}

/**
 * Where a library-made AWS client connects (`kmsKeys`, `awsSecretsRefs`);
 * without `credentials`, {@link awsCredentials} over this process's
 * environment (ambient), never the SDK's own chain.
 */
export interface AwsClientOptions {
  readonly region?: string;
  readonly endpoint?: string;
  readonly credentials?:
    | { accessKeyId: string; secretAccessKey: string; sessionToken?: string }
    | AwsCredentialProvider;
  /** Always set by awsClientOptions: no endpoint the SDK finds by itself in the process's variables or files. */
  readonly ignoreConfiguredEndpointUrls?: boolean;
  /** Set, with the next, for such an environment: FIPS or dual-stack hosts only when it asks for them itself. */
  readonly useFipsEndpoint?: boolean;
  readonly useDualstackEndpoint?: boolean;
}

/** The SDK client configuration of {@link AwsClientOptions}: region and endpoint as given, credentials always ours. */
export function sdkClientOptions(options: AwsClientOptions) {
  // Every request of an AWS client is signed, most carry a session token: https only with checks on.
  if (options.endpoint === undefined || !/^http:\/\//i.test(options.endpoint))
    refuseUncheckedAwsTls("an AWS client", {
      purpose: { words: "an AWS client", code: "E_PROVIDER" },
    });
  const credentials =
    options.credentials ??
    awsCredentials(process.env, options.region ?? process.env.AWS_REGION, {
      ambient: true,
      origin: (name) => name,
    });
  if (typeof credentials !== "function")
    // Credentials Strongbox is handed are never printed, an echo in a service's error included.
    for (const secret of [credentials.secretAccessKey, credentials.sessionToken])
      if (secret) registerSecret("aws-credential", secret);
  return {
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.ignoreConfiguredEndpointUrls === true
      ? { ignoreConfiguredEndpointUrls: true }
      : {}),
    ...(options.useFipsEndpoint === undefined ? {} : { useFipsEndpoint: options.useFipsEndpoint }),
    ...(options.useDualstackEndpoint === undefined
      ? {}
      : { useDualstackEndpoint: options.useDualstackEndpoint }),
    credentials,
  };
}
