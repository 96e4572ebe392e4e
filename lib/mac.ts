/**
 * MAC addresses, the key of every device. Phones and operators write them in many notations
 * (`00:04:13:A1:1F:A7`, `00-04-13-a1-1f-a7`, `0004.13a1.1fa7`, `000413a11fa7`); everything inside
 * drachtio-pnp uses one form: 12 upper-case hex digits.
 */

const SEPARATED = /^[0-9a-f]{2}([:-])[0-9a-f]{2}(?:\1[0-9a-f]{2}){4}$/i;
const CISCO_DOTTED = /^[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}$/i;
const BARE = /^[0-9a-f]{12}$/i;
const NORMALIZED = /^[0-9A-F]{12}$/;

/** Normalises a MAC in any common notation to 12 upper-case hex digits; `undefined` if it is not one. */
export function normalizeMac(input: string): string | undefined {
  // Most MACs arrive normalised already (every lookup after the SUBSCRIBE's own parse).
  if (NORMALIZED.test(input)) return input;
  const s = input.trim();
  if (BARE.test(s) || SEPARATED.test(s) || CISCO_DOTTED.test(s)) {
    return s.replace(/[^0-9a-f]/gi, '').toUpperCase();
  }
  return undefined;
}

/** True when `mac` is already in the normalised form. */
export function isNormalizedMac(mac: string): boolean {
  return NORMALIZED.test(mac);
}
