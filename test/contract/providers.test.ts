// The provider contract (test/contract/contract.ts) against every provider: env, file,
// the encrypted store, and Vault KV v2 and v1 on a real `bao server -dev`.
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe } from "node:test";
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import type { ReadContext } from "../../src/providers/provider.js";
import { initStore, openStore } from "../../src/store/open.js";
import { type FakeKeyVault, startFakeKeyVault } from "../helpers/azure-kv.js";
import { type Bao, freePort, startBao } from "../helpers/bao.js";
import { tempProject } from "../helpers/cli.js";
import { type Moto, startMoto } from "../helpers/moto.js";
import { contract, type Fixture } from "./contract.js";

const sectionsOf =
  (sections: Record<string, unknown>) =>
  (key: string): unknown =>
    Object.hasOwn(sections, key) ? sections[key] : undefined;

function envFixture(): Fixture {
  const dir = tempProject();
  const processEnv: Record<string, string> = { HOME: dir };
  const context = (): ReadContext => ({ baseDir: dir, processEnv, config: sectionsOf({}) });
  return {
    scheme: "env",
    context,
    noVersions: "the environment holds one value per name",
    async put(values) {
      Object.assign(processEnv, values);
      return Object.fromEntries(Object.keys(values).map((name) => [name, `env://${name}`]));
    },
    async missing() {
      return { path: "env://CONTRACT_NEVER_SET" };
    },
    local: "the process environment",
    noWrite: "a process cannot change its parent's environment",
    noList: "Strongbox reads only the names a schema declares, never the whole environment",
    noHistory: "the environment holds one value per name",
    noDelete: "a process cannot change its parent's environment",
    noMetadata: "a variable has a name and a value, nothing else",
    async failing(values) {
      // The env source cannot fail to read; a credential variable is refused, naming it only.
      Object.assign(processEnv, { VAULT_TOKEN: values.SECRET_A as string });
      return { ctx: context(), refs: ["env://VAULT_TOKEN", "env://CONTRACT_NEVER_SET"] };
    },
  };
}

function fileFixture(): Fixture {
  const dir = tempProject();
  const context = (): ReadContext => ({
    baseDir: dir,
    processEnv: { HOME: dir },
    config: sectionsOf({}),
  });
  return {
    scheme: "file",
    context,
    local: "a file on this machine",
    noWrite: "mounted secret files belong to the platform that mounts them",
    noList: "a mount point is the platform's, and its other files are not secrets to list",
    noHistory: "a mounted file holds its current content only",
    noDelete: "mounted secret files belong to the platform that mounts them",
    noMetadata: "a mounted file has no metadata of the secret's own",
    noVersions: "a mounted file holds its current content only",
    async put(values) {
      for (const [name, value] of Object.entries(values))
        writeFileSync(join(dir, `${name}.txt`), value);
      return Object.fromEntries(Object.keys(values).map((name) => [name, `file://${name}.txt`]));
    },
    async missing() {
      return { path: "file://never-written.txt" };
    },
    async failing(values) {
      for (const [name, value] of Object.entries(values)) {
        mkdirSync(join(dir, `${name}.dir`), { recursive: true });
        writeFileSync(join(dir, `${name}.dir`, "inside"), value);
      }
      // A directory where a file should be: the read fails, and the error names the path only.
      return { ctx: context(), refs: Object.keys(values).map((name) => `file://${name}.dir`) };
    },
  };
}

