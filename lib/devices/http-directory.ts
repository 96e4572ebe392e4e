/**
 * Devices looked up from an HTTP API (a PBX's provisioning endpoint) instead of, or in front of, the YAML
 * inventory. `GET <url>/<MAC>` (MAC as 12 upper-case hex digits) answers:
 *
 *   200  the device in the inventory's JSON form: one device (`{"mac": "000413A11FA7", "accounts": [...]}`, whose
 *        `model` and `group` are then plain names) or a whole inventory document (`{"defaults": {...},
 *        "groups": {...}, "devices": [...]}`) that describes it; validated and resolved exactly as the YAML
 *        inventory is (lib/inventory), so the same mistakes are refused with the same messages
 *   404  no such device
 *
 * Answers are cached: a device for `ttlMs`, a 404 for `unknownTtlMs`. When the API is down (no answer within
 * `timeoutMs`, a refused connection, a 5xx, a body that is not a valid device), the rule is:
 *   1. a cached answer not older than `ttlMs + staleMs` is used (and the lookup counted as `stale`);
 *   2. otherwise the `fallback` directory (the YAML inventory, when one is configured) is asked;
 *   3. otherwise the device is unknown, and the unknown-device policy applies on both halves.
 * A 404 goes to the fallback too: the API is consulted first, the file fills in.
 * Concurrent lookups of one MAC share one request. `defaults()` (for bootstrap files) come from the fallback.
 */
import { formatInventoryError } from '../inventory/errors.js';
import { loadInventory } from '../inventory/load.js';
import { silentLogger, type Logger } from '../log/logger.js';
import { normalizeMac } from '../mac.js';
import type { Device, DeviceProfile } from './device.js';
import type { DeviceDirectory } from './directory.js';

export type HttpLookupOutcome = 'fresh' | 'cached' | 'stale' | 'unknown' | 'error';

export interface HttpDirectoryOptions {
  /** Base URL; a device is `GET <url>/<MAC>`. */
  url: string;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** Deadline of one request, in ms; default 1500. */
  timeoutMs?: number;
  /** How long an answer is used without asking again; default 5 minutes. */
  ttlMs?: number;
  /** How long past its TTL an answer may stand in while the API is down; default 1 hour. */
  staleMs?: number;
  /** How long a 404 is remembered; default 30 s. */
  unknownTtlMs?: number;
  /** Answers kept at most (least recently fetched dropped first); default 10 000. */
  maxEntries?: number;
  /** Largest body read, in bytes; default 1 MiB. */
  maxBodyBytes?: number;
  /** Asked for devices the API does not know, and while it is down; gives `defaults()`. */
  fallback?: DeviceDirectory;
  logger?: Logger;
  /** Told how each lookup was answered (for metrics). */
  onLookup?: (outcome: HttpLookupOutcome) => void;
  /** For tests. */
  now?: () => number;
}

interface CacheEntry {
  device: Device | undefined;
  at: number;
}

class LookupFailure extends Error {}

export class HttpDirectory implements DeviceDirectory {
  readonly #base: string;
  readonly #opts: Required<Pick<HttpDirectoryOptions, 'timeoutMs' | 'ttlMs' | 'staleMs' | 'unknownTtlMs' | 'maxEntries' | 'maxBodyBytes'>>;
  readonly #cache = new Map<string, CacheEntry>();
  readonly #inFlight = new Map<string, Promise<Device | undefined>>();
  readonly #options: HttpDirectoryOptions;
  readonly #logger: Logger;
  readonly #now: () => number;

  constructor(options: HttpDirectoryOptions) {
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      throw new TypeError('HttpDirectory: options.url must be an absolute http(s) URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError('HttpDirectory: options.url must be an absolute http(s) URL');
    this.#base = url.href.replace(/\/+$/, '');
    this.#options = options;
    this.#opts = {
      timeoutMs: options.timeoutMs ?? 1500,
      ttlMs: options.ttlMs ?? 300_000,
      staleMs: options.staleMs ?? 3_600_000,
      unknownTtlMs: options.unknownTtlMs ?? 30_000,
      maxEntries: options.maxEntries ?? 10_000,
      maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024,
    };
    this.#logger = options.logger ?? silentLogger;
    this.#now = options.now ?? Date.now;
  }

