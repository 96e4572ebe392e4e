/**
 * The `Authorization` header, read strictly (RFC 9110 §11: `scheme 1*SP #auth-param`, auth-param = `token BWS "="
 * BWS ( token / quoted-string )`), and the quoting of values for `WWW-Authenticate`. Pure.
 *
 * No library: the maintained ones either bundle a whole server integration or parse with regular expressions that
 * take `cnonce=` for `nonce=`; this scanner is short and its tests cover the edges.
 */

/** Longest header looked at; a real digest answer is under 600 bytes. */
export const MAX_AUTHORIZATION_LENGTH = 4096;

export type AuthorizationHeader =
  | { scheme: 'digest'; params: ReadonlyMap<string, string> }
  | { scheme: 'basic'; user: string; password: string }
  | { scheme: 'other' };

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+/;

/** Parses the header; `undefined` when it is missing, too long or malformed (a duplicate parameter included). */
export function parseAuthorization(header: string | undefined): AuthorizationHeader | undefined {
  if (header === undefined || header.length > MAX_AUTHORIZATION_LENGTH) return undefined;
  const text = header.trim();
  const scheme = TOKEN.exec(text)?.[0];
  if (!scheme) return undefined;
  const rest = text.slice(scheme.length);
  switch (scheme.toLowerCase()) {
    case 'digest': {
      if (!/^ +\S/.test(rest)) return undefined;
      const params = parseParams(rest.trimStart());
      return params ? { scheme: 'digest', params } : undefined;
    }
    case 'basic': return parseBasic(rest);
    default: return { scheme: 'other' };
  }
}

function parseParams(text: string): Map<string, string> | undefined {
  const params = new Map<string, string>();
  let i = 0;
  const skipSpace = () => { while (text[i] === ' ' || text[i] === '\t') i++; };
  while (i < text.length) {
    const name = TOKEN.exec(text.slice(i))?.[0];
    if (!name) return undefined;
    i += name.length;
    skipSpace();
    if (text[i] !== '=') return undefined;
    i++;
    skipSpace();
    let value: string;
    if (text[i] === '"') {
      value = '';
      i++;
      for (;;) {
        const c = text[i];
        if (c === undefined) return undefined; // unterminated
        if (c === '"') { i++; break; }
        if (c === '\\') {
          const next = text[i + 1];
          if (next === undefined) return undefined;
          value += next;
          i += 2;
          continue;
        }
        if (c < ' ' && c !== '\t') return undefined;
        value += c;
        i++;
      }
    } else {
      const token = TOKEN.exec(text.slice(i))?.[0];
      if (!token) return undefined;
      value = token;
      i += token.length;
    }
    const key = name.toLowerCase();
    if (params.has(key)) return undefined;
    params.set(key, value);
    skipSpace();
    if (i >= text.length) break;
    if (text[i] !== ',') return undefined;
    i++;
    skipSpace();
    while (text[i] === ',') { i++; skipSpace(); } // empty list elements are allowed
  }
  return params.size > 0 ? params : undefined;
}

function parseBasic(rest: string): AuthorizationHeader | undefined {
  const m = /^ +([A-Za-z0-9+/]+={0,2}) *$/.exec(rest);
  if (!m?.[1]) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { scheme: 'basic', user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** A quoted-string for a challenge parameter. */
export function quoted(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}
