/**
 * What the provisioning handler reads of a request, from node:http alone, or from what express added when the
 * handler runs inside an express app (mount prefix, `trust proxy`). What is logged about a request: who asked
 * (IP, User-Agent); never the query string, headers other than the User-Agent, or anything served.
 */
import type { IncomingMessage } from 'node:http';

/** Longest User-Agent kept for logs and events; the header is the client's to choose. */
const MAX_USER_AGENT = 256;

export interface RequestFacts {
  /** Client address (inside express: as express sees it, honouring the host app's `trust proxy`). */
  ip: string;
  userAgent?: string;
}

/** What express adds to a request, when it is there. */
interface ExpressAdditions {
  ip?: unknown;
  protocol?: unknown;
  baseUrl?: unknown;
  originalUrl?: unknown;
}

export function requestFacts(req: IncomingMessage): RequestFacts {
  const ip = (req as ExpressAdditions).ip;
  const facts: RequestFacts = { ip: typeof ip === 'string' ? ip : req.socket.remoteAddress ?? '' };
  const ua = req.headers['user-agent'];
  if (ua) facts.userAgent = ua.length > MAX_USER_AGENT ? ua.slice(0, MAX_USER_AGENT) : ua;
  return facts;
}

export interface RequestTarget {
  /** The path relative to where the handler is mounted, raw as received (not decoded), without the query. */
  path: string;
  /** Where the handler is mounted (`/prov` under `app.use('/prov', ...)`; empty at the root or outside express). */
  mountPath: string;
  /** The request target exactly as the client sent it (what a digest answer's `uri` names). */
  uri: string;
}

/** An absolute-form target (`http://host/path`), as sent to proxies: its scheme and authority. */
const ABSOLUTE_FORM = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/;

/**
 * Where the request goes. Inside express, `req.url` is already relative to the mount path and `req.baseUrl` is
 * that path; outside it, `req.url` is the whole target.
 */
export function requestTarget(req: IncomingMessage): RequestTarget {
  const url = req.url ?? '/';
  const express = req as ExpressAdditions;
  const mountPath = typeof express.baseUrl === 'string' ? express.baseUrl : '';
  const uri = typeof express.originalUrl === 'string' ? express.originalUrl : url;
  return { path: pathOf(url), mountPath, uri };
}

/** The path of a request target: up to the query (or a fragment, which a client should not send). */
export function pathOf(url: string): string {
  let path = url;
  if (path.charCodeAt(0) !== 0x2f /* / */) {
    const origin = ABSOLUTE_FORM.exec(path);
    if (origin) path = path.slice(origin[0].length) || '/';
  }
  const end = path.search(/[?#]/);
  return end < 0 ? path : path.slice(0, end);
}

/** `https` on a TLS connection (inside express: as express sees it, honouring `trust proxy`), else `http`. */
export function requestProtocol(req: IncomingMessage): string {
  const protocol = (req as ExpressAdditions).protocol;
  if (typeof protocol === 'string') return protocol;
  return (req.socket as { encrypted?: unknown }).encrypted === true ? 'https' : 'http';
}
