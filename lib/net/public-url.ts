/** The one rule for a configured public URL, shared by the configuration's schema, the SIP half and the HTTP half. */

/**
 * Normalises a configured public URL (the router's root as phones reach it) into a base, or `undefined` when it
 * is not an absolute http(s) URL without credentials, query or fragment.
 */
export function baseFromPublicUrl(publicUrl: string): string | undefined {
  let url: URL;
  try {
    url = new URL(publicUrl);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.username || url.password || url.search || url.hash || publicUrl.includes('?') || publicUrl.includes('#')) return undefined;
  return url.href.replace(/\/+$/, '');
}
