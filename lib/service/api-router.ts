/**
 * The service's read-only operator endpoints, as an express Router:
 *
 *   GET /api/devices            the one device view (state/device-view.ts): every inventory device, then the
 *                               unknown phones seen    ?status= ?since= ?incomplete=1 ?unknown=1 ?refused=1
 *   GET /api/devices/<mac>      one device's row (404 when neither in the inventory nor seen)
 *   GET /api/summary            the counts by status (the same as `devices summary` and the rollout page)
 *   GET /api/events             the provisioning history, oldest first   ?mac= ?since= ?limit= (default 1000); with a
 *                               shared store every instance's, each event naming its `instance`
 *   GET /api/events/stream      server-sent events: `devices` with the changed rows and the new counts
 *   GET /metrics                Prometheus text format
 *
 * `/api` answers only with `Authorization: Bearer <api.token>` (compared in constant time) and is not there at
 * all without a configured token; `/metrics` asks for `metrics.token` when one is set. Failed attempts are
 * counted (drachtio_pnp_auth_failures_total) and logged with the address, never with what was sent. They are
 * limited per source address too (`failureLimit`, a token bucket): a source over it gets 429 for every request,
 * a right token included (or guessing would go on at full speed), until its bucket refills, and one
 * `pnp: rate-limited ip=... kind=api-auth` line a minute instead of a line per attempt.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Router, type NextFunction, type Request, type Response } from 'express';
import { silentLogger, type Logger } from '../log/logger.js';
import { SourceLimit, TokenBuckets } from '../security/rate-limit.js';
import { normalizeMac } from '../mac.js';
import type { AuthRealm, PnpMetrics } from '../metrics/pnp-metrics.js';
import type { DeviceStateStore } from '../state/device-state-store.js';
import { filterView, isStatusName, VIEW_STATUSES, type ViewFilter } from '../state/device-view.js';
import type { DeviceFeed } from './device-feed.js';
import { streamFeed } from './device-feed.js';
import type { HistoryQuery } from '../state/event-log-reader.js';
import { parseSince } from '../state/since.js';
import { sendJsonList } from './json-list-response.js';

export interface ApiRouterOptions {
  /** The bearer token for `/api`; without one `/api` is not served. */
  apiToken?: string;
  /** Device state; without it `/api/devices` and `/api/events` answer 503. */
  state?: DeviceStateStore;
  /** The device view of `state` and the inventory (required with `state`). */
  feed?: DeviceFeed;
  /** Metrics; without them `/metrics` is not served. */
  metrics?: PnpMetrics;
  /** A bearer token `/metrics` asks for. */
  metricsToken?: string;
  /** Failed bearer checks allowed per source address (`/api` and `/metrics` together); default burst 20, 10 a minute. */
  failureLimit?: { burst?: number; perMinute?: number; maxSources?: number };
  logger?: Logger;
  /** Clock in milliseconds, for tests; `Date.now` by default. */
  now?: () => number;
}

const DEFAULT_EVENT_LIMIT = 1000;
const MAX_EVENT_LIMIT = 10_000;

export function apiRouter(opts: ApiRouterOptions): Router {
  const logger = opts.logger ?? silentLogger;
  const router = Router();
  const { state, metrics, feed } = opts;
  const maxSources = opts.failureLimit?.maxSources ?? 20_000;
  const failures = new SourceLimit('api-auth', new TokenBuckets({
    burst: opts.failureLimit?.burst ?? 20, refillPerMinute: opts.failureLimit?.perMinute ?? 10, maxSources, ...(opts.now ? { now: opts.now } : {}),
  }), logger, { maxSources, ...(opts.now ? { now: opts.now } : {}) });

  if (metrics) {
    router.get('/metrics', requireBearer('metrics', opts.metricsToken, { metrics, logger, failures }), async (_req, res) => {
      const { contentType, body } = await metrics.scrape();
      res.status(200).set('Cache-Control', 'no-store').type(contentType).send(body);
    });
  }

  if (opts.apiToken !== undefined) {
    const api = Router();
    api.use(requireBearer('api', opts.apiToken, { metrics, logger, failures }));
    api.use((req, res, next) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.status(405).set('Allow', 'GET, HEAD').json({ error: 'read-only API: GET only' });
        return;
      }
      res.set('Cache-Control', 'no-store');
      // With a shared store: whose devices this answer shows (docs/shared-state.md).
      const view = state?.view;
      if (view !== undefined) res.set('X-Pnp-Device-View', view);
      next();
    });
    if (state && feed) {
      api.get('/devices', async (req, res) => {
        const query = devicesQuery(req.query);
        if ('error' in query) return void res.status(400).json(query);
        await sendJsonList(res, 'devices', filterView(feed.rows(), query));
      });
      api.get('/devices/:mac', (req, res) => {
        const mac = normalizeMac(String(req.params.mac));
        if (!mac) return void res.status(400).json({ error: 'not a MAC address' });
        const row = feed.row(mac);
        if (!row) return void res.status(404).json({ error: 'not in the inventory and never seen', mac });
        res.json(row);
      });
      api.get('/summary', (_req, res) => { res.json(feed.summary()); });
      api.get('/events/stream', (_req, res) => { streamFeed(feed, res, (batch) => batch); });
      api.get('/events', async (req, res) => {
        const query = eventsQuery(req.query);
        if ('error' in query) return void res.status(400).json(query);
        // With a shared store: every instance's history, or this one's while Redis cannot be read (said as for devices).
        const { records, view } = await state.historyView(query);
        if (view !== undefined) res.set('X-Pnp-Device-View', view);
        await sendJsonList(res, 'events', records);
      });
    } else {
      api.get(['/devices', '/devices/:mac', '/summary', '/events', '/events/stream'], (_req, res) => {
        res.status(503).json({ error: 'device state is off (state.enabled: false) or could not be opened' });
      });
    }
    api.use((_req, res) => { res.status(404).json({ error: 'no such endpoint' }); });
    api.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
      logger.error({ err }, 'API request failed');
      res.status(500).json({ error: 'internal error' });
    });
    router.use('/api', api);
  }
  return router;
}

