/**
 * The rollout page, `/ui/` (`/` leads there), as an express Router:
 *
 *   GET  /ui/login, POST /ui/login   a form that takes the API token (`api.token`) and sets an HttpOnly session
 *                                    cookie (SameSite=Strict, path /ui, 12 hours); POST /ui/logout ends it
 *   GET  /ui/                        the page: counts, filters, every device of the one device view
 *   GET  /ui/rows                    every row, rendered, with the counts (the page reads it after a reload)
 *   GET  /ui/stream                  server-sent events: changed rows, rendered, with the counts
 *   POST /ui/actions/reopen|add|resync   JSON `{mac}` (`add`: `{mac, fields}`); JSON answers
 *
 * Everything but the login form needs the session cookie or `Authorization: Bearer <api.token>` (for scripts). Actions
 * take `Content-Type: application/json` only, and refuse an `Origin` other than the page's own: a form on another
 * site cannot send one without the browser asking first, so the cookie cannot be used from elsewhere. No page
 * without an API token. Secrets never reach the page: a row holds no password, token or URL with one.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { silentLogger, type Logger } from '../../log/logger.js';
import type { EnrolmentStatus } from '../../security/enrolment.js';
import { normalizeMac } from '../../mac.js';
import { summarize, type DeviceSummary, type DeviceViewRow } from '../../state/device-view.js';
import type { DeviceFeed } from '../device-feed.js';
import { streamFeed } from '../device-feed.js';
import { countsOf, renderLogin, renderPage, renderRow, type RowActions } from './page-html.js';

/** What the page's buttons do; each answers with a sentence for the operator, or throws an ActionError. */
export interface RolloutActions {
  /** Lets an enrolled device receive its secrets by PnP once more; absent when the enrolment lock is off. */
  reopen?: (mac: string) => Promise<string>;
  enrolmentStatus?: (mac: string) => EnrolmentStatus;
  /** Adds a device to the inventory file; absent without one. */
  add?: (mac: string, fields: Record<string, string>) => Promise<string>;
  /** Sends a check-sync NOTIFY to the device's address. */
  resync?: (mac: string, address: { ip: string; port: number }) => Promise<string>;
}

/** A refusal to show the operator as it is (never holds a secret). */
export class ActionError extends Error {
  constructor(message: string, readonly status = 400) {
    super(message);
  }
}

export interface RolloutPageOptions {
  apiToken: string;
  feed: DeviceFeed;
  actions: RolloutActions;
  logger?: Logger;
  /** Failed logins, counted with the API's (drachtio_pnp_auth_failures_total). */
  onAuthFailure?: () => void;
}

const COOKIE = 'pnp_ui';
const SESSION_MS = 12 * 3_600_000;
const MAX_SESSIONS = 200;
const ADD_FIELDS = new Set(['model', 'group', 'description', 'user', 'authUser', 'password', 'displayName', 'registrar']);

