/**
 * The service's Prometheus metrics (prom-client), fed by the responder's `onEvent`, the route's `onServe`, the
 * directory, the inventory and the drachtio link. Labels are bounded: no MAC, no address; phone-chosen values
 * (vendor, model) through BoundedLabel.
 *
 * Names (prefix `drachtio_pnp_`):
 *   subscribes_total{vendor,model,outcome,reason}  PnP SUBSCRIBEs by how they ended (answered/rejected/failed/ignored)
 *   notifies_total{result}                          NOTIFY results: accepted, refused, timeout (408), failed (not sent)
 *   notify_duration_seconds                         from sending the NOTIFY to its final response
 *   files_served_total{vendor,kind,status}          files served (200, 304) by kind (settings, bootstrap, ...)
 *   provisioning_responses_total{status}            every answer of the provisioning route, refusals included
 *   auth_failures_total{realm,kind}                 failed authentications (api, metrics, provisioning, sip)
 *   lookup_duration_seconds{backend,outcome}        device lookups (found, unknown, error)
 *   lookup_api_requests_total{outcome}              HTTP lookup backend: fresh, cached, stale, unknown, error
 *   inventory_devices                               devices in the inventory in service
 *   inventory_reload_errors_total                   reloads that found the file unusable
 *   drachtio_connected                              1 while the admin connection to drachtio-server is up
 *   drachtio_disconnects_total                      connections lost or refused
 * With a shared store (`store.url`, docs/shared-state.md), read at scrape time from the store's own counts:
 *   store_up                                        1 while the connection to Redis is up
 *   store_command_failures_total{reason}            Redis commands that failed: timeout (past the deadline), error
 *   store_claims_total{outcome}                     SUBSCRIBE claims: won, lost, taken_over, released, unclaimed
 *   store_queued_devices                            device states waiting to reach Redis (it is down: they pile up)
 *   store_queued_history_records                    history records waiting to reach Redis
 *   store_history_dropped_total                     history records dropped because Redis could not take them
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { ServedFileEvent } from '../http/provisioning-reply.js';
import type { PnpExchangeEvent } from '../sip/responder-options.js';
import { BoundedLabel } from './bounded-label.js';
import { TalliedHistogram } from './tallied-histogram.js';

export const METRIC_PREFIX = 'drachtio_pnp_';

/** Where an authentication failed. */
export type AuthRealm = 'api' | 'metrics' | 'provisioning' | 'sip';

export interface PnpMetrics {
  readonly registry: Registry;
  /** For the responder's `onEvent`. */
  recordExchange(event: PnpExchangeEvent): void;
  /** For the route's `onServe`. */
  recordServedFile(event: ServedFileEvent): void;
  /** Every response of the provisioning route, by status code. */
  recordProvisioningResponse(status: number): void;
  /** A failed authentication; `kind` is what was tried: token, digest, basic, bearer, certificate. */
  recordAuthFailure(realm: AuthRealm, kind: string): void;
  /** One device lookup; `backend` is `inventory`, `http` or `memory`. */
  recordLookup(backend: string, outcome: 'found' | 'unknown' | 'error', seconds: number): void;
  /** What the HTTP lookup backend did for one lookup. */
  recordLookupApi(outcome: 'fresh' | 'cached' | 'stale' | 'unknown' | 'error'): void;
  setInventorySize(devices: number): void;
  recordInventoryReloadError(): void;
  setDrachtioConnected(connected: boolean): void;
  /** Exports the shared store's state and counts (once, at start, with `store.url`). */
  watchStore(source: StoreMetricsSource): void;
  /** Text for a scrape, and its content type. */
  scrape(): Promise<{ contentType: string; body: string }>;
}

/** What `/metrics` reads from the shared store at each scrape (counts since start). */
export interface StoreMetricsSource {
  /** Whether the connection to Redis is up now. */
  up(): boolean;
  commandFailures(): { readonly timeout: number; readonly error: number };
  /** The SUBSCRIBE claims' counts (absent: claims are not asked here). */
  claims?(): { readonly won: number; readonly lost: number; readonly tookOver: number; readonly released: number; readonly unclaimed: number };
  /** The shared device state's queue (absent: device state is not shared here). */
  queue?(): { readonly devices: number; readonly records: number; readonly droppedRecords: number };
}

