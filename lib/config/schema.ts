import { z } from 'zod';
import { baseFromPublicUrl } from '../net/public-url.js';

/**
 * The service configuration: one YAML file, every key optional, validated strictly (an unknown key is an error,
 * so a typo never silently falls back to a default).
 */

/**
 * What a phone the directory does not know gets, on both halves: `bootstrap` (the usual answer; the route serves
 * settings without any secret), `ignore` (silence on SIP, 404 on HTTP), `reject` (a final SIP error, 404 on HTTP).
 */
export const UNKNOWN_DEVICE_POLICIES = ['bootstrap', 'ignore', 'reject'] as const;
export type UnknownDevicePolicy = (typeof UNKNOWN_DEVICE_POLICIES)[number];

/** Deadline of one device lookup, in ms: the one range the responder, the route and this schema accept. */
export const LOOKUP_TIMEOUT_MS = { min: 1, max: 60_000, default: 2000 } as const;

/**
 * The event log's compaction size (`state.maxBytes`). 32 MiB, twice what a full index's snapshot takes (20,000
 * phones that subscribed and fetched their files: about 17 MB), so a generation keeps a boot storm's history.
 */
export const DEFAULT_STATE_MAX_BYTES = 32 * 1024 * 1024;

const urlTemplate = z.string().min(1);

/** A `redis:` or `rediss:` URL; the error never repeats the value (it may hold a password). */
function isRedisUrl(value: string): boolean {
  try {
    const { protocol, hostname } = new URL(value);
    return (protocol === 'redis:' || protocol === 'rediss:') && hostname !== '';
  } catch {
    return false;
  }
}
const port = z.number().int().min(1).max(65535);
const stringList = (what: string) => z.array(z.string()).optional().describe(what);

const rateLimit = (burst: number, perMinute: number, what: string) => z.strictObject({
  burst: z.number().int().min(1).max(100_000).default(burst).describe('Attempts a source address may make at once.'),
  perMinute: z.number().positive().max(1_000_000).default(perMinute)
    .describe('Attempts given back per minute (buckets refill: never a permanent ban).'),
}).prefault({}).describe(what);

/**
 * Who may receive a device's secrets. `secure` (default): a known device's settings only with the token of its
 * NOTIFY URL or its own HTTP credentials; `open`: to anyone naming the MAC (trusted networks).
 */
