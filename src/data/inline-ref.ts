import { StrongboxError } from "../errors.js";
import type { PathTemplate } from "./ref-text.js";

/** An inline ref's body: `<path>~<envelope>`. */
export function contextOf(body: string): { context: string; envelope: string } {
  const tilde = body.indexOf("~");
  if (tilde < 0)
    throw new StrongboxError("E_DATA_REF", "the row's inline value is malformed", {
      hint: "rows hold references this application wrote; a changed row is refused rather than followed",
    });
  return { context: body.slice(0, tilde), envelope: body.slice(tilde + 1) };
}

/** The row id an inline ref was written for; `E_DATA_REF` outside the template. */
export function idOfInline(body: string, template: PathTemplate): string {
  const id = template.idOf(contextOf(body).context);
  if (id === undefined)
    throw new StrongboxError(
      "E_DATA_REF",
      `the row's inline value was written outside ${template.template}`,
      {
        hint: "rows hold references this application wrote; a changed row is refused rather than followed",
      },
    );
  return id;
}
