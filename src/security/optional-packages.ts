import { StrongboxError } from "../errors.js";

/** A package Strongbox loads only when a feature needs it. */
export interface OptionalPackage {
  /** The npm name, as imported. */
  readonly name: string;
  /** The versions Strongbox is tested with: `peerDependencies` (or `dependencies`) of package.json. */
  readonly range: string;
  /** What needs it, as the error names it ("needed for …"); packages with the same text are installed together. */
  readonly neededBy: string;
  /**
   * A dependency of the npm package (installed with it), which only the single
   * executable, with no node_modules of its own, takes from the project.
   */
  readonly bundledWithNpm?: true;
}

const AZURE = "Azure Key Vault references";

/**
 * The one table of packages loaded lazily (src/security/import-module.ts), for
 * the npm package and the single executable alike; features are named by
 * service, since only a provider's own folder spells its scheme. The npm package declares
 * every entry without `bundledWithNpm` as an optional peer dependency, so a
 * project that never reads AWS, Azure or PostgreSQL installs none of their
 * ~80 MB; a test holds package.json to this table.
 */
export const OPTIONAL_PACKAGES: readonly OptionalPackage[] = [
  {
    name: "@aws-sdk/client-secrets-manager",
    range: "^3.1164.0",
    neededBy: "AWS Secrets Manager (its references and data backend)",
  },
  {
    name: "@aws-sdk/client-ssm",
    range: "^3.1164.0",
    neededBy: "AWS SSM Parameter Store references",
  },
  {
    name: "@aws-sdk/client-kms",
    range: "^3.1164.0",
    neededBy: "AWS KMS keys (store recipients and key ids)",
  },
  { name: "@aws-sdk/client-s3", range: "^3.1175.0", neededBy: "the S3 smoke check" },
  {
    name: "@aws-sdk/credential-provider-web-identity",
    range: "^3.972.92",
    neededBy: "Vault's AWS IAM login with a web identity token",
  },
  {
    name: "@aws-sdk/credential-provider-node",
    range: "^3.972.99",
    neededBy: "Vault's AWS IAM login from an AWS profile or metadata endpoint",
  },
  { name: "@azure/keyvault-secrets", range: "~4.11.2", neededBy: AZURE },
  { name: "@azure/identity", range: "~4.13.1", neededBy: AZURE },
  {
    name: "pg",
    range: "^8.23.1",
    neededBy: "PostgreSQL (the postgres smoke check and data rewrap-column)",
  },
  { name: "esbuild", range: "^0.28.2", neededBy: "a TypeScript config", bundledWithNpm: true },
];

/** The table's entry for a package name, if it is one of them. */
export function optionalPackage(name: string): OptionalPackage | undefined {
  return OPTIONAL_PACKAGES.find((entry) => entry.name === name);
}

/**
 * The error for an optional package that is not installed: what needs it,
 * every package of that feature still missing (`isInstalled` says which), and
 * the one command that installs them in `projectDir`. Never a stack trace:
 * the user chose not to install it, or installed the single executable.
 */
export function missingPackageError(
  entry: OptionalPackage,
  projectDir: string,
  isInstalled: (name: string) => boolean,
): StrongboxError {
  const group = OPTIONAL_PACKAGES.filter((other) => other.neededBy === entry.neededBy);
  const missing = group.filter((other) => other === entry || !isInstalled(other.name));
  const names = missing.map((other) => other.name);
  const one = names.length === 1;
  const command = `npm install ${missing.map((other) => `${other.name}@${other.range}`).join(" ")}`;
  // The command is in the message itself: a smoke check's table or a resolution issue shows no hint.
  return new StrongboxError(
    "E_PACKAGE_MISSING",
    `the package${one ? "" : "s"} ${names.join(" and ")}, needed for ${entry.neededBy}, ${one ? "is" : "are"} not installed: ${command}`,
    { hint: `run that in the project (${projectDir}), then this command again` },
  );
}