function storeFixture(): Fixture {
  const dir = tempProject();
  const storeDir = join(dir, "secrets-store");
  const env = { HOME: dir };
  initStore({ dir: storeDir, env });
  const context = (processEnv: Record<string, string> = env): ReadContext => ({
    baseDir: dir,
    processEnv,
    config: sectionsOf({ store: { path: "secrets-store" } }),
  });
  const set = async (values: Readonly<Record<string, string>>) => {
    const store = await openStore({ dir: storeDir, env });
    for (const [name, value] of Object.entries(values)) store.set(name, Buffer.from(value));
  };
  return {
    scheme: "store",
    context: () => context(),
    local: "files in the project",
    async put(values) {
      await set(values);
      return Object.fromEntries(Object.keys(values).map((name) => [name, `store://${name}`]));
    },
    async missing() {
      return { path: "store://NEVER_SET" };
    },
    async versions(first, second) {
      await set({ VERSIONED: first });
      await set({ VERSIONED: second });
      return "store://VERSIONED?version=1";
    },
    async failing(values) {
      await set(values);
      // Another store's key: the keyring does not open.
      const wrong = randomBytes(32).toString("base64");
      return {
        ctx: context({ HOME: dir, STRONGBOX_MASTER_KEY: wrong }),
        refs: Object.keys(values).map((name) => `store://${name}`),
      };
    },
  };
}

function vaultFixture(getBao: () => Bao, mount: string, kv: 1 | 2): Fixture {
  const base = `${mount}/contract-${randomBytes(4).toString("hex")}`;
  const context = (env: Record<string, string> = {}): ReadContext => ({
    baseDir: tempProject(),
    processEnv: {
      VAULT_ADDR: getBao().addr,
      VAULT_TOKEN: getBao().rootToken,
      HOME: tempProject(),
      ...env,
    },
    config: sectionsOf({}),
  });
  /** Writes a whole secret (KV v1 has no patch); values go on stdin as JSON, never on argv. */
  const put = (path: string, values: Readonly<Record<string, string>> = {}) =>
    getBao().cli(["kv", "put", `-mount=${mount}`, path.slice(mount.length + 1), "-"], {
      input: JSON.stringify({ created: "1", ...values }),
    });
  return {
    scheme: "vault",
    context: () => context(),
    ...(kv === 1
      ? { noVersions: "KV v1 keeps one value per key", noHistory: "KV v1 keeps one version" }
      : {}),
    async put(values) {
      // Spread over three paths, so one batch reads several.
      const names = Object.keys(values);
      const paths = [0, 1, 2].map((i) => `${base}/p${i}`);
      for (const [i, path] of paths.entries())
        put(
          path,
          Object.fromEntries(
            names.filter((_, n) => n % 3 === i).map((name) => [name, values[name] as string]),
          ),
        );
      return Object.fromEntries(names.map((name, n) => [name, `vault://${paths[n % 3]}#${name}`]));
    },
    async missing() {
      put(`${base}/exists`);
      return {
        path: `vault://${base}/never-written#KEY`,
        key: `vault://${base}/exists#NEVER_SET_KEY`,
      };
    },
    ...(kv === 2
      ? {
          async versions(first: string, second: string) {
            const path = `${base}/versioned`;
            const bao = getBao();
            bao.cli(["kv", "put", `-mount=${mount}`, path.slice(mount.length + 1), "-"], {
              input: JSON.stringify({ V: first }),
            });
            bao.cli(["kv", "put", `-mount=${mount}`, path.slice(mount.length + 1), "-"], {
              input: JSON.stringify({ V: second }),
            });
            return `vault://${path}#V?version=1`;
          },
        }
      : {}),
    async failing(values) {
      const path = `${base}/denied`;
      put(path, values);
      // A token whose policy allows nothing under this mount.
      const token = getBao()
        .cli(["token", "create", "-policy=default", "-field=token", "-ttl=5m"])
        .trim();
      return {
        ctx: context({ VAULT_TOKEN: token }),
        refs: Object.keys(values).map((name) => `vault://${path}#${name}`),
      };
    },
    unreachable() {
      return {
        baseDir: tempProject(),
        processEnv: {
          VAULT_ADDR: `http://127.0.0.1:${closedPort}`,
          VAULT_TOKEN: "s.unused",
          HOME: tempProject(),
        },
        config: sectionsOf({}),
      };
    },
  };
}

