/**
 * Conditional GET for generated files: a strong ETag from the content, `If-None-Match` answered with 304.
 * A phone that re-fetches unchanged settings (periodic refresh, reboot) then costs one header exchange.
 */
import { hash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * A strong entity tag for `body`: a quoted SHA-256 prefix (128 bits, base64url). Deterministic, so the same
 * content gets the same tag across restarts and replicas. It is only ever sent alongside the content it
 * describes, to a client that was given that content.
 */
export function strongEtag(body: string | Buffer): string {
  return `"${hash('sha256', body, 'base64url').slice(0, 22)}"`;
}

/**
 * The last body without secrets tagged, and its tag: the same model container goes to every phone of a model, one
 * after another. (Files with secrets are tagged afresh and never kept here.)
 */
let lastBody = '';
let lastEtag = strongEtag('');

function etagOf(body: string): string {
  if (body !== lastBody) {
    lastEtag = strongEtag(body);
    lastBody = body;
  }
  return lastEtag;
}

/**
 * True when an `If-None-Match` header matches `etag`: `*`, or a list containing it. Comparison is weak, as
 * RFC 9110 prescribes for If-None-Match (a `W/` prefix is ignored).
 */
export function ifNoneMatchMatches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const value = header.trim();
  if (value === '*') return true;
  const opaque = etag.replace(/^W\//, '');
  return value.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === opaque);
}

/** How long a served file may be kept: `no-store` for files holding secrets, `no-cache` (revalidate) for the rest. */
export type CachePolicy = 'no-store' | 'no-cache';

export const XML_CONTENT_TYPE = 'application/xml; charset=utf-8';

/**
 * Sends an XML body with ETag, Cache-Control and Content-Length, or 304 when the client already has it; HEAD gets
 * the headers only. Returns the status sent.
 */
export function sendXml(req: IncomingMessage, res: ServerResponse, body: string, cache: CachePolicy): 200 | 304 {
  return sendFile(req, res, body, cache, XML_CONTENT_TYPE);
}

/** As sendXml, for a body of any content type (XML when not given): each vendor's files have their own. */
export function sendFile(
  req: IncomingMessage, res: ServerResponse, body: string, cache: CachePolicy, contentType = XML_CONTENT_TYPE,
): 200 | 304 {
  const etag = cache === 'no-store' ? strongEtag(body) : etagOf(body);
  if (ifNoneMatchMatches(req.headers['if-none-match'], etag)) {
    res.writeHead(304, { ETag: etag, 'Cache-Control': cache, 'X-Content-Type-Options': 'nosniff' });
    res.end();
    return 304;
  }
  res.writeHead(200, {
    ETag: etag, 'Cache-Control': cache, 'X-Content-Type-Options': 'nosniff', 'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(body, 'utf8'),
  });
  // A string body goes out with the header in one write, encoded on the way (no Buffer to allocate and collect).
  if (req.method === 'HEAD') res.end();
  else res.end(body, 'utf8');
  return 200;
}
