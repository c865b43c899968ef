/**
 * HTML that cannot carry an unescaped value: `html` is a tagged template whose every
 * interpolation is escaped unless it is already SafeHtml (made by `html` itself). Every value
 * from Amigo reaches a page through it, so markup or quotes in a name are shown, never run.
 */
export class SafeHtml {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Text for an element's content or a quoted attribute value. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (character) => ENTITIES[character] ?? character);
}

export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

function part(value: HtmlValue): string {
  if (value instanceof SafeHtml) return value.text;
  if (Array.isArray(value)) return value.map(part).join("");
  if (value === null || value === undefined || value === false) return "";
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0] ?? "";
  values.forEach((value, index) => {
    out += part(value) + (strings[index + 1] ?? "");
  });
  return new SafeHtml(out);
}

/** Joins fragments (each escaped unless SafeHtml). */
export function join(values: readonly HtmlValue[], separator = ""): SafeHtml {
  return new SafeHtml(values.map(part).join(separator));
}
