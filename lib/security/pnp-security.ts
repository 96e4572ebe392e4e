/**
 * Everything the responder and the provisioning route share to keep secrets to the phone they belong to: the
 * token issuer, the per-device credentials, the digest authenticator and the per-source limits. One object, made
 * once and given to both halves:
 *
 * @example
 * const security = createPnpSecurity({ key: await loadOrCreateKeyFile('/var/lib/drachtio-pnp/credentials.key'), logger });
 * srf.use('subscribe', pnpResponder({ directory, publicUrl, security }));
 * app.use(provisioningRouter({ directory, publicUrl, security }));
 */
import { silentLogger, type Logger } from '../log/logger.js';
import { DeviceCredentials } from './credentials.js';
import { DigestAuthenticator, type DigestAlgorithm } from './digest.js';
import { EnrolmentRegister } from './enrolment-register.js';
import { isPnpStore, type PnpStore } from '../plugin/pnp-store.js';
import { NeighbourTable } from './neighbours.js';
import { SourceLimit, TokenBuckets } from './rate-limit.js';
import { MemoryTokenStore, ProvisioningTokens, type TokenBinding, type TokenStore } from './tokens.js';

export interface LimitOptions {
  /** Attempts a source may make at once. */
  burst?: number;
  /** Attempts given back per minute. */
  perMinute?: number;
}

export interface PnpSecurityOptions {
  /** The secret every device's HTTP credentials and the digest nonces derive from: at least 32 bytes. */
  key: Buffer | string;
  tokens?: {
    /** Window of a token, in seconds; default 600. */
    ttlSeconds?: number;
    /** `address` (default): the SUBSCRIBE's source exactly; `subnet`: its subnet (NAT pools); `none`: anywhere. */
    bind?: TokenBinding['kind'];
    /** Prefix lengths for `bind: subnet`; defaults 24 and 64. */
    ipv4Prefix?: number;
    ipv6Prefix?: number;
    /** Secret-bearing files one token may fetch; default 10. */
    maxUses?: number;
    /** Tokens kept at most by the built-in memory store; default 50 000. */
    maxEntries?: number;
    /** Another store (a persistent one) instead of memory. */
    store?: TokenStore;
  };
  digest?: {
    realm?: string;
    /** Offered in this order; default MD5 then SHA-256. */
    algorithms?: readonly DigestAlgorithm[];
    nonceTtlSeconds?: number;
    /** Accept Basic authentication too, on TLS connections only. Default false. */
    basicOverTls?: boolean;
  };
  rateLimits?: {
    /** PnP SUBSCRIBEs per source address; default burst 10, 20 a minute. Over it: silence. */
    subscribe?: LimitOptions;
    /** Failed token or credential checks per source address; default burst 20, 10 a minute. Over it: 429. */
    httpFailures?: LimitOptions;
    /** Source addresses remembered per limit; default 20 000. */
    maxSources?: number;
  };
  /**
   * Which devices may still receive their secrets by PnP (see enrolment.ts): after a device's settings were served
   * under a token once, its SUBSCRIBEs get no token until an operator reopens it. Default: a register in memory
   * (a restart lets every device enrol again); the service keeps one in a file (`EnrolmentRegister.open(file)`).
   * `false`: every PnP SUBSCRIBE of a known device gets a token, enrolled or not.
   */
  enrolment?: EnrolmentRegister | false;
  /**
   * Before secrets go out under a token, compare the device's MAC with the one the kernel's neighbour (ARP) table
   * holds for the requesting address, and refuse on a mismatch (neighbours.ts). Default: `/proc/net/arp`;
   * `false` turns the check off.
   */
  neighbours?: NeighbourTable | false;
  /** Refuse a device file whose MAC differs from the one in the verified client certificate; default true. */
  checkClientCertificateMac?: boolean;
  /** For the limits' log lines (`pnp: rate-limited ip=... kind=...`). */
  logger?: Logger;
  /** Clock in milliseconds, for tests; `Date.now` by default. */
  now?: () => number;
  /**
   * State shared with other instances (`openPnpStore({ url })` from `drachtio-pnp/store`, docs/shared-state.md):
   * tokens are kept there and honoured by every instance, and the enrolment register is the shared one (unless
   * `enrolment: false`). Give createPnp the same store.
   */
  store?: PnpStore;
}

export interface PnpSecurity {
  readonly tokens: ProvisioningTokens;
  readonly credentials: DeviceCredentials;
  readonly digest: DigestAuthenticator;
  readonly subscribeLimit: SourceLimit;
  readonly httpFailureLimit: SourceLimit;
  /** Absent when the enrolment lock is off. */
  readonly enrolment?: EnrolmentRegister;
  /** Absent when the neighbour check is off. */
  readonly neighbours?: NeighbourTable;
  readonly basicOverTls: boolean;
  readonly checkClientCertificateMac: boolean;
}

