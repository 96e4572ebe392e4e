/**
 * What the plugin's factories take as `store`: the state instances share (docs/shared-state.md), made by
 * `openPnpStore({ url })` from `drachtio-pnp/store`. Only the shape lives here, so that the main entry never loads
 * a Redis client: a one-box plugin that passes no store loads none.
 */
import type { SharedEnrolmentStore } from '../security/shared-enrolment.js';
import type { SharedTokenStore } from '../security/tokens.js';
import type { SubscribeClaims } from '../sip/subscribe-claims.js';

export interface PnpStore {
  /** Who answers a SUBSCRIBE among the instances (createPnp's `claims`). */
  readonly claims: SubscribeClaims;
  /** Provisioning tokens every instance honours (createPnpSecurity's `tokens.store`). */
  readonly tokens: SharedTokenStore;
  /** The enrolment register every instance checks (createPnpSecurity's `enrolment`). */
  readonly enrolment: SharedEnrolmentStore;
  /** Where it is, for log lines (never a password). */
  readonly shownUrl: string;
  /** Whether it is reachable now. */
  readonly ready: boolean;
  close(): Promise<void>;
}

const opened = new WeakSet<object>();

/** Marks a store made by openPnpStore (so the factories can tell it from a look-alike). */
export function registerPnpStore(store: PnpStore): PnpStore {
  opened.add(store);
  return store;
}

export function isPnpStore(value: unknown): value is PnpStore {
  return typeof value === 'object' && value !== null && opened.has(value);
}