  async lookup(macText: string): Promise<Device | undefined> {
    const mac = normalizeMac(macText);
    if (mac === undefined) return undefined;
    const cached = this.#cache.get(mac);
    if (cached && this.#now() - cached.at < (cached.device ? this.#opts.ttlMs : this.#opts.unknownTtlMs)) {
      this.report('cached');
      return cached.device ?? this.fromFallback(mac);
    }
    let pending = this.#inFlight.get(mac);
    if (!pending) {
      pending = this.fetchAndDecide(mac, cached).finally(() => this.#inFlight.delete(mac));
      this.#inFlight.set(mac, pending);
    }
    return pending;
  }

  defaults(): DeviceProfile {
    return this.#options.fallback?.defaults() ?? {};
  }

  private async fetchAndDecide(mac: string, cached: CacheEntry | undefined): Promise<Device | undefined> {
    let device: Device | undefined;
    try {
      device = await this.fetchDevice(mac);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      if (cached && this.#now() - cached.at < this.#opts.ttlMs + this.#opts.staleMs) {
        this.report('stale');
        this.#logger.warn({ mac, url: this.#base, reason, ageSeconds: Math.round((this.#now() - cached.at) / 1000) }, 'device API unavailable: using the last answer');
        return cached.device ?? this.fromFallback(mac);
      }
      this.report('error');
      this.#logger.warn({ mac, url: this.#base, reason }, `device API unavailable: ${this.#options.fallback ? 'asking the inventory' : 'treating the device as unknown'}`);
      return this.fromFallback(mac);
    }
    this.remember(mac, device);
    this.report(device ? 'fresh' : 'unknown');
    return device ?? this.fromFallback(mac);
  }

  private async fetchDevice(mac: string): Promise<Device | undefined> {
    const url = `${this.#base}/${mac}`;
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (this.#options.token) headers.Authorization = `Bearer ${this.#options.token}`;
    const signal = AbortSignal.timeout(this.#opts.timeoutMs);
    let res: Response;
    try {
      res = await fetch(url, { headers, signal, redirect: 'error' });
    } catch (err) {
      throw new LookupFailure(signal.aborted ? `no answer within ${this.#opts.timeoutMs} ms` : `request failed (${causeOf(err)})`);
    }
    if (res.status === 404) {
      await res.body?.cancel();
      return undefined;
    }
    if (res.status !== 200) {
      await res.body?.cancel();
      throw new LookupFailure(`HTTP ${res.status}`);
    }
    const text = await readCapped(res, this.#opts.maxBodyBytes, signal, this.#opts.timeoutMs);
    return deviceFromAnswer(text, mac, url);
  }

  private fromFallback(mac: string): Promise<Device | undefined> {
    return this.#options.fallback ? this.#options.fallback.lookup(mac) : Promise.resolve(undefined);
  }

  private remember(mac: string, device: Device | undefined): void {
    this.#cache.delete(mac);
    if (this.#cache.size >= this.#opts.maxEntries) {
      const oldest = this.#cache.keys().next().value;
      if (oldest !== undefined) this.#cache.delete(oldest);
    }
    this.#cache.set(mac, { device, at: this.#now() });
  }

  private report(outcome: HttpLookupOutcome): void {
    try {
      this.#options.onLookup?.(outcome);
    } catch (err) {
      this.#logger.error({ err }, 'onLookup hook threw');
    }
  }
}

/** The device an answer describes, validated and resolved as the YAML inventory is; throws a LookupFailure. */
function deviceFromAnswer(text: string, mac: string, source: string): Device {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new LookupFailure('the answer is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new LookupFailure('the answer is not a JSON object');
  const document = 'devices' in value ? value : standAlone(value as Record<string, unknown>);
  const loaded = loadInventory(JSON.stringify(document), source);
  if (!loaded.ok) {
    const first = loaded.errors.slice(0, 3).map((e) => formatInventoryError({ ...e, line: undefined, column: undefined })).join('; ');
    throw new LookupFailure(`the answer is not a valid device: ${first}${loaded.errors.length > 3 ? ` (and ${loaded.errors.length - 3} more)` : ''}`);
  }
  const device = loaded.inventory.devices.get(mac);
  if (!device) throw new LookupFailure(`the answer does not describe ${mac}`);
  return device;
}

/** One device on its own: its model and group are names, with no layers behind them. */
function standAlone(device: Record<string, unknown>): object {
  const label = (v: unknown) => (typeof v === 'string' && v !== '' ? { [v]: {} } : {});
  return { models: label(device.model), groups: label(device.group), devices: [device] };
}

async function readCapped(res: Response, maxBytes: number, signal: AbortSignal, timeoutMs: number): Promise<string> {
  const reader = res.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel();
        throw new LookupFailure(`the answer is larger than ${maxBytes} bytes`);
      }
      chunks.push(value);
    }
  } catch (err) {
    if (err instanceof LookupFailure) throw err;
    throw new LookupFailure(signal.aborted ? `no complete answer within ${timeoutMs} ms` : `reading the answer failed (${causeOf(err)})`);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function causeOf(err: unknown): string {
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  const code = (cause as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : cause instanceof Error ? cause.message : String(cause);
}