export interface PnpMetricsOptions {
  /** Also export Node's process metrics (CPU, memory, event loop); default true. */
  processMetrics?: boolean;
  /** Distinct models kept as label values; default 50. */
  maxModels?: number;
}

const NOTIFY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 32, 40];
const LOOKUP_BUCKETS = [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5];
const NO_LABELS = (): Record<never, string> => ({});
const AUTH_KINDS = new Set(['token', 'digest', 'basic', 'bearer', 'certificate', 'neighbour']);

/**
 * A counter with labels whose hot path is a Map increment: prom-client's `inc(labels)` validates and hashes the
 * labels on every call, which for the counters every SUBSCRIBE and file touches cost more than the rest of the
 * metrics together. The counts reach prom-client when it collects, at scrape time.
 */
class TalliedCounter<L extends string> {
  readonly #tallies = new Map<string, { labels: Record<L, string>; value: number }>();

  constructor(config: { name: string; help: string; labelNames: readonly L[]; registers: Registry[] }) {
    const tallies = this.#tallies;
    // Registered with the registry by prom-client itself; nothing else holds it.
    new Counter<L>({
      ...config,
      labelNames: [...config.labelNames],
      collect() {
        this.reset();
        for (const { labels, value } of tallies.values()) this.inc(labels as Partial<Record<L, string>>, value);
      },
    });
  }

  /** Adds one; `key` must be the label values joined (any separator that cannot occur in them). */
  inc(key: string, labels: () => Record<L, string>): void {
    const tally = this.#tallies.get(key);
    if (tally) tally.value += 1;
    else this.#tallies.set(key, { labels: labels(), value: 1 });
  }
}