function awsFixture(getMoto: () => Moto): Fixture {
  const prefix = `contract-${randomBytes(4).toString("hex")}`;
  let puts = 0;
  const context = (env: Record<string, string> = {}): ReadContext => ({
    baseDir: tempProject(),
    processEnv: { ...getMoto().env, HOME: tempProject(), ...env },
    config: sectionsOf({}),
  });
  const client = () =>
    new SecretsManagerClient({
      endpoint: getMoto().endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    });
  const putSecret = async (name: string, text: string) => {
    const sm = client();
    try {
      await sm.send(new CreateSecretCommand({ Name: name, SecretString: text }));
    } catch {
      await sm.send(new PutSecretValueCommand({ SecretId: name, SecretString: text }));
    } finally {
      sm.destroy();
    }
  };
  return {
    scheme: "aws-sm",
    context: () => context(),
    noVersions: "versions are ids and stages (?versionId=, ?stage=), not numbers",
    async put(values) {
      // Spread over three JSON secrets, fresh ones per call: a deleted secret's name stays
      // taken for its recovery window.
      const names = Object.keys(values);
      puts += 1;
      const call = `c${puts}`;
      const groups = [0, 1, 2].map((i) => `${prefix}/${call}/p${i}`);
      for (const [i, group] of groups.entries())
        await putSecret(
          group,
          JSON.stringify(
            Object.fromEntries(
              names.filter((_, n) => n % 3 === i).map((name) => [name, values[name]]),
            ),
          ),
        );
      return Object.fromEntries(
        names.map((name, n) => [name, `aws-sm://${groups[n % 3]}#${name}`]),
      );
    },
    async missing() {
      await putSecret(`${prefix}/exists`, JSON.stringify({ created: "1" }));
      return {
        path: `aws-sm://${prefix}/never-written#KEY`,
        key: `aws-sm://${prefix}/exists#NEVER_SET_KEY`,
      };
    },
    async failing(values) {
      const name = `${prefix}/deleted`;
      await putSecret(name, JSON.stringify(values));
      const sm = client();
      // A secret scheduled for deletion cannot be read.
      await sm.send(new DeleteSecretCommand({ SecretId: name, RecoveryWindowInDays: 7 }));
      sm.destroy();
      return { ctx: context(), refs: Object.keys(values).map((key) => `aws-sm://${name}#${key}`) };
    },
    unreachable() {
      return context({ AWS_ENDPOINT_URL: `http://127.0.0.1:${closedPort}` });
    },
  };
}

function ssmFixture(getMoto: () => Moto): Fixture {
  const prefix = `/contract-${randomBytes(4).toString("hex")}`;
  const context = (env: Record<string, string> = {}): ReadContext => ({
    baseDir: tempProject(),
    processEnv: { ...getMoto().env, HOME: tempProject(), ...env },
    config: sectionsOf({}),
  });
  const client = () =>
    new SSMClient({
      endpoint: getMoto().endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    });
  const putParameter = async (name: string, value: string) => {
    const ssm = client();
    try {
      await ssm.send(
        new PutParameterCommand({
          Name: name,
          Value: value,
          Type: "SecureString",
          Overwrite: true,
        }),
      );
    } finally {
      ssm.destroy();
    }
  };
  return {
    scheme: "aws-ssm",
    context: () => context(),
    noCas: "Parameter Store has no conditional write",
    async put(values) {
      for (const [name, value] of Object.entries(values))
        await putParameter(`${prefix}/${name}`, value);
      return Object.fromEntries(
        Object.keys(values).map((name) => [name, `aws-ssm://${prefix}/${name}`]),
      );
    },
    async missing() {
      return { path: `aws-ssm://${prefix}/never-written` };
    },
    async versions(first, second) {
      await putParameter(`${prefix}/versioned`, first);
      await putParameter(`${prefix}/versioned`, second);
      return `aws-ssm://${prefix}/versioned?version=1`;
    },
    async failing(values) {
      // An endpoint that answers, but not as SSM: every read fails, and no value is in any error.
      for (const [name, value] of Object.entries(values))
        await putParameter(`${prefix}/${name}`, value);
      return {
        ctx: context({ AWS_ENDPOINT_URL: `${getMoto().endpoint}/moto-api/reset-nothing` }),
        refs: Object.keys(values).map((name) => `aws-ssm://${prefix}/${name}`),
      };
    },
    unreachable() {
      return context({ AWS_ENDPOINT_URL: `http://127.0.0.1:${closedPort}` });
    },
  };
}

