// PII scrubbing (issue 12): a corpus of log lines with expected output, known-answer
// checks for Luhn and IBAN, look-alikes left alone, and a property test.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  clientSafeError,
  createLogRedactor,
  findPii,
  ibanChecks,
  logRedactorFor,
  luhn,
  scrubPii,
} from "../../src/api/redact.js";
import { StrongboxError } from "../../src/errors.js";

const tag = (kind: string) => `[${kind}]`;
const scrub = (text: string, options = {}) => scrubPii(text, tag, options);

/** Input and expected output; the defaults scrub emails, phones, IBANs and cards, not IPs. */
const CORPUS: ReadonlyArray<readonly [string, string]> = [
  ["user ada.lovelace+news@example.co.uk signed up", "user [email] signed up"],
  ["mailto:Bob_99@mail-server.example.org;", "mailto:[email];"],
  ["charged card 4111 1111 1111 1111 for $20", "charged card [card] for $20"],
  ["card=5500-0000-0000-0004&cvv=***", "card=[card]&cvv=***"],
  ["amex 378282246310005.", "amex [card]."],
  ["order 4111111111111112 shipped", "order 4111111111111112 shipped"],
  ["paid to GB82 WEST 1234 5698 7654 32 today", "paid to [iban] today"],
  ["iban=DE89370400440532013000", "iban=[iban]"],
  ["ref DE89370400440532013001 is not an iban", "ref DE89370400440532013001 is not an iban"],
  ["call +44 20 7946 0958 or (555) 123-4567", "call [phone] or [phone]"],
  ["support: 555-123-4567.", "support: [phone]."],
  ["+1-202-555-0143 called", "[phone] called"],
  [
    "at 2026-11-29 10:22:33 took 1732840000123 ms, id 12345 67890",
    "at 2026-11-29 10:22:33 took 1732840000123 ms, id 12345 67890",
  ],
  ["version 10.2.3.4 from 192.168.1.20", "version 10.2.3.4 from 192.168.1.20"],
  ["uuid 0b6a1c44-9d1e-4c1a-8f3e-5b2d7c9e1a20 ok", "uuid 0b6a1c44-9d1e-4c1a-8f3e-5b2d7c9e1a20 ok"],
  ["sha 4f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d", "sha 4f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d"],
  ["no pii here, port 5432, pid 4242", "no pii here, port 5432, pid 4242"],
];

describe("PII scrubbers", () => {
  for (const [input, expected] of CORPUS)
    it(`scrubs: ${input}`, () => assert.equal(scrub(input), expected));

  it("IP addresses only when asked, IPv6 included; times with colons are not addresses", () => {
    const line = "from 192.168.1.20 and 2001:db8::8a2e:370:7334 at 10:22:33";
    assert.equal(scrub(line), line);
    assert.equal(scrub(line, { ipv4: true, ipv6: true }), "from [ipv4] and [ipv6] at 10:22:33");
    assert.equal(scrub("loopback ::1 ok", { ipv6: true }), "loopback [ipv6] ok");
  });

  it("Luhn and ISO 13616 checks on known answers", () => {
    for (const valid of [
      "4111111111111111",
      "5555555555554444",
      "378282246310005",
      "6011111111111117",
    ])
      assert.ok(luhn(valid), valid);
    for (const invalid of ["4111111111111112", "1234567812345678", "12345"])
      assert.ok(!luhn(invalid));
    for (const valid of [
      "GB82WEST12345698765432",
      "DE89370400440532013000",
      "FR1420041010050500013M02606",
      "NL91ABNA0417164300",
    ])
      assert.ok(ibanChecks(valid), valid);
    for (const invalid of ["GB82WEST12345698765433", "DE00370400440532013000"])
      assert.ok(!ibanChecks(invalid), invalid);
  });

  it("reports what it found and where, without overlaps", () => {
    const text = "a@b.io paid 4111111111111111";
    assert.deepEqual(
      findPii(text).map((m) => [m.kind, text.slice(m.start, m.end)]),
      [
        ["email", "a@b.io"],
        ["card", "4111111111111111"],
      ],
    );
  });

  // Random PII embedded in random text never survives.
  const word = fc.stringMatching(/^[A-Za-z,;:!?()'"=/#]{1,12}$/);
  const email = fc
    .tuple(
      fc.stringMatching(/^[a-z0-9][a-z0-9._+-]{0,10}[a-z0-9]$/),
      fc.stringMatching(/^[a-z][a-z0-9-]{0,8}[a-z0-9]$/),
      fc.constantFrom("com", "org", "io", "co.uk", "example"),
    )
    .filter(([local]) => !local.includes(".."))
    .map(([local, domain, tld]) => `${local}@${domain}.${tld}`);
  const card = fc
    .tuple(
      fc.constantFrom("4", "51", "52", "37", "6011"),
      fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 14, maxLength: 14 }),
      fc.constantFrom("", " ", "-"),
    )
    .map(([prefix, digits, separator]) => {
      const body = (prefix + digits.join("")).slice(0, 15);
      const number = body + luhnDigit(body);
      return separator === "" ? number : (number.match(/.{1,4}/g) ?? []).join(separator);
    });
  const iban = fc
    .tuple(
      fc.constantFrom("DE", "GB", "FR", "NL"),
      fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 18, maxLength: 18 }),
    )
    .map(([country, digits]) => ibanFor(country, digits.join("")));
  const phone = fc
    .tuple(
      fc.integer({ min: 1, max: 99 }),
      fc.integer({ min: 100, max: 999 }),
      fc.integer({ min: 100, max: 9999 }),
      fc.integer({ min: 1000, max: 9999 }),
    )
    .map(([cc, a, b, c]) => `+${cc} ${a} ${b} ${c}`);
  const pii = fc.oneof(email, card, iban, phone);

  it("property: embedded emails, cards, IBANs and phone numbers never survive", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            word,
            pii.map((value) => ({ value })),
          ),
          { minLength: 1, maxLength: 12 },
        ),
        (parts) => {
          const text = parts
            .map((part) => (typeof part === "string" ? part : part.value))
            .join(" ");
          const out = scrub(text);
          for (const part of parts)
            if (typeof part !== "string")
              assert.ok(!out.includes(part.value), `${part.value} survived in: ${out}`);
        },
      ),
      { numRuns: Number(process.env.STRONGBOX_PII_RUNS ?? 500) },
    );
  });
});

