import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  applyLoginSetup,
  applySetup,
  concreteEnvironments,
  type DoctorReport,
  planSetup,
  type SetupPlan,
  sharedVaultEnvironment,
  type VaultClient,
  vaultDoctor,
} from "../../api/vault.js";
import { StrongboxError } from "../../errors.js";
import { type ConfigSpec, openSession } from "../../index.js";
import { type Command, type Invocation, listOption, stringOption } from "../command.js";
import { EXIT_OK, verdict } from "../exit-codes.js";
import { type CliIo, say, writeJson, writeReport } from "../io.js";
import { LOGIN_OPTIONS, loginBinding } from "../vault-login-options.js";

/** `strongbox vault setup|doctor`: operator tools over the Vault client. */
export const vaultCommand: Command = {
  name: "vault",
  options: {
    env: { type: "string", short: "e", multiple: true },
    config: { type: "string", short: "c" },
    "dry-run": { type: "boolean" },
    "print-policy": { type: "boolean" },
    policy: { type: "string", multiple: true },
    agent: { type: "boolean" },
    ...LOGIN_OPTIONS,
    json: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  },
  usage: `Usage: strongbox vault setup [--env E]... [--agent] [--dry-run | --print-policy [--policy NAME]...] [--json]
       strongbox vault setup --method jwt|kubernetes|cert|aws --env E [--component C] [METHOD OPTIONS] [--dry-run]
       strongbox vault doctor [--env E]... [--json]

setup    From the schema, creates per environment and component a policy
         (exactly the KV paths the schema references, with what run, the
         agent and NAME_PREVIOUS need) and an AppRole carrying it, plus a
         "rotation" policy and AppRole for variables with rotation: (write,
         destroy old versions; never given to apps). Prints each role id and
         a response-wrapped secret id (single use, 10 minutes). Needs an admin
         token (VAULT_TOKEN).
         --print-policy prints the policies only; --dry-run adds the calls.
         Neither changes anything.
         Running it again changes nothing but issues new wrapped secret ids.
         --method binds the app's policy (one environment and component) to
         a role of that login method instead of an AppRole; the rotation
         identity is never bound this way. A role setup finds with other
         settings is written again from scratch; one carrying another policy
         is refused.
doctor   Reports the address, server health, the token's auth method and
         identity (role, claims; never the token), TTL and policies, the KV
         mounts and versions, and per environment which schema secrets are
         missing or empty in Vault (names only).

Options:
  -e, --env NAME      an environment (repeatable; default: every declared one without a glob).
                      Environments with their own vault: settings or credentialPrefix
                      are one Vault each: name one of them at a time
  -c, --config PATH   the config file
      --agent         setup: the app also runs strongbox agent (default: when
                      agent.yaml sits beside the config)
      --print-policy  setup: print the policies it would write (HCL), change nothing
      --policy NAME   with --print-policy: only that policy (repeatable), e.g. the app's
                      alone, to write by hand without the rotation policy's rights
      --dry-run       setup: show the plan, change nothing
      --method M      setup: approle (default), jwt, kubernetes, cert or aws
      --component C   with --method: the component whose app logs in
      --mount PATH    with --method: the auth mount (default the method's name)
      --token-ttl D, --token-max-ttl D   with --method: the login's token (default 15m, 1h)
  jwt (required: --audience and --bound-claim):
      --audience AUD          an aud the token must carry (repeatable)
      --bound-claim C=V       a claim the token must carry exactly (repeatable),
                              e.g. sub=repo:ORG/APP:ref:refs/heads/main; one must
                              name who: sub, repository, repository_id,
                              workflow_ref, project_path or project_id
                              (job_workflow_ref only beside repository_owner(_id),
                              ci_config_ref_uri beside namespace_path/_id)
      --user-claim C          the claim naming the identity (default sub)
      --jwt-discovery-url URL, --jwt-pubkey FILE (repeatable), --bound-issuer ISS
                              also configure the mount to trust this issuer
  kubernetes (required): --bound-service-account NAME, --namespace NS
  cert (required):       --certificate FILE  the CA certificate (PEM) of the app's client certificates
  aws (iam; required):   --bound-iam-principal-arn ARN  an IAM user's or role's full ARN (repeatable)
      --aws-sts-endpoint URL, --aws-sts-region R   also point the mount's STS client there
  Every URL the mount calls to verify a login (STS/IAM/EC2 endpoints, the issuer's
  discovery or JWKS URL, the Kubernetes API) must be https:// (http only to loopback),
  whether setup writes it or finds it there: otherwise setup refuses and writes nothing.
      --json          print the result as JSON
`,
  async run(invocation, io) {
    const [action] = invocation.positionals;
    if (action !== "setup" && action !== "doctor") {
      throw new StrongboxError("E_USAGE", "vault: give `setup` or `doctor`", {
        hint: "strongbox vault --help",
      });
    }
    const session = await openSession({
      cwd: io.cwd,
      configPath: stringOption(invocation, "config"),
      processEnv: io.env,
    });
    const environments = listOption(invocation, "env") ?? concreteEnvironments(session.config);
    const client = session.vault(sharedVaultEnvironment(session.config, environments, io.env));
    try {
      if (action === "doctor")
        return await doctor(session.config, environments, client, invocation, io);
      const agent =
        invocation.values.agent === true || existsSync(join(session.baseDir, "agent.yaml"));
      const login = loginBinding(invocation, io.cwd);
      const component = stringOption(invocation, "component");
      const plan = await planSetup(session.config, environments, client, {
        agent,
        login,
        component,
      });
      return await setup(plan, environments, client, invocation, io);
    } finally {
      await session.close();
    }
  },
};

