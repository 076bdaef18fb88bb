import { type Issue, issue, StrongboxError } from "../../errors.js";
import { registerSecret } from "../../redact/registry.js";
import type { ReadContext } from "../provider.js";

/** What both AWS providers share: settings, credentials, error mapping. */

/**
 * The variables the AWS SDK's default credential chain reads that let a
 * process act as the identity: static keys, the container (ECS/EKS Pod
 * Identity) endpoint's token, web identity, and the shared files that hold
 * keys, SSO sessions or a `credential_process`. Scrubbed like Vault's.
 */
export const AWS_CREDENTIALS = [
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  // The name the oldest SDKs and boto still read for the session token.
  "AWS_SECURITY_TOKEN",
  "AWS_CONTAINER_AUTHORIZATION_TOKEN",
  "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
  // Whoever reaches the container endpoint (with its token, where one is set) gets the task's role.
  "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
  "AWS_CONTAINER_CREDENTIALS_FULL_URI",
  "AWS_WEB_IDENTITY_TOKEN_FILE",
  "AWS_SHARED_CREDENTIALS_FILE",
  "AWS_CONFIG_FILE",
];

/**
 * Where the AWS SDK finds credentials when no variable names them (`~` is
 * the home directory): the shared files, the SSO and CLI caches of
 * temporary credentials, and EKS's projected web identity token.
 */
export const AWS_CREDENTIAL_FILES = [
  "~/.aws/credentials",
  "~/.aws/config",
  "~/.aws/sso/cache",
  "~/.aws/cli/cache",
  "~/.aws/login/cache",
  "/var/run/secrets/eks.amazonaws.com",
  "/var/run/secrets/pods.eks.amazonaws.com",
];

/**
 * What the AWS providers' definitions share: allowed by default wherever
 * a remote secret manager is (not production, which is pure Vault mode unless
 * a config says otherwise), "unavailable" as the transient code, a pure mode
 * of their own, and the AWS credential variables.
 */
export const AWS_DEFINITION = {
  defaultIn: ["local", "ci", "pr-*", "staging", "*"],
  transient: ["E_PROVIDER_UNAVAILABLE"],
  pure: true,
  credentials: AWS_CREDENTIALS,
  credentialFiles: AWS_CREDENTIAL_FILES,
  connection: [
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_PROFILE",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_SECRETS_MANAGER",
    "AWS_ENDPOINT_URL_SSM",
  ],
} as const;

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
export function awsClientConfig(ctx: ReadContext, endpointVariable: string, words: string) {
  const settings = (ctx.config("aws") ?? {}) as AwsSettings;
  const options = awsClientOptions(settings, ctx.processEnv, endpointVariable);
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
 * environment Strongbox was given: the rule every AWS client follows, the
 * providers' and the library-made ones (`rewrap-data`'s KMS key service).
 */
export function awsClientOptions(
  settings: AwsSettings,
  env: Readonly<Record<string, string | undefined>>,
  endpointVariable: string,
): AwsClientOptions {
  const region = settings.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  const endpoint = settings.endpoint ?? env[endpointVariable] ?? env.AWS_ENDPOINT_URL;
  const keyId = env.AWS_ACCESS_KEY_ID;
  const secret = env.AWS_SECRET_ACCESS_KEY;
  // Credentials Strongbox reads are never printed, an echo in a service's error included.
  for (const credential of [secret, env.AWS_SESSION_TOKEN])
    if (credential) registerSecret("aws-credential", credential);
  return {
    ...(region === undefined ? {} : { region }),
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(keyId && secret
      ? {
          credentials: {
            accessKeyId: keyId,
            secretAccessKey: secret,
            ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
          },
        }
      : {}),
  };
}

/**
 * An SDK error as a typed, value-free error: the exception's name and what
 * was asked for, nothing the service said (its messages can echo input).
 */
export function awsError(error: unknown, name: string, words: string): StrongboxError {
  const kind = (error as { name?: string }).name ?? "Error";
  const code = (error as { code?: string }).code;
  const unavailable =
    /Throttl|TooManyRequests|Timeout|Abort|ServiceUnavailable|InternalService|InternalServerError/.test(
      kind,
    ) ||
    ["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "ETIMEDOUT", "EHOSTUNREACH"].includes(code ?? "");
  if (unavailable)
    return new StrongboxError(
      "E_PROVIDER_UNAVAILABLE",
      `${words} is unavailable for ${name} (${code ?? kind})`,
      {
        hint: "check AWS_REGION / the endpoint and the network; it was retried",
      },
    );
  return new StrongboxError("E_PROVIDER", `${words} refused ${name} (${kind})`, {
    hint: /AccessDenied|Unrecognized|InvalidSignature|ExpiredToken/.test(kind)
      ? "this identity may not read it: check the credentials and the IAM policy"
      : "check the name and its state",
  });
}

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

/** `items` in runs of at most `size`: the services cap how many names one call may take. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The error for `--expected-version` on an AWS source, which offers no check-and-set by number. */
export function noCheckAndSet(uri: string, why: string): StrongboxError {
  return new StrongboxError("E_REF", `${uri}: ${why}`, {
    hint: "write without --expected-version",
  });
}

/**
 * Runs one operation with `client` (made for this operation), under the
 * caller's deadline; an SDK error becomes a typed, value-free one, and the
 * client is destroyed after.
 */
export async function withAwsClient<C extends { destroy(): void }, T>(
  client: C,
  ctx: ReadContext,
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

/** Every page of a paged AWS call, following `NextToken` until there is none (moto ends with ""). */
export async function allPages<P extends { NextToken?: string | undefined }>(
  fetch: (token: { NextToken?: string }) => Promise<P>,
): Promise<P[]> {
  const pages: P[] = [];
  let token: string | undefined;
  do {
    const page = await fetch(token === undefined ? {} : { NextToken: token });
    pages.push(page);
    token = page.NextToken || undefined;
  } while (token !== undefined);
  return pages;
}

/** Where a library-made AWS client connects (`kmsKeys`, `awsSecretsRefs`); the SDK's defaults fill the rest. */
export interface AwsClientOptions {
  readonly region?: string;
  readonly endpoint?: string;
  readonly credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

/** The SDK client configuration of {@link AwsClientOptions}: only what was given. */
export function sdkClientOptions(options: AwsClientOptions) {
  return {
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
  };
}
