/**
 * A copy of `text` that does not keep the string it was cut from alive. V8 represents a substring of 13 or more
 * characters (a slice, a regex capture, a split part) as a view into its parent, and drachtio-srf cuts every header
 * value and the source address out of the whole frame it received: a Call-ID or an address kept for minutes
 * (tokens, the repeat guard, rate limits, device state) would keep the whole SUBSCRIBE alive with it, a boot
 * storm's worth of them. Concatenation followed by a slice makes V8 flatten into a new string first; the result
 * refers only to that (one character longer) copy.
 */
export function ownCopy(text: string): string {
  return text.length < 13 ? text : ` ${text}`.slice(1);
}
