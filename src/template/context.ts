import { StrongboxError } from "../errors.js";
import { isCredentialVariable } from "../security/credentials.js";
import type { ReadScope } from "../security/read-guard.js";
import type { Node } from "./parse.js";
import type { Value } from "./values.js";

/** What a template may reach: Vault secrets and environment variables. */
export interface RenderContext {
  /**
   * `{{ secret "path" }}`: the response as consul-template shapes it (`.Data`, `.LeaseID`…),
   * or undefined; with `params` (`"k=v"`), a write.
   */
  secret(path: string, params?: readonly string[]): Promise<unknown>;
  env(name: string): string | undefined;
  /** `{{ secrets "path/" }}`: the key names under a path (KV list). */
  list?(path: string): Promise<string[]>;
  /** `{{ strongbox "VAR" }}`: a schema variable, resolved through the schema and the environment's policy. */
  variable?(name: string): Promise<string>;
  /** `{{ ref "vault://…#KEY" }}`: any reference, resolved under the environment's policy. */
  ref?(text: string): Promise<string>;
  /** Render a missing key as an empty string instead of failing (consul-template prints `<no value>`). */
  readonly allowMissing?: boolean;
  readonly file?: string;
  /** The file being rendered to: `pkiCert` keeps using the certificate it holds while it is good. */
  readonly destination?: string;
  /**
   * Where `{{ file }}` may read (the project and the paths the config names;
   * never credentials or /proc): see security/read-guard.ts. By default the
   * current directory, with this process's environment.
   */
  readonly reads?: ReadScope;
  /** Told of each file `{{ file }}` read, so a dry render can mask it as it masks secrets. */
  onFile?(path: string, content: string): void;
  /** Told when a call's result goes stale (`pkiCert`'s kept certificate), so an agent can render again then. */
  refreshAt?(key: string, at: number): void;
}

/** Where in the template a node or call stands. */
export interface At {
  readonly line: number;
  readonly column: number;
}

/** One render under way: the caller's context, the template's definitions, how deep the calls are. */
export interface Run extends RenderContext {
  readonly definitions: ReadonlyMap<string, readonly Node[]>;
  readonly depth: number;
  /** consul-template's `scratch`: one pad per render, shared by the templates it calls. */
  readonly scratch: Map<string, Value>;
  /**
   * Renders definition `name` with `dot` one call deeper (`executeTemplate`): the
   * evaluator's, handed in so the function table need not import it.
   */
  readonly execute: (run: Run, name: string, dot: Value, at: At) => Promise<string>;
}

/** `file:line:column`, as every template error starts. */
export function where(ctx: RenderContext, at: At): string {
  return `${ctx.file ?? "template"}:${at.line}:${at.column}`;
}

/** Where `file` reads when the caller gave no scope: this process's directory and environment. */
export function processScope(): ReadScope {
  return { roots: [process.cwd()], cwd: process.cwd(), env: process.env };
}

/** `env`, `envOrDefault` and `mustEnv` never read a credential Strongbox keeps to itself. */
export function refuseCredential(variable: string, name: string, at: At, ctx: RenderContext): void {
  if (isCredentialVariable(variable))
    throw new StrongboxError(
      "E_TEMPLATE",
      `${where(ctx, at)}: ${name} "${variable}" reads a credential Strongbox keeps to itself`,
      {
        hint: "templates never read Vault or store credentials; render the secret itself with {{ with secret … }}",
      },
    );
}

/** An environment variable read by the function `name`, once it passed the credential rule. */
export function readEnv(
  variable: string,
  name: string,
  at: At,
  ctx: RenderContext,
): string | undefined {
  refuseCredential(variable, name, at, ctx);
  return ctx.env(variable);
}