function requireBearer(realm: AuthRealm, token: string | undefined, on: { metrics: PnpMetrics | undefined; logger: Logger; failures: SourceLimit }) {
  const expected = token === undefined ? undefined : digest(token);
  return function checkBearer(req: Request, res: Response, next: NextFunction): void {
    if (expected === undefined) return next();
    const ip = req.ip ?? req.socket.remoteAddress ?? '';
    res.set('Cache-Control', 'no-store');
    // Checked before the token: a source over its limit learns nothing more, right token or not.
    if (on.failures.blocked(ip)) {
      res.status(429).set('Retry-After', String(on.failures.retryAfterSeconds(ip))).json({ error: 'too many failed attempts' });
      return;
    }
    const header = req.headers.authorization ?? '';
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    // Hash both sides: the comparison takes the same time whatever the length or content of what was sent.
    if (match?.[1] !== undefined && timingSafeEqual(digest(match[1]), expected)) return next();
    on.failures.take(ip);
    on.metrics?.recordAuthFailure(realm, 'bearer');
    on.logger.warn({ ip, realm, path: req.path.slice(0, 64), presented: header !== '' }, `pnp: auth-failed ip=${ip} kind=bearer realm=${realm}`);
    res.status(401).set('WWW-Authenticate', `Bearer realm="drachtio-pnp ${realm}"`).json({ error: 'unauthorized' });
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

type Query = Request['query'];

function one(q: Query, name: string): string | undefined {
  const v = q[name];
  return typeof v === 'string' ? v : undefined;
}

/** The query as the device view's filter, with the meanings `devices list` gives its options. */
function devicesQuery(q: Query): ViewFilter | { error: string } {
  const status = one(q, 'status');
  if (status !== undefined && !isStatusName(status)) {
    return { error: `status: one of ${VIEW_STATUSES.join(', ')} (or a state: ignored, rejected, failed, answered, notified, bootstrapped, provisioned)` };
  }
  const sinceText = one(q, 'since');
  const since = sinceText === undefined ? undefined : parseSince(sinceText);
  if (sinceText !== undefined && since === undefined) return { error: 'since: a duration (15m, 1h, 2d) or an ISO time' };
  const flag = (name: string) => one(q, name) === '1' || one(q, name) === 'true';
  const filter: ViewFilter = { incomplete: flag('incomplete'), unknown: flag('unknown'), refused: flag('refused') };
  if (status !== undefined) filter.status = status;
  if (since !== undefined) filter.seenSince = since;
  return filter;
}

function eventsQuery(q: Query): HistoryQuery | { error: string } {
  const query: HistoryQuery = { limit: DEFAULT_EVENT_LIMIT };
  const macText = one(q, 'mac');
  if (macText !== undefined) {
    const mac = normalizeMac(macText);
    if (!mac) return { error: 'mac: not a MAC address' };
    query.mac = mac;
  }
  const sinceText = one(q, 'since');
  if (sinceText !== undefined) {
    const since = parseSince(sinceText);
    if (!since) return { error: 'since: a duration (15m, 1h, 2d) or an ISO time' };
    query.since = since;
  }
  const limit = one(q, 'limit');
  if (limit !== undefined) {
    if (!/^\d{1,6}$/.test(limit) || Number(limit) < 1 || Number(limit) > MAX_EVENT_LIMIT) return { error: `limit: 1 to ${MAX_EVENT_LIMIT}` };
    query.limit = Number(limit);
  }
  return query;
}
