import { StrongboxError } from "../errors.js";
import { unsafeIdentityUrl } from "../security/transport.js";

/**
 * The login roles `vault setup --method` writes besides AppRole: one role of
 * the method per app grant, named as the grant and carrying exactly its one
 * policy. Each method's binding is REQUIRED here (an audience and a claim for
 * JWT, a service account and a namespace for Kubernetes, a CA for cert): a
 * role without one would let every token the issuer, the cluster or any CA
 * Vault trusts signs log in as the app.
 */

/** GitHub Actions and other OIDC issuers: who may log in is what the token's claims say. */
export interface JwtBinding {
  readonly method: "jwt";
  /** `aud` values the token must carry (at least one). */
  readonly audiences: readonly string[];
  /** Claims the token must carry exactly (`sub`, `repository`, `ref`…); at least one. */
  readonly boundClaims: Readonly<Record<string, string>>;
  /** The claim that names the login's identity (default `sub`). */
  readonly userClaim?: string | undefined;
  /** Configure the mount to trust this issuer (left as it is when absent). */
  readonly issuer?:
    | {
        readonly discoveryUrl?: string | undefined;
        /** PEM public keys the tokens are signed with (instead of discovery). */
        readonly publicKeys?: readonly string[] | undefined;
        readonly boundIssuer?: string | undefined;
      }
    | undefined;
}

/** A pod's projected service-account token, checked by Kubernetes' TokenReview. */
export interface KubernetesBinding {
  readonly method: "kubernetes";
  readonly serviceAccounts: readonly string[];
  readonly namespaces: readonly string[];
}

/** A TLS client certificate that chains to `certificate` (a CA or the certificate itself). */
export interface CertBinding {
  readonly method: "cert";
  /** PEM text of one or more certificates; never a private key. */
  readonly certificate: string;
}

/** AWS IAM principals (users or roles) proven by a signed `sts:GetCallerIdentity`. */
export interface AwsBinding {
  readonly method: "aws";
  /** Full ARNs of the IAM users or roles that may log in (at least one; no wildcards). */
  readonly principalArns: readonly string[];
  /** Configure the mount's client to verify logins at this STS endpoint (left as it is when absent). */
  readonly stsEndpoint?: string | undefined;
  /** The region the STS endpoint signs for (with `stsEndpoint`). */
  readonly stsRegion?: string | undefined;
}

export type LoginBinding = (JwtBinding | KubernetesBinding | CertBinding | AwsBinding) & {
  /** The auth mount's path (default the method's name). */
  readonly mount?: string | undefined;
  readonly tokenTtl?: string | undefined;
  readonly tokenMaxTtl?: string | undefined;
};

/** A login role to write for one grant: where, with what, and what Vault reads back when it holds exactly that. */
export interface LoginRole {
  readonly method: LoginBinding["method"];
  readonly mount: string;
  /** Request path of the role, its name one encoded segment. */
  readonly path: string;
  readonly body: Readonly<Record<string, unknown>>;
  /** Mount configuration to write first (JWT issuer), when asked. */
  readonly config?: { readonly path: string; readonly body: Readonly<Record<string, unknown>> };
}

/** The names `--method` takes. */
export const SETUP_METHODS = ["approle", "jwt", "kubernetes", "cert", "aws"] as const;
export type SetupMethod = (typeof SETUP_METHODS)[number];

/**
 * Settings whose value on a fresh role is not empty, per method: a role read
 * back holding anything but setup's body, these, and empty values (null,
 * "", 0, false, [], {}) was changed by someone, and is written again from
 * scratch (see setup-login-apply.ts).
 */
export const FRESH_DEFAULTS: Readonly<Record<LoginRole["method"], Record<string, unknown>>> = {
  jwt: { callback_mode: "client" },
  kubernetes: { alias_name_source: "serviceaccount_uid" },
  cert: {},
  aws: { resolve_aws_unique_ids: true },
};

/**
 * Fields Vault fills in itself on a role, per method, that setup neither
 * writes nor compares: the aws role's generated `role_id` and the unique IDs
 * it resolves the bound ARNs to (they follow from the ARNs setup compares).
 */
export const GENERATED: Readonly<Record<LoginRole["method"], readonly string[]>> = {
  jwt: [],
  kubernetes: [],
  cert: [],
  aws: ["role_id", "bound_iam_principal_id"],
};

