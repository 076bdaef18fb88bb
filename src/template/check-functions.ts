import { StrongboxError } from "../errors.js";
import { TEMPLATE_FUNCTIONS } from "./builtins.js";
import type { Node, Pipeline } from "./parse.js";
import { SPRIG_UNSUPPORTED } from "./sprig.js";

/** consul-template functions that read Consul or Nomad: nothing to render them from here. */
const CONSUL_ONLY = new Set([
  "key",
  "keyExists",
  "keyOrDefault",
  "ls",
  "safeLs",
  "tree",
  "safeTree",
  "node",
  "nodes",
  "service",
  "services",
  "connect",
  "caLeaf",
  "caRoots",
  "datacenters",
  "checks",
  "byKey",
  "byTag",
  "byMeta",
  "nomadService",
  "nomadServices",
  "nomadVar",
  "nomadVarList",
  "nomadVarExists",
  "partitions",
  "peerings",
  "exportedServices",
  "sameAsTagged",
]);

function unsupportedReason(name: string): string {
  if (CONSUL_ONLY.has(name))
    return `${name} reads Consul or Nomad, which Strongbox does not talk to; render it with consul-template, or move the value into Vault`;
  if (SPRIG_UNSUPPORTED.has(name))
    return `${name} is a Sprig function Strongbox does not implement (dates, key and certificate generators, AES, semver and URL helpers are left out)`;
  return `the function ${name} is not supported`;
}

/**
 * Rejects, before anything is read from Vault, a template that calls a
 * function Strongbox does not implement, naming its line and column.
 */
export function checkFunctions(nodes: readonly Node[], file = "template"): void {
  for (const node of nodes) {
    if (node.kind === "text" || node.kind === "break" || node.kind === "continue") continue;
    if (node.kind === "define") checkFunctions(node.body, file);
    else if (node.kind === "template") {
      if (node.pipeline !== undefined) checkPipeline(node.pipeline, file);
    } else {
      checkPipeline(node.pipeline, file);
      if (node.kind !== "output") {
        checkFunctions(node.body, file);
        checkFunctions(node.otherwise, file);
      }
    }
  }
}

function checkPipeline(pipeline: Pipeline, file: string): void {
  for (const command of pipeline.commands) {
    const head = command[0];
    if (
      head?.kind === "ident" &&
      !["true", "false", "nil"].includes(head.text) &&
      !TEMPLATE_FUNCTIONS.has(head.text)
    ) {
      throw new StrongboxError(
        "E_TEMPLATE",
        `${file}:${head.line}:${head.column}: ${unsupportedReason(head.text)}`,
        { hint: "docs/render.md lists every function and its status" },
      );
    }
    for (const arg of command) if (arg.kind === "pipeline") checkPipeline(arg.pipeline, file);
  }
}
