/**
 * What is logged about a provisioning request: who asked (IP, User-Agent). Never the query string, headers
 * other than the User-Agent, or anything served.
 */
import type { Request } from 'express';

/** Longest User-Agent kept for logs and events; the header is the client's to choose. */
const MAX_USER_AGENT = 256;

export interface RequestFacts {
  /** Client address as express sees it (honours the host app's `trust proxy`). */
  ip: string;
  userAgent?: string;
}

export function requestFacts(req: Request): RequestFacts {
  const facts: RequestFacts = { ip: req.ip ?? req.socket.remoteAddress ?? '' };
  const ua = req.headers['user-agent'];
  if (ua) facts.userAgent = ua.slice(0, MAX_USER_AGENT);
  return facts;
}