/**
 * Where each method's mount keeps the settings that name a URL Vault calls to
 * decide who logged in (`unsafeIdentityUrl` judges each, whether setup writes
 * it or finds it there): the AWS STS, IAM and EC2 endpoints, the OIDC
 * issuer's discovery and key URLs, the Kubernetes API server that reviews
 * tokens (`list[].name`: that name in each map of a list). Plain http to
 * loopback is accepted only while the Vault setup talks to is on loopback
 * (the URL is Vault's to call). `replaces`: a write of the config replaces it whole (jwt), rather
 * than changing only the fields sent (aws). The cert method calls nothing.
 */
export const MOUNT_URLS: Readonly<
  Record<
    LoginRole["method"],
    | { readonly path: string; readonly fields: readonly string[]; readonly replaces: boolean }
    | undefined
  >
> = {
  // jwks_pairs: Vault 1.16+ (OpenBao 2.x names it in an error only): each pair's jwks_url.
  jwt: {
    path: "config",
    fields: ["oidc_discovery_url", "jwks_url", "jwks_pairs[].jwks_url"],
    replaces: true,
  },
  kubernetes: { path: "config", fields: ["kubernetes_host"], replaces: true },
  cert: undefined,
  aws: {
    path: "config/client",
    fields: ["sts_endpoint", "iam_endpoint", "endpoint"],
    replaces: false,
  },
};

/**
 * The claims that name who a CI job or workload is on their own: its
 * repository or project, or its own top-level workflow. A role bound only by
 * claims every job may carry (`ref`, `environment`, `runner_environment`,
 * `event_name`) lets any job of any repository the issuer signs for (and that
 * can choose the audience) log in. GitHub Actions: `sub`, `repository`,
 * `repository_id`, `workflow_ref` (the caller's own workflow file, its
 * repository in the path); GitLab CI: `project_path`, `project_id`. Claim
 * names are matched exactly, as Vault matches them.
 */
export const IDENTIFYING_CLAIMS = [
  "sub",
  "repository",
  "repository_id",
  "workflow_ref",
  "project_path",
  "project_id",
] as const;

/**
 * Claims that name a shared thing, not the caller: GitHub's
 * `job_workflow_ref` is the reusable workflow a job runs (every repository
 * that calls it carries the same value; a public one, any repository);
 * GitLab's `ci_config_ref_uri` is the CI file, which other projects may use
 * as theirs. Each counts as identifying only beside one of the claims listed
 * for it, which name the caller or its owner.
 */
export const SHARED_CLAIMS: Readonly<Record<string, readonly string[]>> = {
  job_workflow_ref: [
    "sub",
    "repository",
    "repository_id",
    "repository_owner",
    "repository_owner_id",
  ],
  ci_config_ref_uri: ["sub", "project_path", "project_id", "namespace_path", "namespace_id"],
};

/** Whether bound claims `names` say who may log in: one identifying claim, or a shared one with its caller claim. */
export function bindsSomeone(names: readonly string[]): boolean {
  const bound = new Set(names);
  return names.some(
    (name) =>
      (IDENTIFYING_CLAIMS as readonly string[]).includes(name) ||
      (Object.hasOwn(SHARED_CLAIMS, name) && (SHARED_CLAIMS[name] ?? []).some((c) => bound.has(c))),
  );
}

/** Vault's `bao auth` mount name: lower-case letters, digits, `-` and `_`, as a path. */
const MOUNT = /^[a-z0-9][a-z0-9_-]*(?:\/[a-z0-9][a-z0-9_-]*)*$/;

