/**
 * The credentials providers declare, handed down to security's one rule
 * (credentials.ts) and its file-read guard (read-guard.ts). Providers sit
 * floors above security, so security never asks them: the provider registry
 * declares every provider's names here when it loads, and the rule reads this
 * table. Only additions: a declaration cannot be taken back.
 */

/** What one provider declares: the variables its SDK logs in with, and where its SDK keeps credentials. */
export interface CredentialDeclaration {
  /** Who declares them (a provider's scheme), for messages and tests. */
  readonly by: string;
  /** Variables that hold a credential (`AWS_SECRET_ACCESS_KEY`…), without prefixes or `_FILE` forms. */
  readonly variables?: readonly string[];
  /** Files or directories holding credentials (`~/` for the home directory). */
  readonly files?: readonly string[];
}

const declarations: CredentialDeclaration[] = [];
let version = 0;

/** Adds a provider's credentials to the rule; called by the provider registry for each provider. */
export function declareCredentials(declaration: CredentialDeclaration): void {
  declarations.push(Object.freeze({ ...declaration }));
  version += 1;
}

/** Every declaration so far, in the order made. */
export function credentialDeclarations(): readonly CredentialDeclaration[] {
  return declarations;
}

/** Changes whenever a declaration is added: lets a reader cache what it derived. */
export function declarationsVersion(): number {
  return version;
}