const made = new WeakSet<object>();
const stores = new WeakMap<object, PnpStore>();

/** The store a security object was made with (createPnp checks it is the one it was given). */
export function storeOfSecurity(security: PnpSecurity): PnpStore | undefined {
  return stores.get(security);
}

/** True for an object made by {@link createPnpSecurity}. */
export function isPnpSecurity(value: unknown): value is PnpSecurity {
  return typeof value === 'object' && value !== null && made.has(value);
}

/** Builds the shared security state; throws a TypeError naming a bad option. */
export function createPnpSecurity(options: PnpSecurityOptions): PnpSecurity {
  if (typeof options !== 'object' || options === null) throw new TypeError('createPnpSecurity: options are required');
  const now = options.now ?? Date.now;
  const logger = options.logger ?? silentLogger;
  const credentials = new DeviceCredentials(options.key);
  const t = options.tokens ?? {};
  const store = options.store;
  if (store !== undefined) {
    if (!isPnpStore(store)) throw new TypeError('createPnpSecurity: options.store must be the object openPnpStore() returns (drachtio-pnp/store)');
    if (t.store !== undefined) throw new TypeError('createPnpSecurity: give options.store or options.tokens.store, not both');
    if (options.enrolment !== undefined && options.enrolment !== false) {
      throw new TypeError('createPnpSecurity: with options.store the enrolment register is the shared one: leave options.enrolment out (or false)');
    }
  }
  const binding: TokenBinding = t.bind === 'subnet'
    ? { kind: 'subnet', ipv4Prefix: t.ipv4Prefix ?? 24, ipv6Prefix: t.ipv6Prefix ?? 64 }
    : { kind: t.bind ?? 'address' } as TokenBinding;
  const tokens = new ProvisioningTokens({
    ...(t.ttlSeconds !== undefined ? { ttlSeconds: t.ttlSeconds } : {}),
    ...(t.maxUses !== undefined ? { maxUses: t.maxUses } : {}),
    binding,
    store: store?.tokens ?? t.store ?? new MemoryTokenStore(t.maxEntries ?? 50_000, now),
    now,
  });
  const d = options.digest ?? {};
  const digest = new DigestAuthenticator({
    nonceKey: credentials.subkey('digest nonces'),
    ...(d.realm !== undefined ? { realm: d.realm } : {}),
    ...(d.algorithms !== undefined ? { algorithms: d.algorithms } : {}),
    ...(d.nonceTtlSeconds !== undefined ? { nonceTtlSeconds: d.nonceTtlSeconds } : {}),
    now,
  });
  const r = options.rateLimits ?? {};
  const maxSources = r.maxSources ?? 20_000;
  const limit = (kind: 'subscribe' | 'http-auth', o: LimitOptions | undefined, burst: number, perMinute: number) => new SourceLimit(
    kind,
    new TokenBuckets({ burst: o?.burst ?? burst, refillPerMinute: o?.perMinute ?? perMinute, maxSources, now }),
    logger,
    { maxSources, now },
  );
  if (options.enrolment !== undefined && options.enrolment !== false && !(options.enrolment instanceof EnrolmentRegister)) {
    throw new TypeError('createPnpSecurity: options.enrolment must be an EnrolmentRegister or false');
  }
  if (options.neighbours !== undefined && options.neighbours !== false && !(options.neighbours instanceof NeighbourTable)) {
    throw new TypeError('createPnpSecurity: options.neighbours must be a NeighbourTable or false');
  }
  const neighbours = options.neighbours === false ? undefined : options.neighbours ?? new NeighbourTable({ now });
  const enrolment = options.enrolment === false ? undefined
    : options.enrolment ?? (store ? EnrolmentRegister.shared(store.enrolment, { logger, now }) : EnrolmentRegister.inMemory({ logger, now }));
  const security: PnpSecurity = {
    tokens,
    credentials,
    digest,
    subscribeLimit: limit('subscribe', r.subscribe, 10, 20),
    httpFailureLimit: limit('http-auth', r.httpFailures, 20, 10),
    ...(enrolment ? { enrolment } : {}),
    ...(neighbours ? { neighbours } : {}),
    basicOverTls: d.basicOverTls === true,
    checkClientCertificateMac: options.checkClientCertificateMac !== false,
  };
  made.add(security);
  if (store) stores.set(security, store);
  return Object.freeze(security);
}