export function createPnpMetrics(opts: PnpMetricsOptions = {}): PnpMetrics {
  const registry = new Registry();
  if (opts.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
  const registers = [registry];
  const vendors = new BoundedLabel(30);
  const models = new BoundedLabel(opts.maxModels ?? 50);

  const subscribes = new TalliedCounter({
    name: `${METRIC_PREFIX}subscribes_total`, help: 'PnP SUBSCRIBEs by vendor, model and how they ended',
    labelNames: ['vendor', 'model', 'outcome', 'reason'], registers,
  });
  const subscribed = (vendor: string, model: string, outcome: string, reason: string): void =>
    subscribes.inc(`${vendor}\n${model}\n${outcome}\n${reason}`, () => ({ vendor, model, outcome, reason }));
  const notifies = new TalliedCounter({ name: `${METRIC_PREFIX}notifies_total`, help: 'NOTIFYs by result', labelNames: ['result'], registers });
  const notified = (result: string): void => notifies.inc(result, () => ({ result }));
  const notifySeconds = new TalliedHistogram({
    name: `${METRIC_PREFIX}notify_duration_seconds`, help: 'Time from sending a NOTIFY to its final response', buckets: NOTIFY_BUCKETS, registers,
  });
  const files = new TalliedCounter({
    name: `${METRIC_PREFIX}files_served_total`, help: 'Provisioning files served, by kind and status', labelNames: ['vendor', 'kind', 'status'], registers,
  });
  const responses = new TalliedCounter({
    name: `${METRIC_PREFIX}provisioning_responses_total`, help: 'Responses of the provisioning route by status code', labelNames: ['status'], registers,
  });
  const authFailures = new Counter({
    name: `${METRIC_PREFIX}auth_failures_total`, help: 'Failed authentications by realm and kind', labelNames: ['realm', 'kind'], registers,
  });
  const lookups = new TalliedHistogram<'backend' | 'outcome'>({
    name: `${METRIC_PREFIX}lookup_duration_seconds`, help: 'Device lookups by backend and outcome', buckets: LOOKUP_BUCKETS, registers,
  });
  const lookupApi = new Counter({
    name: `${METRIC_PREFIX}lookup_api_requests_total`, help: 'HTTP lookup backend: how each lookup was answered', labelNames: ['outcome'], registers,
  });
  const inventoryDevices = new Gauge({ name: `${METRIC_PREFIX}inventory_devices`, help: 'Devices in the inventory in service', registers });
  const reloadErrors = new Counter({ name: `${METRIC_PREFIX}inventory_reload_errors_total`, help: 'Inventory reloads that found the file unusable', registers });
  const connected = new Gauge({ name: `${METRIC_PREFIX}drachtio_connected`, help: '1 while connected to drachtio-server', registers });
  const disconnects = new Counter({ name: `${METRIC_PREFIX}drachtio_disconnects_total`, help: 'Connections to drachtio-server lost or refused', registers });
  connected.set(0);
  let isConnected = false;

  return {
    registry,
    recordExchange(event) {
      if (event.type === 'received') return;
      if (event.type === 'notified') {
        notified(event.status >= 200 && event.status < 300 ? 'accepted' : event.status === 408 ? 'timeout' : 'refused');
        notifySeconds.observe('', NO_LABELS, event.ms / 1000);
        return;
      }
      if (event.type === 'failed' && event.stage === 'notify') return notified('failed');
      const vendor = vendors.value(event.vendor);
      const model = models.value(event.model);
      switch (event.type) {
        case 'answered':
          return subscribed(vendor, model, event.status >= 200 && event.status < 300 ? 'answered' : 'rejected', '');
        case 'ignored':
          return subscribed(vendor, model, 'ignored', event.reason);
        case 'failed':
          return subscribed(vendor, model, 'failed', '');
      }
    },
    recordServedFile(event) {
      const status = String(event.status);
      files.inc(`${event.vendor}\n${event.kind}\n${status}`, () => ({ vendor: event.vendor, kind: event.kind, status }));
    },
    recordProvisioningResponse(status) {
      const label = Number.isInteger(status) && status >= 100 && status < 600 ? String(status) : 'other';
      responses.inc(label, () => ({ status: label }));
    },
    recordAuthFailure(realm, kind) {
      authFailures.inc({ realm, kind: AUTH_KINDS.has(kind) ? kind : 'other' });
    },
    recordLookup(backend, outcome, seconds) {
      lookups.observe(`${backend}\n${outcome}`, () => ({ backend, outcome }), seconds);
    },
    recordLookupApi(outcome) {
      lookupApi.inc({ outcome });
    },
    setInventorySize(devices) {
      inventoryDevices.set(devices);
    },
    recordInventoryReloadError() {
      reloadErrors.inc();
    },
    setDrachtioConnected(up) {
      if (isConnected && !up) disconnects.inc();
      isConnected = up;
      connected.set(up ? 1 : 0);
    },
    watchStore(source) {
      watchStore(source, registers);
    },
    async scrape() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}

/** Gauges and counters whose values the store keeps: set from it when prom-client collects, at scrape time. */
function watchStore(source: StoreMetricsSource, registers: Registry[]): void {
  new Gauge({
    name: `${METRIC_PREFIX}store_up`, help: '1 while the connection to the shared Redis is up', registers,
    collect() { this.set(source.up() ? 1 : 0); },
  });
  new Counter({
    name: `${METRIC_PREFIX}store_command_failures_total`, help: 'Redis commands that failed: timeout (past the deadline) or error (refused, unreachable)',
    labelNames: ['reason'], registers,
    collect() {
      const f = source.commandFailures();
      this.reset();
      this.inc({ reason: 'timeout' }, f.timeout);
      this.inc({ reason: 'error' }, f.error);
    },
  });
  const claims = source.claims;
  if (claims) {
    new Counter({
      name: `${METRIC_PREFIX}store_claims_total`,
      help: 'SUBSCRIBE claims: won, lost (another instance answers), taken_over (from one that died or released it), released (could not answer), unclaimed (Redis unreachable: answered without a claim)',
      labelNames: ['outcome'], registers,
      collect() {
        const c = claims();
        this.reset();
        for (const [outcome, value] of [['won', c.won], ['lost', c.lost], ['taken_over', c.tookOver], ['released', c.released], ['unclaimed', c.unclaimed]] as const) {
          this.inc({ outcome }, value);
        }
      },
    });
  }
  const queue = source.queue;
  if (queue) {
    new Gauge({
      name: `${METRIC_PREFIX}store_queued_devices`, help: 'Device states waiting to reach the shared Redis', registers,
      collect() { this.set(queue().devices); },
    });
    new Gauge({
      name: `${METRIC_PREFIX}store_queued_history_records`, help: 'History records waiting to reach the shared Redis', registers,
      collect() { this.set(queue().records); },
    });
    new Counter({
      name: `${METRIC_PREFIX}store_history_dropped_total`, help: 'History records dropped because the shared Redis could not take them in time', registers,
      collect() {
        this.reset();
        this.inc(queue().droppedRecords);
      },
    });
  }
}
