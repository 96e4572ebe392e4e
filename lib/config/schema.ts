import { z } from 'zod';
import { UNKNOWN_DEVICE_POLICIES } from '../devices/directory.js';
import { baseFromPublicUrl } from '../provisioning-urls.js';
import { DEFAULT_STATE_MAX_BYTES } from '../state/state-file.js';

/**
 * The service configuration: one YAML file, every key optional, validated strictly (an unknown key is an error,
 * so a typo never silently falls back to a default).
 */

const urlTemplate = z.string().min(1);
const port = z.number().int().min(1).max(65535);

const rateLimit = (burst: number, perMinute: number) => z.strictObject({
  /** Attempts a source address may make at once. */
  burst: z.number().int().min(1).max(100_000).default(burst),
  /** Attempts given back per minute (buckets refill: never a permanent ban). */
  perMinute: z.number().positive().max(1_000_000).default(perMinute),
}).prefault({});

/**
 * Who may receive a device's secrets (see README, "Security"). `secure` (default): a known device's settings only
 * with the token of its NOTIFY URL or its own HTTP credentials; `open`: to anyone naming the MAC (trusted networks).
 */
export const securitySchema = z.strictObject({
  mode: z.enum(['secure', 'open']).default('secure'),
  tokens: z.strictObject({
    /** Window of a provisioning token, in seconds. */
    ttlSeconds: z.number().int().min(10).max(86_400).default(600),
    /** What a token is bound to besides the MAC: the SUBSCRIBE's source `address`, its `subnet` (NAT), or `none`. */
    bind: z.enum(['address', 'subnet', 'none']).default('address'),
    ipv4Prefix: z.number().int().min(0).max(32).default(24),
    ipv6Prefix: z.number().int().min(0).max(128).default(64),
    /** Files with secrets one token may fetch (a phone retries). */
    maxUses: z.number().int().min(1).max(1000).default(10),
    /** Tokens kept in memory at most. */
    maxEntries: z.number().int().min(100).max(1_000_000).default(50_000),
    /** Keep tokens in this file too, so a restart does not drop them (relative to this file). Default: memory only. */
    file: z.string().min(1).optional(),
  }).prefault({}),
  credentials: z.strictObject({
    /** Key file every device's HTTP credentials derive from; created (0600) when missing. Relative to this file. */
    keyFile: z.string().min(1).default('drachtio-pnp-credentials.key'),
    /** The key itself instead of a file (at least 32 characters); keep it as secret as the SIP passwords. */
    key: z.string().min(32, 'must be at least 32 characters').optional(),
  }).prefault({}),
  /**
   * A device gets its secrets by PnP once (README, "Security"): after its settings were served under a token, its
   * SUBSCRIBEs get no token until `drachtio-pnp devices reopen <mac>`.
   */
  enrolment: z.strictObject({
    lock: z.boolean().default(true),
    /** The register (JSON lines, shared with the CLI). Relative to this file; default beside the key file. */
    file: z.string().min(1).optional(),
    /** How long `devices reopen` opens a device by default, in hours. */
    reopenHours: z.number().positive().max(8760).default(24),
  }).prefault({}),
  digest: z.strictObject({
    realm: z.string().regex(/^[\x20-\x7e]{1,64}$/, '1 to 64 printable ASCII characters').default('drachtio-pnp'),
    /** Offered in this order; MD5 first because many phones read only the first challenge. */
    algorithms: z.array(z.enum(['MD5', 'SHA-256'])).min(1).default(['MD5', 'SHA-256']),
    nonceTtlSeconds: z.number().int().min(10).max(3600).default(300),
    /** Also accept Basic authentication, on TLS connections only. */
    basicOverTls: z.boolean().default(false),
  }).prefault({}),
  /** HTTPS for the provisioning routes. Paths relative to this file. */
  tls: z.strictObject({
    cert: z.string().min(1),
    key: z.string().min(1),
    /** CA bundle client certificates are checked against (e.g. the phone vendor's device CA). */
    ca: z.string().min(1).optional(),
    requireClientCert: z.boolean().default(false),
    /** Refuse a device file whose MAC differs from the one the verified client certificate names. */
    checkClientMac: z.boolean().default(true),
  }).optional(),
  /** Refuse secrets under a token when the kernel's ARP table holds another MAC for the requesting address. */
  neighbourCheck: z.boolean().default(true),
  /** Send the NOTIFY to a Contact that is not the SUBSCRIBE's source: true, or the source subnets allowed to. */
  allowContactMismatch: z.union([z.boolean(), z.array(z.string())]).default(false),
  rateLimits: z.strictObject({
    /** PnP SUBSCRIBEs per source address; over the limit: silence and a fail2ban line. */
    subscribe: rateLimit(10, 20),
    /** Failed token or credential checks per source address; over the limit: 429. */
    httpFailures: rateLimit(20, 10),
    /** Source addresses remembered per limit at most (the last half of them always; long-unseen ones forgotten first). */
    maxSources: z.number().int().min(100).max(1_000_000).default(20_000),
  }).prefault({}),
}).prefault({});

