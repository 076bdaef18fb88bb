/**
 * What a config file may import from "strongbox". Kept apart from the full
 * library so that a cached config pulls in a few lines, not the resolver.
 */
export { defineConfig } from "./schema/define.js";
