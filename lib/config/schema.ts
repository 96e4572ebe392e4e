import { z } from 'zod';
import { UNKNOWN_DEVICE_POLICIES } from '../devices/directory.js';

/**
 * The service configuration: one YAML file, every key optional, validated strictly (an unknown key is an error,
 * so a typo never silently falls back to a default).
 */

const urlTemplate = z.string().min(1);
const port = z.number().int().min(1).max(65535);

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
    publicUrl: z.url({ protocol: /^https?$/ }).optional(),
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
    }).optional(),
  }).prefault({}),
  log: z.strictObject({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  }).prefault({}),
});

export type Config = z.infer<typeof configSchema>;
/** The file's shape before defaults are applied. */
export type ConfigInput = z.input<typeof configSchema>;