/** `vault doctor`: the server, the token, the mounts, and each environment's secrets. */
async function doctor(
  config: ConfigSpec,
  environments: readonly string[],
  client: VaultClient,
  invocation: Invocation,
  io: CliIo,
): Promise<number> {
  const report = await vaultDoctor(config, environments, client);
  const healthy =
    report.server.reachable &&
    !report.server.sealed &&
    report.environments.every((e) => e.missing.length + e.empty.length + e.errors.length === 0);
  if (invocation.values.json === true) writeJson(io, report, healthy);
  else writeReport(io, describeDoctor(report));
  return verdict(healthy);
}

/** `vault setup`: a policy and AppRole per environment (printed only with `--dry-run`). */
async function setup(
  plan: SetupPlan,
  environments: readonly string[],
  client: VaultClient,
  invocation: Invocation,
  io: CliIo,
): Promise<number> {
  if (plan.grants.length === 0) {
    say(
      io,
      `strongbox: no variable reads from Vault in ${environments.join(", ")}; nothing to set up`,
    );
    return EXIT_OK;
  }
  if (invocation.values["print-policy"] === true) {
    const grants = chosenPolicies(plan, listOption(invocation, "policy"));
    if (invocation.values.json === true)
      writeJson(io, { policies: grants.map(({ name, policy }) => ({ name, policy })) });
    else writeReport(io, grants.map((g) => `# policy ${g.name}\n${g.policy}`).join("\n"));
    return EXIT_OK;
  }
  if (listOption(invocation, "policy") !== undefined)
    throw new StrongboxError("E_USAGE", "vault setup: --policy goes with --print-policy", {
      hint: "setup writes every policy the plan needs; print one with --print-policy --policy NAME",
    });
  if (invocation.values["dry-run"] === true) {
    if (invocation.values.json === true) writeJson(io, plan);
    else
      writeReport(
        io,
        `${plan.grants.map((g) => `# policy ${g.name}\n${g.policy}`).join("\n")}\n# calls\n${plan.calls.join("\n")}\n`,
      );
    return EXIT_OK;
  }
  if (plan.logins !== undefined) {
    const results = await applyLoginSetup(plan, client);
    if (invocation.values.json === true) writeJson(io, { logins: results });
    else
      for (const r of results)
        writeReport(
          io,
          `${r.name}: ${r.changed.policy || r.changed.role || r.changed.config ? "created or updated" : "unchanged"}\n  ${r.method} role ${r.name} at auth/${r.mount}/ (log in with role=${r.name})\n`,
        );
    return EXIT_OK;
  }
  const results = await applySetup(plan, client);
  if (invocation.values.json === true) writeJson(io, { roles: results });
  else {
    for (const result of results) {
      const what =
        result.changed.policy || result.changed.role ? "created or updated" : "unchanged";
      writeReport(
        io,
        `${result.name}: ${what}\n  role_id=${result.roleId}\n  wrapped secret_id token=${result.wrappedSecretId} (unwrap once: bao unwrap <token>)\n`,
      );
    }
  }
  return EXIT_OK;
}

/**
 * The grants `--policy` names (all without it). One printed policy is the safe
 * way to write an app's policy by hand: the whole output, piped into one
 * policy, would give the app the rotation identity's write and destroy.
 */
function chosenPolicies(plan: SetupPlan, names: readonly string[] | undefined) {
  if (names === undefined) return plan.grants;
  const known = plan.grants.map((g) => g.name);
  const unknown = names.filter((name) => !known.includes(name));
  if (unknown.length > 0)
    throw new StrongboxError(
      "E_USAGE",
      `vault setup: no policy ${unknown.join(", ")} in this plan`,
      { hint: `the plan's policies: ${known.join(", ")}` },
    );
  return plan.grants.filter((g) => names.includes(g.name));
}

/** Who the token stands for: the credential's source, the role, the claims that matter (never the token). */
function describeIdentity(identity: NonNullable<DoctorReport["token"]>["identity"]): string {
  const claims = Object.entries(identity.claims ?? {}).map(([name, value]) => `${name}=${value}`);
  return [
    identity.source,
    ...(identity.role === undefined ? [] : [`role ${identity.role}`]),
    ...claims,
  ].join(", ");
}

function describeDoctor(report: Awaited<ReturnType<typeof vaultDoctor>>): string {
  const lines = [`address: ${report.address}`];
  if (!report.server.reachable)
    return `${lines.join("\n")}\nserver: unreachable (${report.server.error})\n`;
  lines.push(
    `server: OpenBao/Vault ${report.server.version}${report.server.sealed ? ", SEALED" : ""}${report.server.standby ? ", standby" : ""}`,
  );
  if (report.token) {
    const ttl = report.token.ttlSeconds === 0 ? "no expiry" : `${report.token.ttlSeconds}s left`;
    lines.push(
      `token: ${report.token.method} auth, policies ${report.token.policies.join(", ")}, ${ttl}${report.token.renewable ? ", renewable" : ""}${report.token.root ? " (ROOT: never use it for apps)" : ""}`,
    );
    lines.push(`identity: ${describeIdentity(report.token.identity)}`);
  }
  for (const mount of report.mounts) lines.push(`mount: ${mount.mount} KV v${mount.version}`);
  for (const env of report.environments) {
    lines.push(
      `environment ${env.environment}: ${env.ok.length} ok${env.missing.length ? `, missing ${env.missing.join(", ")}` : ""}${env.empty.length ? `, empty ${env.empty.join(", ")}` : ""}`,
    );
    for (const error of env.errors)
      lines.push(`  ✗ ${error.variable}: ${error.message} (${error.code})`);
  }
  return `${lines.join("\n")}\n`;
}
