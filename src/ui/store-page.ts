import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Project } from "../project/open.js";
import { environmentStore, storeDirectory } from "../providers/store/directory.js";
import { peekKeyring } from "../store/keyring.js";
import { recipientsOf } from "../store/recipients/wrapper.js";
import { h } from "./html.js";

/** The project's store and each environment's own: how many secrets, and who can open it (never a key). */
export function storePage(
  project: Project,
  environments: readonly string[],
  processEnv: Readonly<Record<string, string | undefined>>,
): string {
  const sections = [undefined, ...environments].flatMap((environment) => {
    const base = storeDirectory(project.config, project.baseDir, processEnv);
    const dir = environment === undefined ? base : environmentStore(base, environment);
    const keyring = join(dir, "keyring.sbx");
    if (!existsSync(keyring)) return environment === undefined ? ["<p>No store.</p>"] : [];
    const { master } = peekKeyring(readFileSync(keyring), keyring);
    const recipients = master.kind === "recipients" ? recipientsOf(master, keyring) : [];
    const secrets = existsSync(join(dir, "secrets"))
      ? readdirSync(join(dir, "secrets")).filter((file) => file.endsWith(".sbx")).length
      : 0;
    const who =
      master.kind === "recipients"
        ? `<ul class="recipients">${recipients.map((r) => `<li>${h(r.name ?? "-")} · ${h(r.type)} · <code>${h(r.recipient.slice(0, 64))}</code></li>`).join("")}</ul>`
        : `<p>Opened with ${master.kind === "passphrase" ? "a passphrase" : "a master key file"} (no recipients).</p>`;
    return [
      `<section><h2>${h(environment === undefined ? "The project's store" : `${environment}'s own store`)}</h2><p>${secrets} secret(s) · <code>${h(dir)}</code></p>${who}</section>`,
    ];
  });
  return sections.join("");
}
