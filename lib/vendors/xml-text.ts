/**
 * The one place that escapes: every value written into a vendor's XML document (Snom, Grandstream, Fanvil) passes
 * through here.
 *
 * Characters XML 1.0 forbids (U+0000–U+0008, U+000B, U+000C, U+000E–U+001F, unpaired surrogates, U+FFFE,
 * U+FFFF) cannot be written even as character references, so they are removed: a value with a stray control
 * character must not make the whole file unreadable to the phone. Line ends become `\n` (what any XML parser
 * turns them into); in attribute values tabs and line ends become spaces (what attribute-value normalisation
 * would make of them). So what a parser reads back equals what we meant to write. Our values are plain text:
 * every `&` is escaped, also one that looks like the start of a reference (`&amp;` reaches the phone as `&amp;`).
 */

const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/** Anything that may need work; most values (names, numbers, hosts) have none and are returned as they are. */
const NEEDS_WORK = /[&<>"\u0000-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/;

/** A value for element content, escaped. */
export function xmlText(value: string): string {
  if (!NEEDS_WORK.test(value)) return value;
  return clean(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A value for a double-quoted attribute, escaped. */
export function xmlAttribute(value: string): string {
  if (!NEEDS_WORK.test(value)) return value;
  return clean(value).replace(/[\t\n]/g, ' ').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

function clean(value: string): string {
  return value.replace(FORBIDDEN, '').replace(/\r\n?/g, '\n');
}

/** Whether `name` can be an element name (the subset of XML names Snom settings use). */
export function isElementName(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(name);
}