/** The role `binding` asks for, for the grant `name` (its policy of the same name). */
export function loginRole(name: string, binding: LoginBinding): LoginRole {
  const mount = binding.mount ?? binding.method;
  if (!MOUNT.test(mount))
    throw usage(`the auth mount ${JSON.stringify(mount)} is not a mount path`, "e.g. --mount jwt");
  const token = {
    token_policies: [name],
    token_ttl: seconds(binding.tokenTtl ?? "15m", "--token-ttl"),
    token_max_ttl: seconds(binding.tokenMaxTtl ?? "1h", "--token-max-ttl"),
    token_type: "service",
  };
  if (token.token_ttl > token.token_max_ttl || token.token_max_ttl === 0)
    throw usage(
      "--token-max-ttl must be at least --token-ttl, and not 0 (0 is the mount's maximum)",
      "e.g. --token-ttl 15m --token-max-ttl 1h",
    );
  const role = encodeURIComponent(name);
  switch (binding.method) {
    case "jwt":
      return {
        ...jwtRole(binding, mount),
        path: `auth/${mount}/role/${role}`,
        body: { ...jwtBody(binding), ...token },
      };
    case "kubernetes":
      return {
        method: "kubernetes",
        mount,
        path: `auth/${mount}/role/${role}`,
        body: { ...kubernetesBody(binding), ...token },
      };
    case "cert":
      return {
        method: "cert",
        mount,
        path: `auth/${mount}/certs/${role}`,
        body: { certificate: certificateText(binding.certificate), display_name: name, ...token },
      };
    case "aws":
      return {
        method: "aws",
        mount,
        path: `auth/${mount}/role/${role}`,
        body: { ...awsBody(binding), ...token },
        ...awsConfig(binding, mount),
      };
  }
}

/**
 * An IAM user's or role's full ARN (a path allowed), nothing Vault would
 * read as a pattern: `*` in an ARN, or a bare account, lets every
 * principal it matches log in as the app.
 */
const PRINCIPAL_ARN = /^arn:aws[a-z-]*:iam::\d{12}:(?:user|role)\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]+$/;

function awsBody(binding: AwsBinding): Record<string, unknown> {
  if (binding.principalArns.length === 0)
    throw usage(
      "an AWS role needs --bound-iam-principal-arn",
      "without it any AWS principal Vault can verify logs in: e.g. --bound-iam-principal-arn arn:aws:iam::123456789012:role/shop-prod",
    );
  for (const arn of binding.principalArns)
    if (!PRINCIPAL_ARN.test(arn))
      throw usage(
        `--bound-iam-principal-arn ${JSON.stringify(arn)} is not one IAM user's or role's ARN`,
        "give the full ARN (arn:aws:iam::ACCOUNT:role/NAME or :user/NAME); * and patterns match other principals",
      );
  return {
    auth_type: "iam",
    bound_iam_principal_arn: [...binding.principalArns],
    // Vault's default, written so a role someone switched off is put back: a principal deleted and re-created under the same name does not inherit the binding.
    resolve_aws_unique_ids: true,
  };
}

function awsConfig(binding: AwsBinding, mount: string): Pick<LoginRole, "config"> {
  const { stsEndpoint, stsRegion } = binding;
  if (stsEndpoint === undefined) {
    if (stsRegion !== undefined)
      throw usage("--aws-sts-region goes with --aws-sts-endpoint", "give both, or neither");
    return {};
  }
  // Vault believes what this endpoint answers about who signed: over plain http to another host anyone on the way could answer.
  const why = unsafeIdentityUrl(stsEndpoint);
  if (why !== undefined)
    throw usage(
      `the STS endpoint --aws-sts-endpoint ${why}`,
      "Vault trusts the identity the endpoint answers with: e.g. --aws-sts-endpoint https://sts.eu-west-1.amazonaws.com (plain http only to this machine)",
    );
  const body: Record<string, unknown> = { sts_endpoint: stsEndpoint };
  if (stsRegion !== undefined) body.sts_region = stsRegion;
  return { config: { path: `auth/${mount}/config/client`, body } };
}

function jwtRole(
  binding: JwtBinding,
  mount: string,
): Pick<LoginRole, "method" | "mount" | "config"> {
  const issuer = binding.issuer;
  if (issuer === undefined) return { method: "jwt", mount };
  const keys = issuer.publicKeys ?? [];
  if ((issuer.discoveryUrl === undefined) === (keys.length === 0))
    throw usage(
      "give the issuer's discovery URL or its public keys, not both",
      "--jwt-discovery-url https://token.actions.githubusercontent.com, or --jwt-pubkey FILE",
    );
  const why =
    issuer.discoveryUrl === undefined ? undefined : unsafeIdentityUrl(issuer.discoveryUrl);
  if (why !== undefined)
    throw usage(
      `the discovery URL --jwt-discovery-url ${why}`,
      "Vault fetches the issuer's keys from it: over plain http anyone on the way could swap them",
    );
  for (const key of keys) pemOnly(key, ["PUBLIC KEY", "CERTIFICATE"], "--jwt-pubkey");
  const body: Record<string, unknown> =
    issuer.discoveryUrl === undefined
      ? { jwt_validation_pubkeys: keys }
      : { oidc_discovery_url: issuer.discoveryUrl };
  if (issuer.boundIssuer !== undefined) body.bound_issuer = issuer.boundIssuer;
  return { method: "jwt", mount, config: { path: `auth/${mount}/config`, body } };
}

