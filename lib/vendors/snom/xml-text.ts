/**
 * Text that XML 1.0 can carry. Characters XML 1.0 forbids (U+0000–U+0008, U+000B, U+000C, U+000E–U+001F,
 * unpaired surrogates, U+FFFE, U+FFFF) cannot be written even as character references, so they are removed:
 * a value with a stray control character must not make the whole file unreadable to the phone.
 * Line ends become `\n` (what any XML parser turns them into); in attribute values tabs and line ends become
 * spaces (what attribute-value normalisation would make of them). So what a parser reads back equals what we
 * meant to write.
 */

/**
 * xmlbuilder2 (4.x) leaves an `&` alone when it already looks like the start of an entity or a decimal character
 * reference (`&amp;`, `&foo;`, `&#1;`): it takes such text as half-escaped. Our values are plain text, so that
 * `&` is escaped here and the builder keeps the escape; otherwise `&foo;` would make the file ill-formed and
 * `&amp;` would reach the phone as `&`. The render tests read every value back with a strict parser.
 */
const ENTITY_LIKE_AMPERSAND = /&(?=[A-Za-z]+;|#\d+;)/g;

const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** A value for element content, for xmlbuilder2's `txt()`. */
export function builderText(value: string): string {
  return value.replace(FORBIDDEN, '').replace(/\r\n?/g, '\n').replace(ENTITY_LIKE_AMPERSAND, '&amp;');
}

/** A value for an attribute, for xmlbuilder2's `ele(name, attributes)`. */
export function builderAttribute(value: string): string {
  return builderText(value).replace(/[\t\n]/g, ' ');
}

/** Whether `name` can be an element name (the subset of XML names Snom settings use). */
export function isElementName(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(name);
}
