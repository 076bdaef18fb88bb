import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { type LoginBinding, SETUP_METHODS, type SetupMethod } from "../api/vault.js";
import { StrongboxError } from "../errors.js";
import { type Invocation, listOption, stringOption } from "./command.js";

/** The options `vault setup --method` reads, for the command's option table. */
export const LOGIN_OPTIONS = {
  method: { type: "string" },
  component: { type: "string" },
  mount: { type: "string" },
  audience: { type: "string", multiple: true },
  "bound-claim": { type: "string", multiple: true },
  "user-claim": { type: "string" },
  "jwt-discovery-url": { type: "string" },
  "jwt-pubkey": { type: "string", multiple: true },
  "bound-issuer": { type: "string" },
  "bound-service-account": { type: "string", multiple: true },
  namespace: { type: "string", multiple: true },
  certificate: { type: "string" },
  "bound-iam-principal-arn": { type: "string", multiple: true },
  "aws-sts-endpoint": { type: "string" },
  "aws-sts-region": { type: "string" },
  "token-ttl": { type: "string" },
  "token-max-ttl": { type: "string" },
} as const;

/** Which options belong to which method: one given with another method is a mistake, not ignored. */
const METHOD_OPTIONS: Readonly<Record<SetupMethod, readonly string[]>> = {
  approle: [],
  jwt: ["audience", "bound-claim", "user-claim", "jwt-discovery-url", "jwt-pubkey", "bound-issuer"],
  kubernetes: ["bound-service-account", "namespace"],
  cert: ["certificate"],
  aws: ["bound-iam-principal-arn", "aws-sts-endpoint", "aws-sts-region"],
};
const ANY_LOGIN = ["component", "mount", "token-ttl", "token-max-ttl"];

/** The login binding `--method` asks for, or undefined for AppRole (the default). */
export function loginBinding(invocation: Invocation, cwd: string): LoginBinding | undefined {
  const method = (stringOption(invocation, "method") ?? "approle") as SetupMethod;
  if (!SETUP_METHODS.includes(method))
    throw new StrongboxError("E_USAGE", `vault setup: unknown --method ${method}`, {
      hint: `one of ${SETUP_METHODS.join(", ")}`,
    });
  const allowed = method === "approle" ? [] : [...METHOD_OPTIONS[method], ...ANY_LOGIN];
  const stray = Object.keys(LOGIN_OPTIONS).filter(
    (name) => name !== "method" && invocation.values[name] !== undefined && !allowed.includes(name),
  );
  if (stray.length > 0)
    throw new StrongboxError(
      "E_USAGE",
      `vault setup: --${stray.join(", --")} do${stray.length === 1 ? "es" : ""} not go with --method ${method}`,
      { hint: "strongbox vault --help lists the options of each method" },
    );
  const common = {
    mount: stringOption(invocation, "mount"),
    tokenTtl: stringOption(invocation, "token-ttl"),
    tokenMaxTtl: stringOption(invocation, "token-max-ttl"),
  };
  const read = (path: string) => readText(resolve(cwd, path), path);
  switch (method) {
    case "approle":
      return undefined;
    case "jwt":
      return { method, ...common, ...jwtOptions(invocation, read) };
    case "kubernetes":
      return {
        method,
        ...common,
        serviceAccounts: listOption(invocation, "bound-service-account") ?? [],
        namespaces: listOption(invocation, "namespace") ?? [],
      };
    case "cert": {
      const file = stringOption(invocation, "certificate");
      if (file === undefined)
        throw new StrongboxError("E_USAGE", "vault setup --method cert needs --certificate FILE", {
          hint: "the PEM certificate of the CA that signs the app's client certificates",
        });
      return { method, ...common, certificate: read(file) };
    }
    case "aws":
      return {
        method,
        ...common,
        principalArns: listOption(invocation, "bound-iam-principal-arn") ?? [],
        stsEndpoint: stringOption(invocation, "aws-sts-endpoint"),
        stsRegion: stringOption(invocation, "aws-sts-region"),
      };
  }
}

/** A file an option names; a missing or unreadable one is `E_IO` naming the path as given. */
function readText(absolute: string, given: string): string {
  try {
    return readFileSync(absolute, "utf8");
  } catch (error) {
    throw new StrongboxError(
      "E_IO",
      `vault setup: cannot read ${given}: ${(error as NodeJS.ErrnoException).code ?? "error"}`,
      {
        hint: "check the path (relative paths start in the current directory)",
      },
    );
  }
}

function jwtOptions(invocation: Invocation, read: (path: string) => string) {
  const claims: Record<string, string> = {};
  for (const pair of listOption(invocation, "bound-claim") ?? []) {
    const at = pair.indexOf("=");
    if (at <= 0)
      throw new StrongboxError("E_USAGE", `vault setup: --bound-claim ${pair} is not CLAIM=VALUE`, {
        hint: "e.g. --bound-claim sub=repo:ORG/APP:ref:refs/heads/main",
      });
    claims[pair.slice(0, at)] = pair.slice(at + 1);
  }
  const discoveryUrl = stringOption(invocation, "jwt-discovery-url");
  const keys = (listOption(invocation, "jwt-pubkey") ?? []).map(read);
  const boundIssuer = stringOption(invocation, "bound-issuer");
  const configured = discoveryUrl !== undefined || keys.length > 0 || boundIssuer !== undefined;
  return {
    audiences: listOption(invocation, "audience") ?? [],
    boundClaims: claims,
    userClaim: stringOption(invocation, "user-claim"),
    issuer: configured ? { discoveryUrl, publicKeys: keys, boundIssuer } : undefined,
  };
}
