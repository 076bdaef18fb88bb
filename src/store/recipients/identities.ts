import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { StrongboxError } from "../../errors.js";
import { readPrivateFile, strongboxConfigDir } from "../../security/key-file.js";
import {
  type AgeIdentity,
  ageIdentitiesIn,
  parseOpenSshEd25519,
  sshRecipientLine,
} from "./age-keys.js";

/** The identities file `strongbox keygen` writes: `$XDG_CONFIG_HOME/strongbox/identities`. */
export function identitiesFile(env: Readonly<Record<string, string | undefined>>): string {
  return join(strongboxConfigDir(env), "identities");
}

/** The SSH keys age would try: `~/.ssh/id_ed25519`. */
function sshKeyFiles(env: Readonly<Record<string, string | undefined>>): string[] {
  return [join(env.HOME || homedir(), ".ssh", "id_ed25519")];
}

/**
 * Every identity this process may use to open a store, in the order tried:
 * `STRONGBOX_IDENTITY` (age secret keys, for CI), `STRONGBOX_IDENTITY_FILE`
 * (age keys or an unencrypted OpenSSH ed25519 key), the identities file of
 * `strongbox keygen`, and `~/.ssh/id_ed25519`. Files must be the user's own
 * and private (as key files); a missing one is skipped, an unsafe one refused.
 * SSH keys are read only when `wantSsh` (a store names an SSH recipient).
 */
export function localIdentities(
  env: Readonly<Record<string, string | undefined>>,
  options: { wantSsh: boolean },
): AgeIdentity[] {
  const out: AgeIdentity[] = [];
  const inline = env.STRONGBOX_IDENTITY;
  if (inline !== undefined && inline !== "") {
    const found = ageIdentitiesIn(inline, "STRONGBOX_IDENTITY");
    if (found.length === 0)
      throw new StrongboxError(
        "E_STORE_KEY",
        "STRONGBOX_IDENTITY holds no age identity (AGE-SECRET-KEY-1…)",
        { hint: "set it to the secret key line strongbox keygen (or age-keygen) wrote" },
      );
    out.push(...found);
  }
  const named = env.STRONGBOX_IDENTITY_FILE;
  if (named !== undefined && named !== "") {
    if (!existsSync(named))
      throw new StrongboxError("E_STORE_KEY", `STRONGBOX_IDENTITY_FILE ${named} does not exist`, {
        hint: "point it at an age identities file or an ed25519 SSH key",
      });
    out.push(...identitiesFrom(named, readPrivateFile(named, "identity file")));
  }
  const own = identitiesFile(env);
  if (existsSync(own)) out.push(...identitiesFrom(own, readPrivateFile(own, "identity file")));
  if (options.wantSsh)
    for (const file of sshKeyFiles(env)) {
      if (!existsSync(file)) continue;
      // ssh keeps its own rules for these files; a key we cannot parse is not ours to use.
      const key = parseOpenSshEd25519(readFileSync(file, "utf8"));
      if (key !== undefined)
        out.push({
          kind: "ssh",
          ...key,
          recipient: sshRecipientLine(key.publicWire),
          source: file,
        });
    }
  return out;
}

function identitiesFrom(file: string, text: string): AgeIdentity[] {
  const ssh = parseOpenSshEd25519(text);
  if (ssh !== undefined)
    return [{ kind: "ssh", ...ssh, recipient: sshRecipientLine(ssh.publicWire), source: file }];
  const found = ageIdentitiesIn(text, file);
  if (found.length === 0)
    throw new StrongboxError("E_STORE_KEY", `${file} holds no identity Strongbox can use`, {
      hint: "it should hold AGE-SECRET-KEY-1… lines (strongbox keygen) or an unencrypted ed25519 OpenSSH key",
    });
  return found;
}
