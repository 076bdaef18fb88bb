import { canonicalEnvironment } from "../environments/aliases.js";
import type { ConfigSpec } from "../schema/types.js";
import type { VaultClient } from "../vault/client.js";
import { vaultNeeds } from "./plan.js";

/** What `vault doctor` reports. Names only: never a value. */
export interface DoctorReport {
  readonly address: string;
  readonly server: {
    readonly version?: string;
    readonly sealed?: boolean;
    readonly standby?: boolean;
    readonly reachable: boolean;
    readonly error?: string;
  };
  readonly token?: {
    readonly method: string;
    readonly policies: readonly string[];
    readonly ttlSeconds: number;
    readonly renewable: boolean;
    readonly root: boolean;
    /**
     * Who the token stands for, never the token: where the credential came
     * from ("JWT login (token from the GitHub Actions runner)"), the role,
     * and the claims or names that matter (a JWT's `iss`/`sub`/`aud`, a
     * service account, a certificate's common name).
     */
    readonly identity: {
      readonly source: string;
      readonly role?: string;
      readonly claims?: Readonly<Record<string, string>>;
    };
  };
  readonly mounts: ReadonlyArray<{ readonly mount: string; readonly version: number }>;
  readonly environments: ReadonlyArray<{
    readonly environment: string;
    readonly ok: readonly string[];
    readonly missing: readonly string[];
    readonly empty: readonly string[];
    readonly errors: ReadonlyArray<{
      readonly variable: string;
      readonly code: string;
      readonly message: string;
    }>;
  }>;
}

/**
 * Checks the connection, the token and, for each environment, that every
 * secret the schema reads from Vault exists and is non-empty.
 */
export async function vaultDoctor(
  config: ConfigSpec,
  environments: readonly string[],
  client: VaultClient,
): Promise<DoctorReport> {
  // An alias (`prod`) is checked as the environment it stands for.
  environments = environments.map((name) => canonicalEnvironment(config, name));
  const address = client.http.connection.address;
  let health: Record<string, unknown>;
  try {
    health = await client.health(AbortSignal.timeout(5000));
  } catch (error) {
    return {
      address,
      server: { reachable: false, error: (error as Error).message },
      mounts: [],
      environments: [],
    };
  }
  const server = {
    reachable: true,
    version: String(health.version ?? "?"),
    sealed: health.sealed === true,
    standby: health.standby === true,
  };
  const token = await tokenReport(client);
  const mounts = new Map<string, number>();
  const reports = [];
  for (const environment of environments)
    reports.push(await environmentReport(config, environment, client, mounts));
  return {
    address,
    server,
    token,
    mounts: [...mounts].map(([mount, version]) => ({ mount, version })),
    environments: reports,
  };
}

/** How the token logged in, its policies and lifetime (never the token). */
async function tokenReport(client: VaultClient): Promise<NonNullable<DoctorReport["token"]>> {
  const session = await client.session();
  const self = await client.lookupSelf();
  return {
    method: session.method,
    policies: self.policies,
    ttlSeconds: self.ttl,
    renewable: self.renewable,
    root: self.policies.includes("root"),
    identity: {
      source: session.source,
      ...((session.role ?? self.role) === undefined ? {} : { role: session.role ?? self.role }),
      ...(session.identity === undefined ? {} : { claims: session.identity }),
    },
  };
}

type EnvironmentReport = DoctorReport["environments"][number];

/** Every secret one environment reads from Vault: there, empty, missing, or failing; `mounts` collects the mounts met. */
async function environmentReport(
  config: ConfigSpec,
  environment: string,
  client: VaultClient,
  mounts: Map<string, number>,
): Promise<EnvironmentReport> {
  const report = {
    environment,
    ok: [] as string[],
    missing: [] as string[],
    empty: [] as string[],
    errors: [] as Array<{ variable: string; code: string; message: string }>,
  };
  for (const need of vaultNeeds(config, environment)) {
    try {
      const info = await client.mountOf(need.path);
      mounts.set(info.mount, info.version);
      const secret = await client.kvRead(need.path);
      const value = secret?.data[need.key];
      if (value === undefined) report.missing.push(need.variable);
      else if (value === "" || value === null) report.empty.push(need.variable);
      else report.ok.push(need.variable);
    } catch (error) {
      report.errors.push({
        variable: need.variable,
        code: (error as { code?: string }).code ?? "E_VAULT",
        message: (error as Error).message,
      });
    }
  }
  return report;
}
