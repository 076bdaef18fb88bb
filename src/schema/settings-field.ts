import type { BuiltinType } from "./types.js";

/**
 * A variable as a settings class in application code declares it (a Pydantic
 * `BaseSettings` field today): what `check --layers` compares with the schema
 * and what `init --from config.py` turns into one. One shape for the reader
 * (`layers/pydantic.ts`, which adds where the field was found) and the
 * scaffold (`generate/scaffold.ts`), which sit on the same floor.
 */
export interface DeclaredSetting {
  /** The variable the application reads: the alias, else the prefix and the name, upper-cased. */
  readonly envName: string;
  /** The built-in type the declaration maps to; `string` when it says nothing more. */
  readonly type: BuiltinType;
  /** Declared secret (`SecretStr`/`SecretBytes`): the app keeps it out of its own logs and reprs. */
  readonly secret: boolean;
  /** May be unset (`Optional[...]`, `X | None`, `Union[X, None]`). */
  readonly optional: boolean;
  /** True when the field has a default (a literal, an expression or a `default_factory`). */
  readonly hasDefault: boolean;
  /** The default when it is a literal (`None` is `null`); absent for an expression. */
  readonly default?: string | number | boolean | null;
  /** `Literal["a", "b"]`: the allowed values. */
  readonly values?: readonly string[];
  /** `Field(description=…)`, else the `#` comment right above the field. */
  readonly description?: string;
}
