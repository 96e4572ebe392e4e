/**
 * Error answers as short plain text (`404 Not Found`): no HTML, no JSON, no stack trace, nothing from the request
 * echoed back. The error handler is the router's last layer, so no failure inside it reaches the host app's
 * handler (which may print stacks).
 */
import { STATUS_CODES } from 'node:http';
import type { ErrorRequestHandler, Response } from 'express';
import type { Logger } from '../logger.js';

/** Sends `<status> <reason phrase>` as text/plain, with optional extra headers (Allow, Retry-After). */
export function sendPlainStatus(res: Response, status: number, headers: Record<string, string | readonly string[]> = {}): void {
  const body = `${status} ${STATUS_CODES[status] ?? 'Error'}\n`;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.status(status).end(res.req.method === 'HEAD' ? undefined : body);
}

/** The status an error asks for (`err.status` 4xx from express/body parsers), else 500. */
export function statusOfError(err: unknown): number {
  if (typeof err === 'object' && err !== null) {
    const status = (err as { status?: unknown; statusCode?: unknown }).status ?? (err as { statusCode?: unknown }).statusCode;
    if (typeof status === 'number' && Number.isInteger(status) && status >= 400 && status < 500) return status;
  }
  return 500;
}

/** A short description of an error for a log line: its name and first line, never its stack or properties. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message.split('\n', 1)[0]?.slice(0, 200) ?? ''}`;
  return typeof err;
}

/** The router's last layer: any error becomes a clean 4xx/5xx; a response already under way is cut off. */
export function plainErrorHandler(logger: Logger): ErrorRequestHandler {
  return function provisioningErrorHandler(err: unknown, req, res, _next) {
    const status = statusOfError(err);
    const facts = { ip: req.ip, status, error: describeError(err) };
    if (status >= 500) logger.error(facts, 'provisioning request failed');
    else logger.debug(facts, 'provisioning request refused');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendPlainStatus(res, status);
  };
}
