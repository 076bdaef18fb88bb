// The packages a build keeps outside the bundle because Strongbox loads them lazily:
// the one table in src/security/optional-packages.ts (read from tsc's output, which
// `npm run build` writes first), with @smithy/*, the AWS SDK's own runtime.
import { OPTIONAL_PACKAGES } from "../dist/src/security/optional-packages.js";

export const optionalExternals = [
  ...OPTIONAL_PACKAGES.map((entry) => entry.name),
  "@aws-sdk/*",
  "@smithy/*",
  "@azure/*",
];
