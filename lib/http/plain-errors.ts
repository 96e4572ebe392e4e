/**
 * Error answers as short plain text (`404 Not Found`): no HTML, no JSON, no stack trace, nothing from the request
 * echoed back. Written with node:http alone, so they cost the same inside express or outside it.
 */
import { STATUS_CODES, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';

/** Sends `<status> <reason phrase>` as text/plain, with optional extra headers (Allow, Retry-After). */
export function sendPlainStatus(res: ServerResponse, status: number, headers: Record<string, string | readonly string[]> = {}): void {
  const body = `${status} ${STATUS_CODES[status] ?? 'Error'}\n`;
  const all: OutgoingHttpHeaders = {
    ...headers,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  };
  res.writeHead(status, all);
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

/** A short description of an error for a log line: its name and first line, never its stack or properties. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message.split('\n', 1)[0]?.slice(0, 200) ?? ''}`;
  return typeof err;
}