describe("the log redactor", () => {
  const redactor = createLogRedactor({
    secrets: [{ name: "API_KEY", value: "sk_live_51HCanaryCanaryCanary" }],
    fields: ["email", "full_name", "phone"],
  });

  it("masks secret values in any encoding, PII fields by name (any case or separator), PII in free text", () => {
    const line = {
      msg: "signup by ada@example.com",
      fullName: "Ada Lovelace",
      user: { EMAIL: "ada@example.com", id: 7, "phone-number": "+44 20 7946 0958" },
      headers: {
        authorization: `Basic ${Buffer.from("u:sk_live_51HCanaryCanaryCanary").toString("base64")}`,
      },
      tags: ["card 4111111111111111", 3, null],
    };
    const out = redactor.value(line);
    assert.deepEqual(out, {
      msg: "signup by <redacted:email>",
      fullName: "<redacted:fullName>",
      user: { EMAIL: "<redacted:EMAIL>", id: 7, "phone-number": "<redacted:phone>" },
      headers: { authorization: out.headers.authorization },
      tags: ["card <redacted:card>", 3, null],
    });
    assert.match(out.headers.authorization, /^Basic \w{0,4}<redacted:API_KEY>/);
    assert.equal(line.user.EMAIL, "ada@example.com", "the input is not changed");
  });

  it("copes with cycles, errors and hostile keys", () => {
    const node: Record<string, unknown> = { email: "x@y.io" };
    node.self = node;
    const error = Object.assign(new Error("lookup of bob@example.com failed"), {
      email: "bob@example.com",
    });
    const out = redactor.value({ node, error, ["__proto__"]: { polluted: true } }) as unknown as {
      node: Record<string, unknown>;
      error: Record<string, unknown>;
    };
    assert.equal(out.node.self, out.node);
    assert.equal(out.error.message, "lookup of <redacted:email> failed");
    assert.equal(out.error.email, "<redacted:email>");
    assert.ok(!String(out.error.stack).includes("bob@example.com"));
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it("is built from a schema: secret and pii variables by value, piiFields by name", () => {
    const schema = {
      piiFields: ["customer"],
      variables: {
        DB_PASSWORD: { secret: true },
        OPS_EMAIL: { pii: true },
        PORT: { type: "port" as const },
      },
    };
    const fromSchema = logRedactorFor(schema, {
      DB_PASSWORD: "hunter2-but-longer",
      OPS_EMAIL: "oncall@shop.test",
      PORT: 8080,
    });
    assert.equal(
      fromSchema.text("pw hunter2-but-longer to oncall@shop.test on 8080"),
      "pw <redacted:DB_PASSWORD> to <redacted:OPS_EMAIL> on 8080",
    );
    assert.deepEqual(fromSchema.value({ customer: "Ada", email: "kept@x.io" }), {
      customer: "<redacted:customer>",
      email: "<redacted:email>",
    });
  });

  it("a custom replacement", () => {
    const custom = createLogRedactor({ replacement: () => "***" });
    assert.equal(custom.text("to a@b.io"), "to ***");
  });
});

describe("client-safe errors", () => {
  const redactor = createLogRedactor({ secrets: [{ name: "TOKEN", value: "tok-canary-123456" }] });

  it("an unknown error says only `internal error`, with an id to find it in the server log", () => {
    const safe = clientSafeError(
      new Error("duplicate key (email)=(ada@example.com) tok-canary-123456"),
      redactor,
    );
    assert.equal(safe.status, 500);
    assert.equal(safe.code, "E_INTERNAL");
    assert.equal(safe.message, "internal error");
    assert.match(safe.id, /^[0-9a-f]{16}$/);
  });

  it("Strongbox errors keep code and message, scrubbed; an unreachable source is 503", () => {
    const safe = clientSafeError(
      new StrongboxError(
        "E_VAULT_UNREACHABLE",
        "Vault at vault.internal unreachable for ops@example.com",
      ),
      redactor,
    );
    assert.deepEqual(
      [safe.status, safe.code, safe.message],
      [503, "E_VAULT_UNREACHABLE", "Vault at vault.internal unreachable for <redacted:email>"],
    );
  });

  it("an error marked expose (http-errors) keeps its status and a scrubbed message", () => {
    const error = Object.assign(new Error("no account for ada@example.com"), {
      status: 404,
      expose: true,
    });
    const safe = clientSafeError(error, redactor);
    assert.deepEqual([safe.status, safe.message], [404, "no account for <redacted:email>"]);
  });
});

function luhnDigit(body: string): string {
  for (let digit = 0; digit < 10; digit++) if (luhn(body + digit)) return String(digit);
  throw new Error("unreachable");
}

function ibanFor(country: string, bban: string): string {
  const numeric = `${bban}${country}00`.replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
  let remainder = 0;
  for (const digit of numeric) remainder = (remainder * 10 + Number(digit)) % 97;
  return `${country}${String(98 - remainder).padStart(2, "0")}${bban}`;
}
