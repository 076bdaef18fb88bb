/**
 * `strongbox/redact`: keep secrets and personal data out of logs, telemetry
 * and error responses. One redactor masks secret values (in every encoding
 * `run` masks), fields named as personal data (`piiFields`), and emails,
 * phone numbers, IBANs, card numbers (Luhn-checked) and, when asked, IP
 * addresses in free text.
 *
 * @example
 * import { loadConfig } from "strongbox";
 * import { logRedactorFor, pinoRedaction } from "strongbox/redact";
 * const config = await loadConfig(schema);
 * const redactor = logRedactorFor(schema, config);
 * const log = pino({ ...pinoRedaction(redactor) });
 *
 * @packageDocumentation
 */
export {
  type ClientSafeError,
  clientSafeError,
  patchConsole,
  pinoRedaction,
  winstonRedaction,
} from "../redact/integrations.js";
export {
  createLogRedactor,
  DEFAULT_PII_FIELDS,
  type LogRedactor,
  type LogRedactorOptions,
  logRedactorFor,
} from "../redact/log-redactor.js";
export { maskFor } from "../redact/redactor.js";
export {
  DEFAULT_SCRUB,
  findPii,
  ibanChecks,
  luhn,
  type PiiKind,
  type PiiMatch,
  type ScrubOptions,
  scrubPii,
} from "../redact/scrubbers.js";