function jwtBody(binding: JwtBinding): Record<string, unknown> {
  const claims = Object.entries(binding.boundClaims);
  if (binding.audiences.length === 0 || claims.length === 0)
    throw usage(
      "a JWT role needs --audience and at least one --bound-claim",
      "without them any token the issuer signs (any repository's job) logs in: e.g. --audience https://github.com/ORG --bound-claim sub=repo:ORG/APP:ref:refs/heads/main",
    );
  // Vault reads an empty audience list as "any audience"; a blank one binds nothing either.
  if (binding.audiences.some((audience) => audience.trim() === ""))
    throw usage("--audience must not be blank", "e.g. --audience https://github.com/ORG");
  for (const [claim, value] of claims)
    if (claim === "" || value === "")
      throw usage(
        `--bound-claim ${claim}=${value} binds nothing`,
        "give CLAIM=VALUE, both non-empty",
      );
  if (!bindsSomeone(claims.map(([claim]) => claim)))
    throw usage(
      `the bound claims ${claims.map(([claim]) => claim).join(", ")} identify no repository, project or workflow: every job the issuer signs for may carry them (job_workflow_ref and ci_config_ref_uri name a shared workflow or CI file, not its caller)`,
      `bind one of ${IDENTIFYING_CLAIMS.join(", ")} too (job_workflow_ref counts beside repository_owner or repository_owner_id; ci_config_ref_uri beside namespace_path or namespace_id): e.g. --bound-claim sub=repo:ORG/APP:ref:refs/heads/main`,
    );
  return {
    role_type: "jwt",
    user_claim: binding.userClaim ?? "sub",
    bound_audiences: [...binding.audiences],
    bound_claims: Object.fromEntries(claims),
    // Exact values: `*` in a claim is a character, never a glob.
    bound_claims_type: "string",
  };
}

function kubernetesBody(binding: KubernetesBinding): Record<string, unknown> {
  const lists = [binding.serviceAccounts, binding.namespaces];
  if (lists.some((list) => list.length === 0))
    throw usage(
      "a Kubernetes role needs --bound-service-account and --namespace",
      "e.g. --bound-service-account shop --namespace shop-prod",
    );
  // Vault reads `*` in either list as "any", and a glob in a name as a pattern.
  if (lists.some((list) => list.some((name) => name === "" || /[*?]/.test(name))))
    throw usage(
      "--bound-service-account and --namespace take names, not * or patterns",
      "name the one service account and namespace the app runs as",
    );
  return {
    bound_service_account_names: [...binding.serviceAccounts],
    bound_service_account_namespaces: [...binding.namespaces],
  };
}

function certificateText(text: string): string {
  return pemOnly(text, ["CERTIFICATE"], "--certificate");
}

/**
 * `text` when it is PEM blocks of the `allowed` kinds only; `E_USAGE`
 * otherwise. Setup sends what an operator points it at to Vault, which
 * keeps it and shows it to anyone who may read the role: a private key
 * given by mistake (alone or beside the certificate) must never leave.
 */
function pemOnly(text: string, allowed: readonly string[], option: string): string {
  const blocks = [...text.matchAll(/-----BEGIN ([^-\n]*)-----/g)].map((match) => match[1]);
  if (blocks.length === 0 || blocks.some((kind) => !allowed.includes(kind as string)))
    throw usage(
      `${option} must hold ${allowed.join(" or ")} PEM blocks only`,
      "never give a private key: Vault keeps what it is sent, and shows it with the role",
    );
  return text;
}

/** A duration as setup writes it (`90s`, `15m`, `1h`, or seconds), in seconds as Vault reads it back. */
function seconds(text: string, option: string): number {
  const match = /^(\d{1,6})([smh]?)$/.exec(text);
  if (match === null)
    throw usage(`${option} ${JSON.stringify(text)} is not a duration`, "e.g. 90s, 15m, 1h");
  return Number(match[1]) * ({ "": 1, s: 1, m: 60, h: 3600 }[match[2] as string] ?? 1);
}

function usage(message: string, hint: string): StrongboxError {
  return new StrongboxError("E_USAGE", `vault setup: ${message}`, { hint });
}
