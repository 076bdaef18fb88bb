import { isIPv6 } from "node:net";

/** The kinds of personal data found by pattern in free text. */
export type PiiKind = "email" | "phone" | "iban" | "card" | "ipv4" | "ipv6";

/** Which scrubbers run; IP addresses are off unless asked for (they are often needed in logs). */
export type ScrubOptions = Partial<Readonly<Record<PiiKind, boolean>>>;

export const DEFAULT_SCRUB: Readonly<Record<PiiKind, boolean>> = {
  email: true,
  phone: true,
  iban: true,
  card: true,
  ipv4: false,
  ipv6: false,
};

/** One match: where it is and what it is. */
export interface PiiMatch {
  readonly kind: PiiKind;
  readonly start: number;
  readonly end: number;
}

interface Scrubber {
  readonly kind: PiiKind;
  readonly pattern: RegExp;
  /** A second look that turns away look-alikes (a Luhn or mod-97 check, a date). */
  readonly accept?: (match: string) => boolean;
}

// Each pattern refuses to start or end inside a longer run of the same characters,
// so a match is never a slice of an identifier, a hash or a longer number.
const SCRUBBERS: readonly Scrubber[] = [
  {
    kind: "email",
    pattern:
      /(?<![\w.%+-])[A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,62}[A-Za-z0-9_%+-])?@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w-])/g,
  },
  {
    kind: "iban",
    pattern:
      /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?(?![A-Za-z0-9])/g,
    accept: ibanChecks,
  },
  {
    kind: "card",
    // Card numbers start with 2 to 6 (the issuer ranges in use); epoch times and ids starting
    // with 1 are left alone, and the Luhn check turns away nine in ten other look-alikes.
    pattern: /(?<![\d-])[2-6](?:[ -]?\d){12,18}(?![\d-])/g,
    accept: (match) => luhn(match.replace(/[ -]/g, "")),
  },
  {
    kind: "ipv6",
    pattern: /(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?:%\w+)?(?![\w:])/g,
    accept: (match) =>
      match.includes("::") || match.split(":").length === 8
        ? isIPv6(match.replace(/%\w+$/, ""))
        : false,
  },
  {
    kind: "ipv4",
    pattern:
      /(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\d.])/g,
  },
  {
    // International (+…) or grouped national numbers: 10 to 15 digits with separators. A bare
    // run of digits is not a phone number here: it is far more often an id, a count or a time.
    kind: "phone",
    pattern:
      /(?<![\w+-]|\d\.)(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?\d{2,5}(?:[ .-]\d{2,5}){1,4}(?![\w-]|\.\d)/g,
    accept: (match) => {
      const digits = match.replace(/\D/g, "").length;
      if (digits < 10 || digits > 15) return false;
      if (/^\d{4}-\d{2}-\d{2}/.test(match)) return false; // a date, perhaps with a time after it
      return match.startsWith("+") || match.startsWith("(") || /\d[ .-]\d+[ .-]\d/.test(match);
    },
  },
];

/**
 * Finds personal data in `text`: emails, phone numbers, IBANs (mod-97
 * checked), payment card numbers (Luhn checked, so an order number of the
 * same length is left alone), and IPv4/IPv6 addresses when asked. Matches
 * never overlap; the earlier scrubber in the list above wins.
 */
export function findPii(text: string, options: ScrubOptions = {}): PiiMatch[] {
  const enabled = { ...DEFAULT_SCRUB, ...options };
  const found: PiiMatch[] = [];
  const taken = (start: number, end: number) => found.some((m) => start < m.end && end > m.start);
  for (const scrubber of SCRUBBERS) {
    if (!enabled[scrubber.kind]) continue;
    const whole = new RegExp(`^(?:${scrubber.pattern.source})$`);
    const valid = (candidate: string) =>
      whole.test(candidate) && (scrubber.accept === undefined || scrubber.accept(candidate));
    const pattern = new RegExp(scrubber.pattern.source, "g");
    for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
      const start = match.index;
      let candidate = match[0];
      // A greedy match that runs into one already found (a phone number followed by a card
      // number) is cut short before it.
      const clash = found.find((m) => start < m.end && start + candidate.length > m.start);
      if (clash !== undefined) {
        if (clash.start <= start) continue;
        candidate = text.slice(start, clash.start).replace(/[ .-]+$/, "");
      }
      // A match that fails its check may hold a valid one followed by a neighbour (a card
      // number, then another number after a space): drop trailing groups until it passes.
      while (!valid(candidate)) {
        const cut = candidate.search(/[ .-][^ .-]*$/);
        if (cut <= 0) break;
        candidate = candidate.slice(0, cut);
      }
      const end = start + candidate.length;
      const accepted = valid(candidate) && !taken(start, end);
      if (accepted) found.push({ kind: scrubber.kind, start, end });
      // Go on right after what was taken, so a neighbour the greedy match swallowed is found.
      pattern.lastIndex = accepted ? end : start + 1;
    }
  }
  return found.sort((a, b) => a.start - b.start);
}

/** `text` with each match of {@link findPii} replaced by `replace(kind)`. */
export function scrubPii(
  text: string,
  replace: (kind: PiiKind, match: string) => string,
  options: ScrubOptions = {},
): string {
  const matches = findPii(text, options);
  if (matches.length === 0) return text;
  let out = "";
  let at = 0;
  for (const match of matches) {
    out += text.slice(at, match.start) + replace(match.kind, text.slice(match.start, match.end));
    at = match.end;
  }
  return out + text.slice(at);
}

/** The Luhn checksum of a card number's digits. */
export function luhn(digits: string): boolean {
  if (!/^\d{13,19}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

/** ISO 13616: move the first four characters to the end, letters to numbers, mod 97 must be 1. */
export function ibanChecks(text: string): boolean {
  const iban = text.replace(/ /g, "");
  if (iban.length < 15 || iban.length > 34) return false;
  const moved = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const char of moved) {
    const value = char >= "A" && char <= "Z" ? String(char.charCodeAt(0) - 55) : char;
    for (const digit of value) remainder = (remainder * 10 + Number(digit)) % 97;
  }
  return remainder === 1;
}
