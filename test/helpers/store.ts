import { join } from "node:path";
import { initStore, openStore } from "../../src/store/open.js";
import type { Store } from "../../src/store/store.js";
import { tempProject } from "./cli.js";

/** A new store in a temporary HOME, its key in the default key file. */
export async function tempStore(): Promise<Store> {
  const home = tempProject();
  const options = { dir: join(home, ".strongbox"), env: { HOME: home } };
  initStore(options);
  return openStore(options);
}