function azureFixture(getVault: () => FakeKeyVault): Fixture {
  const prefix = `contract-${randomBytes(4).toString("hex")}`;
  const context = (env: Record<string, string> = {}, url = getVault().url): ReadContext => ({
    baseDir: tempProject(),
    processEnv: { ...getVault().env, HOME: tempProject(), ...env },
    config: sectionsOf({ azure: { vaults: { contract: url }, caFile: getVault().caFile } }),
  });
  return {
    scheme: "azure-kv",
    context: () => context(),
    noVersions: "versions are 32-character ids (?version=ID), not numbers",
    noCas: "Key Vault secrets have no conditional write",
    async put(values) {
      // Refs in Key Vault's own form (the FOO_1 -> foo-1 mapping is tested in azure.test.ts),
      // so a listing's names compare as written.
      const mapped = (name: string) => `${prefix}-${name}`.replaceAll("_", "-").toLowerCase();
      for (const [name, value] of Object.entries(values)) getVault().setSecret(mapped(name), value);
      return Object.fromEntries(
        Object.keys(values).map((name) => [name, `azure-kv://contract/${mapped(name)}`]),
      );
    },
    async missing() {
      return { path: `azure-kv://contract/${prefix}-never-written` };
    },
    async failing(values) {
      // A wrong client secret: the token endpoint refuses, so nothing is read.
      for (const [name, value] of Object.entries(values))
        getVault().setSecret(`${prefix}-${name}`.replaceAll("_", "-"), value);
      return {
        ctx: context({ AZURE_CLIENT_SECRET: values.SECRET_A as string }),
        refs: Object.keys(values).map((name) => `azure-kv://contract/${prefix}-${name}`),
      };
    },
    unreachable() {
      return context({}, `https://127.0.0.1:${closedPort}`);
    },
  };
}

let closedPort = 9;

describe("provider contract: env", () => contract("env", envFixture()));
describe("provider contract: file", () => contract("file", fileFixture()));
describe("provider contract: store", () => contract("store", storeFixture()));

describe("provider contract: Vault KV v2 and v1 (real bao server -dev)", () => {
  let bao: Bao | undefined;
  const getBao = () => bao as Bao;
  before(async () => {
    bao = await startBao();
    bao.cli(["secrets", "enable", "-path=kv1", "-version=1", "kv"]);
    closedPort = await freePort();
  });
  after(async () => bao?.stop());
  contract("vault KV v2", vaultFixture(getBao, "secret", 2));
  contract("vault KV v1", vaultFixture(getBao, "kv1", 1));
});

describe("provider contract: AWS Secrets Manager and SSM Parameter Store (real moto_server)", () => {
  let moto: Moto | undefined;
  before(async () => {
    moto = await startMoto();
    closedPort = await freePort();
  });
  after(async () => moto?.stop());
  contract(
    "aws-sm",
    awsFixture(() => moto as Moto),
  );
  contract(
    "aws-ssm",
    ssmFixture(() => moto as Moto),
  );
});

describe("provider contract: Azure Key Vault (loopback REST server, real SDK and identity)", () => {
  let vault: FakeKeyVault | undefined;
  before(async () => {
    vault = await startFakeKeyVault();
    closedPort = await freePort();
  });
  after(async () => vault?.stop());
  contract(
    "azure-kv",
    azureFixture(() => vault as FakeKeyVault),
  );
});