export const securitySchema = z.strictObject({
  mode: z.enum(['secure', 'open']).default('secure')
    .describe('`secure`: a device\'s secrets only under the token of its NOTIFY URL or its own HTTP credentials; `open`: every file to anyone who names a MAC (trusted networks only).'),
  tokens: z.strictObject({
    ttlSeconds: z.number().int().min(10).max(86_400).default(600).describe('Window of a provisioning token, in seconds.'),
    bind: z.enum(['address', 'subnet', 'none']).default('address')
      .describe('What a token is bound to besides the MAC: the SUBSCRIBE\'s source `address`, its `subnet` (NAT; see the prefixes), or `none`.'),
    ipv4Prefix: z.number().int().min(0).max(32).default(24).describe('The IPv4 subnet size of `bind: subnet`.'),
    ipv6Prefix: z.number().int().min(0).max(128).default(64).describe('The IPv6 subnet size of `bind: subnet`.'),
    maxUses: z.number().int().min(1).max(1000).default(10).describe('Secret-bearing files one token may fetch (a phone retries).'),
    maxEntries: z.number().int().min(100).max(1_000_000).default(50_000)
      .describe('Tokens kept at most; size it to the phones that may boot within one `ttlSeconds` (the oldest go first; the service warns at start when the inventory holds more devices).'),
    file: z.string().min(1).optional()
      .describe('Keep tokens in this file too, so a restart does not drop them (relative to the config file). Default: memory only.'),
  }).prefault({}).describe('Provisioning tokens: the one-time right a NOTIFY URL carries.'),
  credentials: z.strictObject({
    keyFile: z.string().min(1).default('drachtio-pnp-credentials.key')
      .describe('Key every device\'s HTTP credentials derive from, relative to the config file; created (0600) when missing. Back it up.'),
    key: z.string().min(32, 'must be at least 32 characters').optional()
      .describe('The key itself instead of a file (at least 32 characters); keep it as secret as the SIP passwords.'),
  }).prefault({}).describe('Per-device HTTP credentials.'),
  enrolment: z.strictObject({
    lock: z.boolean().default(true)
      .describe('A device gets its secrets by PnP once: after its settings were served under a token, its SUBSCRIBEs get no token until `drachtio-pnp devices reopen <mac>`.'),
    file: z.string().min(1).optional()
      .describe('The enrolment register (JSON lines, shared with the CLI), relative to the config file. Default: `drachtio-pnp-enrolment.jsonl` beside the key file.'),
    reopenHours: z.number().positive().max(8760).default(24).describe('How long `devices reopen` opens a device unless `--hours` says otherwise.'),
  }).prefault({}).describe('The enrolment lock.'),
  digest: z.strictObject({
    realm: z.string().regex(/^[\x20-\x7e]{1,64}$/, '1 to 64 printable ASCII characters').default('drachtio-pnp').describe('Digest realm.'),
    algorithms: z.array(z.enum(['MD5', 'SHA-256'])).min(1).default(['MD5', 'SHA-256'])
      .describe('Offered in this order; MD5 first because many phones read only the first challenge.'),
    nonceTtlSeconds: z.number().int().min(10).max(3600).default(300).describe('Lifetime of a nonce, in seconds.'),
    basicOverTls: z.boolean().default(false).describe('Also accept Basic authentication, on TLS connections only.'),
  }).prefault({}).describe('HTTP digest authentication of the device credentials.'),
  tls: z.strictObject({
    cert: z.string().min(1).describe('Server certificate (PEM), relative to the config file.'),
    key: z.string().min(1).describe('Its private key (PEM), relative to the config file.'),
    ca: z.string().min(1).optional().describe('CA bundle client certificates are checked against (e.g. the phone vendor\'s device CA).'),
    requireClientCert: z.boolean().default(false).describe('Refuse connections without a valid client certificate.'),
    checkClientMac: z.boolean().default(true).describe('Refuse a device file whose MAC differs from the one the verified client certificate names.'),
  }).optional().describe('HTTPS for the provisioning routes. Without it: plain HTTP.'),
  neighbourCheck: z.boolean().default(true)
    .describe('Refuse secrets under a token when the kernel\'s ARP table holds another MAC for the requesting address.'),
  allowContactMismatch: z.union([z.boolean(), z.array(z.string())]).default(false)
    .describe('Send the NOTIFY to a Contact that is not the SUBSCRIBE\'s source: `true`, or the source subnets allowed to.'),
  rateLimits: z.strictObject({
    subscribe: rateLimit(10, 20, 'PnP SUBSCRIBEs per source address; over the limit: silence and a fail2ban line.'),
    httpFailures: rateLimit(20, 10, 'Failed token or credential checks per source address (and, counted apart, failed `/api` and `/metrics` bearer checks); over the limit: 429.'),
    maxSources: z.number().int().min(100).max(1_000_000).default(20_000)
      .describe('Source addresses remembered per limit at most (the latest half always; an address forgotten starts with a full bucket).'),
  }).prefault({}).describe('Per-address rate limits.'),
}).prefault({}).describe('Who may receive a device\'s secrets.');