export const configSchema = z.strictObject({
  drachtio: z.strictObject({
    host: z.string().min(1).default('127.0.0.1'),
    port: port.default(9022),
    secret: z.string().min(1).default('cymru'),
    /** Seconds between admin-connection pings; 0 turns pinging off. */
    pingSeconds: z.number().min(0).default(15),
    /** Upper bound of the reconnect back-off, in seconds. */
    reconnectMaxSeconds: z.number().positive().default(10),
  }).prefault({}),
  http: z.strictObject({
    host: z.string().min(1).default('0.0.0.0'),
    port: z.number().int().min(0).max(65535).default(8080),
    /**
     * The base URL phones are sent to in the NOTIFY (scheme, host, port, optional path). When absent it is
     * guessed from the machine's first non-internal IPv4 address and the HTTP port, and the guess is logged.
     */
    publicUrl: z.url({ protocol: /^https?$/ })
      // The same test the provisioning route applies to its publicUrl option: `check` refuses what `serve` would.
      .refine((url) => baseFromPublicUrl(url) !== undefined, 'must be an absolute http(s) URL without credentials, query or fragment')
      .optional(),
  }).prefault({}),
  /** Path of the YAML device inventory, relative to this file. Without one every phone is unknown. */
  inventory: z.string().min(1).optional(),
  pnp: z.strictObject({
    /** What an unknown (or MAC-less) phone gets: a secret-free bootstrap, silence, or a final error. */
    unknownDevices: z.enum(UNKNOWN_DEVICE_POLICIES).default('bootstrap'),
    /** Deadline for one device lookup, in milliseconds. */
    lookupTimeoutMs: z.number().int().positive().max(60_000).default(2000),
    /** Contact for our 200 and NOTIFY; by default drachtio-server's own. */
    contact: z.string().min(1).optional(),
    /** NOTIFY URL templates by vendor (`snom`, `yealink`, ..., `default`). Placeholders: {base} {mac} {MAC} {model} {vendor} {version} {ip}. */
    urls: z.record(z.string().regex(/^[a-z0-9-]+$/, 'vendor ids are lower-case'), urlTemplate).default({}),
    access: z.strictObject({
      allowMacPrefixes: z.array(z.string()).optional(),
      denyMacPrefixes: z.array(z.string()).optional(),
      allowSubnets: z.array(z.string()).optional(),
      denySubnets: z.array(z.string()).optional(),
      /** Inclusive MAC ranges `first-last`; with prefixes, one MAC allow (or deny) list. Applied to SIP and HTTP. */
      allowMacRanges: z.array(z.string()).optional(),
      denyMacRanges: z.array(z.string()).optional(),
    }).optional(),
  }).prefault({}),
  log: z.strictObject({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  }).prefault({}),
  security: securitySchema,
  /** Device state and provisioning history: an append-only JSON-lines file the service writes and the CLI reads. */
  state: z.strictObject({
    enabled: z.boolean().default(true),
    /** The event log, relative to this file (to the working directory without a config file). */
    file: z.string().min(1).default('drachtio-pnp-events.jsonl'),
    /**
     * Size at which the log is compacted (the previous generation is kept as `<file>.1`). 32 MiB, twice what a full
     * index's snapshot takes (20,000 phones that subscribed and fetched their files: about 17 MB): at 16 MiB the
     * snapshot alone passed the cap, each generation held about 8 MB of history (some 6,000 phone boots), and a
     * site's boot storm was compacted every few seconds and its history mostly lost.
     */
    maxBytes: z.number().int().min(65_536).max(1_073_741_824).default(DEFAULT_STATE_MAX_BYTES),
    /** Devices remembered at most; beyond it the longest-unseen phone not in the inventory is forgotten first. */
    maxDevices: z.number().int().min(100).max(1_000_000).default(20_000),
  }).prefault({}),
  /** Prometheus metrics on `/metrics`. */
  metrics: z.strictObject({
    enabled: z.boolean().default(true),
    /** When set, scrapes must send `Authorization: Bearer <token>`. */
    token: z.string().min(16, 'must be at least 16 characters').optional(),
  }).prefault({}),
  /** The read-only JSON API (`/api/devices`, `/api/events`); off unless a token is set. */
  api: z.strictObject({
    token: z.string().min(16, 'must be at least 16 characters').optional(),
  }).prefault({}),
  /** Look devices up from an HTTP API (`GET <url>/<MAC>`) in front of the inventory. */
  lookup: z.strictObject({
    url: z.url({ protocol: /^https?$/ }),
    /** Sent as `Authorization: Bearer <token>`. */
    token: z.string().min(1).optional(),
    /** Deadline of one request; keep it below pnp.lookupTimeoutMs so the stale rule can apply. */
    timeoutMs: z.number().int().positive().max(60_000).default(1500),
    /** How long an answer is used without asking again. */
    ttlSeconds: z.number().int().min(0).max(86_400).default(300),
    /** How long past its TTL an answer may still be used while the API is unreachable or answers garbage. */
    staleSeconds: z.number().int().min(0).max(7 * 86_400).default(3600),
    /** How long a 404 (unknown device) is remembered. */
    unknownTtlSeconds: z.number().int().min(0).max(86_400).default(30),
  }).optional(),
});

export type Config = z.infer<typeof configSchema>;
/** The file's shape before defaults are applied. */
export type ConfigInput = z.input<typeof configSchema>;