export function rolloutPage(opts: RolloutPageOptions): Router {
  const logger = opts.logger ?? silentLogger;
  const { feed, actions } = opts;
  const expected = digest(opts.apiToken);
  /** Session id digests -> expiry (ms). */
  const sessions = new Map<string, number>();
  const rowActions: RowActions = {
    canAdd: actions.add !== undefined,
    canResync: actions.resync !== undefined,
    ...(actions.enrolmentStatus ? { enrolment: actions.enrolmentStatus } : {}),
  };
  const rendered = (mac: string) => {
    const row = feed.row(mac);
    return row === undefined ? undefined : renderRow(row, rowActions);
  };

  const tokenMatches = (presented: string) => timingSafeEqual(digest(presented), expected);
  const sessionOf = (req: Request): string | undefined => {
    const value = cookie(req, COOKIE);
    if (value === undefined) return undefined;
    const key = digest(value).toString('hex');
    const until = sessions.get(key);
    if (until === undefined || until < Date.now()) {
      sessions.delete(key);
      return undefined;
    }
    return key;
  };
  const authorised = (req: Request): boolean => {
    const bearer = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(req.headers.authorization ?? '')?.[1];
    if (bearer !== undefined) return tokenMatches(bearer);
    return sessionOf(req) !== undefined;
  };

  const router = Router();
  router.get('/', (_req, res) => { res.redirect(303, '/ui/'); });

  const ui = Router();
  ui.use((req, res, next) => {
    res.set({
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'X-Frame-Options': 'DENY',
    });
    next();
  });
  ui.get('/login', (_req, res) => { page(res, (nonce) => renderLogin(nonce, false)); });
  ui.post('/login', express.urlencoded({ extended: false, limit: '4kb' }), (req, res) => {
    const body: unknown = req.body;
    const token = typeof body === 'object' && body !== null ? Reflect.get(body, 'token') : undefined;
    if (typeof token !== 'string' || !tokenMatches(token)) {
      opts.onAuthFailure?.();
      logger.warn({ ip: req.ip, realm: 'ui' }, `pnp: auth-failed ip=${req.ip ?? ''} kind=login realm=ui`);
      res.status(401);
      page(res, (nonce) => renderLogin(nonce, true));
      return;
    }
    const id = randomBytes(32).toString('base64url');
    pruneSessions(sessions);
    sessions.set(digest(id).toString('hex'), Date.now() + SESSION_MS);
    logger.info({ ip: req.ip }, 'rollout page: logged in');
    res.cookie(COOKIE, id, { httpOnly: true, sameSite: 'strict', path: '/ui', maxAge: SESSION_MS, secure: req.secure });
    res.redirect(303, '/ui/');
  });
  ui.post('/logout', (req, res) => {
    const key = sessionOf(req);
    if (key !== undefined) sessions.delete(key);
    res.clearCookie(COOKIE, { path: '/ui' });
    res.redirect(303, '/ui/login');
  });

  ui.use((req, res, next) => {
    if (authorised(req)) return next();
    if (req.method === 'GET' && req.path === '/') return void res.redirect(303, '/ui/login');
    res.status(401).json({ error: 'log in at /ui/login, or send Authorization: Bearer <api.token>' });
  });
  ui.get('/', (_req, res) => {
    const rows = feed.rows();
    page(res, (nonce) => renderPage(rows, summaryOf(rows), rowActions, nonce));
  });
  ui.get('/rows', (_req, res) => {
    const rows = feed.rows();
    res.json({ rows: rows.map((r) => ({ mac: r.mac, html: renderRow(r, rowActions) })), counts: countsOf(summaryOf(rows)) });
  });
  ui.get('/stream', (_req, res) => {
    streamFeed(feed, res, (batch) => ({
      rows: batch.rows.map((r) => ({ mac: r.mac, html: renderRow(r, rowActions) })), counts: countsOf(batch.summary),
    }));
  });

  ui.post('/actions/:action', (req, res, next) => {
    if (!req.is('application/json')) return void res.status(415).json({ error: 'send JSON (Content-Type: application/json)' });
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `${req.protocol}://${req.headers.host ?? ''}`) {
      return void res.status(403).json({ error: 'not from this page' });
    }
    next();
  }, express.json({ limit: '16kb' }), (req, res, next) => {
    const body: unknown = req.body;
    const macText = typeof body === 'object' && body !== null ? Reflect.get(body, 'mac') : undefined;
    const mac = typeof macText === 'string' ? normalizeMac(macText) : undefined;
    if (!mac) return void res.status(400).json({ error: 'mac: not a MAC address' });
    run(req.params.action ?? '', mac, body as object).then((message) => {
      logger.info({ ip: req.ip, action: req.params.action, mac }, 'rollout page action');
      res.json({ ok: true, message, ...optionalHtml(rendered(mac)) });
    }, (err: unknown) => {
      if (err instanceof ActionError) return void res.status(err.status).json({ error: err.message });
      next(err);
    });
  });
  ui.use((_req, res) => { res.status(404).json({ error: 'no such page' }); });
  ui.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    // body-parser's error carries the raw body (an action may hold a password): a bad body is named, never logged.
    const notJson = typeof err === 'object' && err !== null && Reflect.get(err, 'type') === 'entity.parse.failed';
    if (notJson) logger.warn('rollout page request refused: its body is not JSON');
    else logger.error({ err }, 'rollout page request failed');
    res.status(notJson ? 400 : 500).json({ error: notJson ? 'not JSON' : 'internal error' });
  });
  router.use('/ui', ui);
  return router;

  async function run(action: string, mac: string, body: object): Promise<string> {
    switch (action) {
      case 'reopen': {
        if (!actions.reopen) throw new ActionError('the enrolment lock is off: there is nothing to reopen', 409);
        if (!feed.row(mac)?.inInventory) throw new ActionError(`${mac} is not in the inventory`, 404);
        return actions.reopen(mac);
      }
      case 'add': {
        if (!actions.add) throw new ActionError('no inventory file to add to', 409);
        return actions.add(mac, addFields(Reflect.get(body, 'fields')));
      }
      case 'resync': {
        if (!actions.resync) throw new ActionError('resync is not available', 409);
        const address = feed.row(mac)?.state?.address;
        if (!address) throw new ActionError(`${mac}: no address known (never seen)`, 409);
        return actions.resync(mac, address);
      }
      default:
        throw new ActionError('no such action', 404);
    }
  }
}

/** The same counts the feed sends and /api/summary gives, of the rows just read. */
function summaryOf(rows: readonly DeviceViewRow[]): DeviceSummary {
  return summarize(rows);
}

function addFields(value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ActionError('fields: an object of text fields');
  const fields: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) {
    if (!ADD_FIELDS.has(key)) throw new ActionError(`fields.${key.slice(0, 40)}: not a field the page sets (${[...ADD_FIELDS].join(', ')})`);
    if (typeof v !== 'string' || v.length > 200) throw new ActionError(`fields.${key}: text up to 200 characters`);
    if (v.trim() !== '') fields[key] = v.trim();
  }
  return fields;
}

function optionalHtml(html: string | undefined): { html?: string } {
  return html === undefined ? {} : { html };
}

/** Sends a page with a fresh nonce, allowed for its inline style and script and nothing from elsewhere. */
function page(res: Response, render: (nonce: string) => string): void {
  const nonce = randomBytes(16).toString('base64');
  res.set('Content-Security-Policy', [
    "default-src 'none'", `script-src 'nonce-${nonce}'`, `style-src 'nonce-${nonce}'`, "connect-src 'self'", "img-src 'self' data:",
    "form-action 'self'", "base-uri 'none'", "frame-ancestors 'none'",
  ].join('; '));
  res.type('html').send(render(nonce));
}

function pruneSessions(sessions: Map<string, number>): void {
  const t = Date.now();
  for (const [key, until] of sessions) if (until < t) sessions.delete(key);
  // Oldest first: Map keeps insertion order.
  while (sessions.size >= MAX_SESSIONS) {
    const oldest = sessions.keys().next().value;
    if (oldest === undefined) break;
    sessions.delete(oldest);
  }
}

function cookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