export const configSchema = z.strictObject({
  drachtio: z.strictObject({
    host: z.string().min(1).default('127.0.0.1').describe('drachtio-server\'s admin address (inbound mode).'),
    port: port.default(9022).describe('Its admin port.'),
    secret: z.string().min(1).default('cymru').describe('The admin secret (`<admin secret>` in drachtio.conf.xml); never logged.'),
    pingSeconds: z.number().min(0).max(300).refine((s) => s === 0 || s >= 5, 'must be 0 (off) or 5 to 300').default(15)
      .describe('Seconds between admin-connection pings, 5 to 300; 0 turns pinging off.'),
    reconnectMaxSeconds: z.number().positive().default(10).describe('Upper bound of the reconnect back-off, in seconds.'),
  }).prefault({}).describe('The connection to drachtio-server.'),
  http: z.strictObject({
    host: z.string().min(1).default('0.0.0.0').describe('HTTP listen address.'),
    port: z.number().int().min(0).max(65535).default(8080).describe('HTTP port (0: any free port).'),
    publicUrl: z.url({ protocol: /^https?$/ })
      // The same test the provisioning route applies to its publicUrl option: `check` refuses what `serve` would.
      .refine((url) => baseFromPublicUrl(url) !== undefined, 'must be an absolute http(s) URL without credentials, query or fragment')
      .optional()
      .describe('The base URL phones are sent to in the NOTIFY (scheme, host, port, optional path). Default: guessed from the first non-internal IPv4 address and the port, with a warning in the log.'),
    limits: z.strictObject({
      connectionsPerSource: z.number().int().min(1).max(100_000).default(128)
        .describe('Connections open at once from one source address; the next one is closed as it arrives. Raise it when many phones share one address (NAT).'),
      maxConnections: z.number().int().min(16).max(1_000_000).optional()
        .describe('Connections open at once in all. Default: 4/5 of the soft file-descriptor limit (`ulimit -n`) after a reserve of 128, at most 10,000; a larger value is cut to that.'),
      headersTimeoutSeconds: z.number().int().min(1).max(300).default(10).describe('A request\'s headers must arrive within this many seconds.'),
      requestTimeoutSeconds: z.number().int().min(1).max(600).default(30).describe('A whole request must arrive within this many seconds.'),
      idleTimeoutSeconds: z.number().int().min(1).max(3600).default(30).describe('A connection without traffic for this many seconds is closed.'),
      keepAliveTimeoutSeconds: z.number().int().min(1).max(600).default(5).describe('An idle keep-alive connection is closed after this many seconds.'),
    }).prefault({}).describe('Connection limits and timeouts, so one host cannot starve the phones (docs/security.md, "Connection limits").'),
  }).prefault({}).describe('The HTTP server: provisioning routes, health, metrics, API.'),
  inventory: z.string().min(1).optional()
    .describe('The YAML device inventory, relative to the config file (to the working directory when it comes from the environment). Without one every phone is unknown.'),
  pnp: z.strictObject({
    unknownDevices: z.enum(UNKNOWN_DEVICE_POLICIES).default('bootstrap')
      .describe('What an unknown (or MAC-less) phone gets: `bootstrap` (secret-free settings), `ignore` (silence; 404 on HTTP) or `reject` (a final SIP error; 404 on HTTP).'),
    lookupTimeoutMs: z.number().int().min(LOOKUP_TIMEOUT_MS.min).max(LOOKUP_TIMEOUT_MS.max).default(LOOKUP_TIMEOUT_MS.default).describe('Deadline of one device lookup (SIP and HTTP), in milliseconds.'),
    contact: z.string().min(1).optional().describe('Contact of our 200 and NOTIFY. Default: drachtio-server\'s own.'),
    urls: z.record(z.string().regex(/^[a-z0-9-]+$/, 'vendor ids are lower-case'), urlTemplate).default({})
      .describe('NOTIFY URL templates by vendor (`snom`, `yealink`, ..., or `default` for the rest). Placeholders: `{base}` `{mac}` `{MAC}` `{model}` `{vendor}` `{version}` `{ip}`. Snom, Yealink, Grandstream, Fanvil and Gigaset default to this service\'s own route for them (`{base}/<vendor>/...`, docs/vendors.md); a template overrides one.'),
    access: z.strictObject({
      allowMacPrefixes: stringList('MAC prefixes (OUIs or longer) answered, in any notation; with the ranges, one MAC allow list.'),
      denyMacPrefixes: stringList('MAC prefixes never answered.'),
      allowSubnets: stringList('Source subnets (CIDR or single addresses) answered.'),
      denySubnets: stringList('Source subnets never answered.'),
      allowMacRanges: stringList('Inclusive MAC ranges `first-last` answered.'),
      denyMacRanges: stringList('Inclusive MAC ranges `first-last` never answered.'),
    }).optional().describe('Who is answered at all, on SIP and HTTP alike; a deny entry always wins.'),
  }).prefault({}).describe('The PnP responder and the settings route.'),
  log: z.strictObject({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('The lowest level logged.'),
  }).prefault({}).describe('Logging (JSON lines on stdout).'),
  security: securitySchema,
  state: z.strictObject({
    enabled: z.boolean().default(true).describe('Keep device state and the provisioning history.'),
    file: z.string().min(1).default('drachtio-pnp-events.jsonl')
      .describe('The event log, relative to the config file (to the working directory without one). The service writes it, the CLI reads it.'),
    maxBytes: z.number().int().min(65_536).max(1_073_741_824).default(DEFAULT_STATE_MAX_BYTES)
      .describe('Size at which the log is compacted (the previous generation stays as `<file>.1`); 32 MiB is about twice the snapshot of a full `maxDevices`.'),
    maxDevices: z.number().int().min(100).max(1_000_000).default(20_000)
      .describe('Devices remembered at most; beyond it the longest-unseen phone not in the inventory is forgotten first.'),
  }).prefault({}).describe('Device state and provisioning history: an append-only JSON-lines file.'),
  metrics: z.strictObject({
    enabled: z.boolean().default(true).describe('Prometheus metrics on `GET /metrics`.'),
    token: z.string().min(16, 'must be at least 16 characters').optional()
      .describe('When set (16+ characters), scrapes must send `Authorization: Bearer <token>`.'),
  }).prefault({}).describe('Prometheus metrics.'),
  api: z.strictObject({
    token: z.string().min(16, 'must be at least 16 characters').optional()
      .describe('Bearer token (16+ characters) of the read-only API (`/api/devices`, `/api/events`); without it the API is off.'),
  }).prefault({}).describe('The read-only JSON API.'),
  store: z.strictObject({
    url: z.string().refine(isRedisUrl, 'must be a redis:// or rediss:// URL (rediss: TLS)')
      .describe('The Redis that instances share (docs/shared-state.md): `redis://[user:password@]host:port[/db]`, or `rediss://` for TLS. The password is never logged.'),
    keyPrefix: z.string().regex(/^[\x21-\x7e]{1,64}$/, '1 to 64 printable ASCII characters, no spaces').default('drachtio-pnp:')
      .describe('Prefix of every key, so that several deployments can share one Redis; every instance of one deployment uses the same.'),
    claimWindowSeconds: z.number().int().min(1).max(600).default(64)
      .describe('How long an instance\'s claim on a SUBSCRIBE holds: at least its retransmissions\' 32 s.'),
    waitReplicas: z.number().int().min(0).max(16).default(0)
      .describe('Replicas of Redis that must confirm an enrolment (WAIT) before the secrets it stands for are served; 0: the primary\'s reply.'),
  }).optional().describe('State shared in Redis between instances (SUBSCRIBE claims, provisioning tokens, the enrolment register, device state and history). Without it every store stays in this process.'),
  lookup: z.strictObject({
    url: z.url({ protocol: /^https?$/ }).describe('The API\'s base URL; a device is `GET <url>/<MAC>`.'),
    token: z.string().min(1).optional().describe('Sent as `Authorization: Bearer <token>`.'),
    timeoutMs: z.number().int().positive().max(60_000).default(1500)
      .describe('Deadline of one request; keep it below `pnp.lookupTimeoutMs` so the stale rule can apply.'),
    ttlSeconds: z.number().int().min(0).max(86_400).default(300).describe('How long an answer is used without asking again.'),
    staleSeconds: z.number().int().min(0).max(7 * 86_400).default(3600)
      .describe('How long past its TTL an answer may still be used while the API is unreachable or answers garbage.'),
    unknownTtlSeconds: z.number().int().min(0).max(86_400).default(30).describe('How long a 404 (unknown device) is remembered.'),
  }).optional().describe('Look devices up from an HTTP API in front of the inventory.'),
});

export type Config = z.infer<typeof configSchema>;
/** The file's shape before defaults are applied. */
export type ConfigInput = z.input<typeof configSchema>;
