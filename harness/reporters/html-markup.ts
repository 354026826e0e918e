/**
 * HTML built by a tagged template that escapes every interpolated value: a report carries the
 * candidate's own output (which may hold `<script>`), so no string reaches the page unescaped
 * unless it was itself built here (`Markup`). One place to get escaping right, nothing to forget.
 */

/** Text already made safe for HTML (built by `html`, or a constant of this code). */
export class Markup {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

type Value = Markup | string | number | boolean | null | undefined | readonly Value[];

/** Escapes text for an element's content or a quoted attribute value (both quote kinds). */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
    // Control characters other than tab and newlines have no business in a document.
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '\ufffd');
}

function render(value: Value): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof Markup) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

/** `html\`<p>${text}</p>\``: strings and numbers are escaped, Markup and arrays of it are not; null, undefined and false vanish. */
export function html(strings: TemplateStringsArray, ...values: Value[]): Markup {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return new Markup(out);
}

/** A constant of this code, trusted as markup (CSS, fixed SVG glyphs). */
export const trusted = (text: string): Markup => new Markup(text);

/** Characters allowed in an element id: requirement IDs and our own prefixes. */
export const idPart = (text: string): string => text.replace(/[^A-Za-z0-9_-]/g, '_');
