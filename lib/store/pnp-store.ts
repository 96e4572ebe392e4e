/**
 * `openPnpStore({ url })`: everything the plugin shares with other instances in one object, for the `store` option
 * of createPnpSecurity and createPnp (docs/shared-state.md, docs/plugin.md).
 */
import type { Logger } from '../log/logger.js';
import { registerPnpStore, type PnpStore } from '../plugin/pnp-store.js';
import { RedisTokenStore } from '../security/redis-token-store.js';
import { RedisSubscribeClaims } from './redis-claims.js';
import { RedisEnrolmentStore } from './redis-enrolment.js';
import { openSharedStore, type SharedStore } from './shared-store.js';

export interface PnpStoreOptions {
  /** `redis://[user:password@]host[:port][/db]` or `rediss://…`; the password is never logged. */
  url: string;
  /** Prefix of every key; every instance of one deployment uses the same. Default `drachtio-pnp:`. */
  keyPrefix?: string;
  /** How long a claim on a SUBSCRIBE holds, in seconds; default 64. */
  claimWindowSeconds?: number;
  /** Replicas that must confirm an enrolment before its secrets are served (Redis WAIT); default 0. */
  waitReplicas?: number;
  logger?: Logger;
}

export interface OpenedPnpStore extends PnpStore {
  /** The connection, for what else the host shares (device state: RedisDeviceStates). */
  readonly shared: SharedStore;
}

/** Connects in the background (the documented failure rules apply until it is up); throws a TypeError for a bad URL. */
export function openPnpStore(options: PnpStoreOptions): OpenedPnpStore {
  const logger = options.logger;
  const shared = openSharedStore({ url: options.url, ...(options.keyPrefix ? { keyPrefix: options.keyPrefix } : {}), ...(logger ? { logger } : {}) });
  const store: OpenedPnpStore = {
    shared,
    claims: new RedisSubscribeClaims(shared, { windowMs: (options.claimWindowSeconds ?? 64) * 1000, ...(logger ? { logger } : {}) }),
    tokens: new RedisTokenStore(shared, logger ? { logger } : {}),
    enrolment: new RedisEnrolmentStore(shared, { waitReplicas: options.waitReplicas ?? 0 }),
    shownUrl: shared.shownUrl,
    get ready() {
      return shared.ready;
    },
    close: () => shared.close(),
  };
  registerPnpStore(store);
  return store;
}
