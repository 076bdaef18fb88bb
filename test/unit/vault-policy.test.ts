import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  FEATURE_GRANTS,
  planSetup,
  policyRules,
  type VaultClient,
  type VaultFeature,
} from "../../src/api/vault.js";
import type { ConfigSpec } from "../../src/schema/types.js";

const FEATURES = Object.keys(FEATURE_GRANTS) as VaultFeature[];
const APP_FEATURES = FEATURES.filter((f) => f !== "rotate");
const WRITES = ["create", "update", "patch", "delete"];

/** Every non-empty subset of `items`. */
function subsets<T>(items: readonly T[]): T[][] {
  return Array.from({ length: 2 ** items.length - 1 }, (_, n) =>
    items.filter((_, i) => ((n + 1) >> i) & 1),
  );
}

const use = (features: readonly VaultFeature[], kvVersion: 1 | 2 = 2) => ({
  path: "secret/shop/production/app",
  mount: "secret/",
  kvVersion,
  features: new Set(features),
});

/** A client that answers only the KV gate's `kvMount` (planning asks nothing else). */
const client = {
  kvMount: async () => ({ mount: "secret/", version: 2 as const, kind: "kv" }),
} as unknown as VaultClient;

describe("vault policies derived from what each feature needs", () => {
  it("no combination of app features grants a write, a delete or a destroy", () => {
    for (const features of subsets(APP_FEATURES))
      for (const [api, capabilities] of policyRules([use(features)])) {
        assert.doesNotMatch(api, /\/(destroy|delete|undelete)\//, `${features}: ${api}`);
        assert.deepEqual(
          capabilities.filter((c) => WRITES.includes(c)),
          [],
          `${features}: ${api}`,
        );
      }
  });

  it("KV v2 maps each section after the mount; KV v1 has only the path itself", () => {
    assert.deepEqual(Object.fromEntries(policyRules([use(["agent", "rotate"])])), {
      "secret/data/shop/production/app": ["create", "read", "update", "patch"],
      "secret/destroy/shop/production/app": ["update"],
      "secret/metadata/shop/production/app": ["read"],
    });
    for (const features of subsets(FEATURES))
      assert.deepEqual(
        [...policyRules([use(features, 1)]).keys()],
        ["secret/shop/production/app"],
        String(features),
      );
  });

  it("plans an app identity per component and one rotation identity per environment", async () => {
    const config = {
      project: "shop",
      variables: {
        SESSION_SECRET: {
          secret: true,
          ref: "vault://secret/{project}/{env}/app#SESSION_SECRET",
          rotation: { every: "30d" },
        },
        QUEUE_TOKEN: {
          secret: true,
          component: "worker",
          ref: "vault://secret/{project}/{env}/worker#QUEUE_TOKEN",
        },
      },
    } as unknown as ConfigSpec;
    const plan = await planSetup(config, ["production"], client, { agent: true });
    assert.deepEqual(
      plan.grants.map((g) => `${g.name} ${g.kind} ${g.features.join(",")}`),
      [
        "shop-production-app app run,previous,agent",
        "shop-production-worker app run,agent",
        "shop-production-rotation rotation rotate",
      ],
    );
    const without = await planSetup(config, ["production"], client);
    assert.deepEqual(
      without.grants.map((g) => g.features.join(",")),
      ["run,previous", "run", "rotate"],
    );
  });

  it("a component named rotation is refused when the rotation identity would take its name", async () => {
    const config = {
      project: "shop",
      variables: {
        KEY: {
          secret: true,
          component: "rotation",
          ref: "vault://secret/shop/{env}/rotation#KEY",
          rotation: { every: "30d" },
        },
      },
    } as unknown as ConfigSpec;
    await assert.rejects(planSetup(config, ["production"], client), /E_CONFIG|rotation/);
  });
});
