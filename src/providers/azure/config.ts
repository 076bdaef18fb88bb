import { type Issue, issue } from "../../errors.js";

/** The config's `azure:` section. */
export interface AzureSettings {
  /** Vault name → base URL, for private endpoints and local stand-ins. */
  readonly vaults?: Readonly<Record<string, string>>;
  /** The vault DNS suffix of a sovereign cloud (`vault.azure.cn`); default `vault.azure.net`. */
  readonly dnsSuffix?: string;
  /** A PEM file of extra CAs to trust (a private CA, a TLS-inspecting proxy), relative to the config. */
  readonly caFile?: string;
  /** Lets a `vaults:` URL be plain http (a local stand-in); pure mode then warns every run. */
  readonly allowInsecure?: boolean;
}

/** Checks the config's `azure:` section. */
export function validateAzureConfig(value: unknown): Issue[] {
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
