/**
 * `drachtio-pnp/store`: state shared between instances in Redis (docs/shared-state.md), apart from the main entry so
 * that one box never loads the Redis client.
 *
 * @example
 * const shared = openSharedStore({ url: process.env.PNP_REDIS_URL!, logger });
 * const security = createPnpSecurity({ key, tokens: { store: new RedisTokenStore(shared, { logger }) }, logger });
 * const pnp = createPnp({ publicUrl, directory, security, claims: new RedisSubscribeClaims(shared, { logger }), logger });
 */
export { openSharedStore, redactRedisUrl, type SharedStore, type SharedStoreOptions } from './shared-store.js';
export { RedisSubscribeClaims, type RedisClaimsOptions } from './redis-claims.js';
export { RedisTokenStore, type RedisTokenStoreOptions } from '../security/redis-token-store.js';
export type { ClaimKey, SubscribeClaims } from '../sip/subscribe-claims.js';
export { RedisEnrolmentStore, type RedisEnrolmentStoreOptions } from './redis-enrolment.js';
export type { SharedEnrolmentStore, SharedEnrolmentResult } from '../security/shared-enrolment.js';
export { RedisDeviceStates, type RedisDeviceStatesOptions } from './redis-device-states.js';
export { openPnpStore, type OpenedPnpStore, type PnpStoreOptions } from './pnp-store.js';
