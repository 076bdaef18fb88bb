/**
 * Whether a value in `.env.example` is a safe local placeholder rather than a
 * real secret. Seed 000 asks for "safe default values for local dev" there:
 * `postgresql://postgres:postgres@localhost/app`, `changeme`, `minioadmin`.
 * Those pass; anything with a known token prefix, a private key, a JWT, or
 * the randomness of a generated credential does not, and neither does a URL
 * whose host is a real one.
 */
export function isSafePlaceholder(value: string): boolean {
  const text = value.trim();
  if (text === "") return true;
  if (looksReal(text)) return false;
  const url = parseUrl(text);
  if (url !== undefined)
    return isLocalHost(url.hostname) && !looksRandom(decodeURIComponent(url.password));
  return PLACEHOLDER_WORDS.test(text) || !looksRandom(text);
}

/**
 * Whether a value is itself credential-shaped, whatever its name: a known
 * token prefix, a private key or JWT, a URL carrying a password, or a run of
 * generated randomness. Unlike {@link isSafePlaceholder} this does not count
 * a real host or readable words as a secret: `https://api.example.io`,
 * `google/gemini-2.0-flash-exp:free` and `HS256` are settings. Randomness is
 * judged per run between `/ . : , @` and spaces, so a model or path made of
 * words never adds up to "random" while a token with a slash in it still does.
 */
export function looksLikeCredential(value: string): boolean {
  const text = value.trim();
  if (text === "") return false;
  if (looksReal(text)) return true;
  const url = parseUrl(text);
  // Any password in a URL: a local one today is a production one after the next copy-paste.
  if (url !== undefined) return url.password !== "";
  if (PLACEHOLDER_WORDS.test(text)) return false;
  return text
    .split(/[/.:,@\s]+/)
    .some((run) => looksRandom(run) && run.split(/[-_=]+/).some(mixedWord));
}

/** A part of 8+ characters mixing letters with digits or both cases: not a word a person wrote. */
function mixedWord(part: string): boolean {
  if (part.length < 8) return false;
  const letters = /[A-Za-z]/.test(part);
  return (letters && /\d/.test(part)) || (/[a-z]/.test(part) && /[A-Z]/.test(part));
}

/** Token shapes no placeholder has: provider prefixes, private keys, JWTs. */
const REAL_PREFIXES =
  /^(?:sk_(?:live|test)_|rk_live_|pk_live_|ghp_|gho_|ghs_|ghu_|github_pat_|glpat-|xox[abposr]-|AKIA[0-9A-Z]{12}|ASIA[0-9A-Z]{12}|AIza[0-9A-Za-z_-]{20}|hvs\.|s\.[A-Za-z0-9]{20}|SG\.|eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.|-----BEGIN [A-Z ]*PRIVATE KEY-----|npm_[A-Za-z0-9]{20})/;

function looksReal(text: string): boolean {
  return REAL_PREFIXES.test(text);
}

/** Words that say "fill me in" in any case, alone or as part of the value. */
const PLACEHOLDER_WORDS =
  /^(?:<[^>]*>|\$\{[^}]*\}|x{3,}|\*{3,}|.*(?:change[-_]?me|change[-_]?it|replace[-_]?me|your[-_].*[-_]here|placeholder|dummy|example|not[-_]?a[-_]?secret|local[-_]?only|dev[-_]?only|todo).*)$/i;

/** Hosts that are clearly not production: loopback, reserved example and test names, compose service names. */
function isLocalHost(host: string): boolean {
  const name = host.replace(/^\[|\]$/g, "").toLowerCase();
  return (
    name === "" ||
    name === "localhost" ||
    name === "::1" ||
    name === "0.0.0.0" ||
    name === "host.docker.internal" ||
    /^127\.\d+\.\d+\.\d+$/.test(name) ||
    /\.(?:localhost|local|test|example|invalid|internal)$/.test(name) ||
    /^(?:[a-z0-9-]+\.)*example\.(?:com|net|org)$/.test(name) ||
    // A single label (`db`, `redis`, `minio`) is a service on a local compose network.
    /^[a-z0-9][a-z0-9_-]*$/.test(name)
  );
}

/**
 * A generated credential's randomness: long enough, and either many
 * distinct characters per position (Shannon entropy) or a mix of classes.
 * `minioadmin`, `postgres`, `password123` are not; `q8Zr2…` of 20 is.
 */
function looksRandom(text: string): boolean {
  if (text.length < 12) return false;
  const counts = new Map<string, number>();
  for (const char of text) counts.set(char, (counts.get(char) ?? 0) + 1);
  let entropy = 0;
  for (const count of counts.values()) {
    const p = count / text.length;
    entropy -= p * Math.log2(p);
  }
  const classes = [/[a-z]/, /[A-Z]/, /\d/, /[^A-Za-z0-9]/].filter((re) => re.test(text)).length;
  return entropy >= 3.5 || (entropy >= 3 && classes >= 3 && text.length >= 16);
}

function parseUrl(text: string): URL | undefined {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return undefined;
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}
