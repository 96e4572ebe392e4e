/**
 * Per-device HTTP credentials for re-provisioning: what a phone answers the authenticated route's digest challenge
 * with (Snom `http_client_user` / `http_client_pass`).
 *
 * Derived, not stored: password = HMAC-SHA256(key, "drachtio-pnp http-client v1" NUL MAC), 128 bits in base64url.
 * One secret key (a key file generated on first start, or given in the configuration) stands for every device, so
 * nothing per device must be written anywhere (the inventory stays the operator's file, untouched), several
 * instances with the same key agree, and each device still gets its own password: knowing one phone's credentials
 * says nothing about another's. The cost: the key must be kept (and backed up) as long as phones use credentials
 * derived from it; a lost key means provisioned phones can no longer re-provision until they are given new ones.
 * The user name is the MAC itself: it is not a secret, and it tells the route whose credentials were used.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { normalizeMac } from '../mac.js';

export interface HttpCredentials {
  user: string;
  password: string;
}

/** Shortest key accepted, in bytes (after decoding, for a key file; as UTF-8, for a key given inline). */
export const MIN_KEY_BYTES = 32;

export class DeviceCredentials {
  private readonly key: Buffer;

  constructor(key: Buffer | string) {
    const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : Buffer.from(key);
    if (bytes.length < MIN_KEY_BYTES) throw new TypeError(`the credentials key must be at least ${MIN_KEY_BYTES} bytes`);
    this.key = bytes;
  }

  /** The credentials of the device with this (normalised) MAC. */
  forMac(mac: string): HttpCredentials {
    return { user: mac, password: this.derive('http-client v1', mac).subarray(0, 16).toString('base64url') };
  }

  /** The MAC a digest/basic user name stands for, or `undefined` when it is not one of ours. */
  macOf(user: string): string | undefined {
    return /^[0-9A-Fa-f]{12}$/.test(user) ? normalizeMac(user) : undefined;
  }

  /** A key for another purpose (nonces), derived so it needs no storage of its own. */
  subkey(purpose: string): Buffer {
    return this.derive('subkey', purpose);
  }

  private derive(label: string, value: string): Buffer {
    return createHmac('sha256', this.key).update(`drachtio-pnp ${label}\u0000${value}`, 'utf8').digest();
  }
}

/**
 * Reads the key file, or creates it (32 random bytes, base64url, mode 0600) when it does not exist. Creation is
 * atomic and race-free: the key is written to a temporary file that is then hard-linked to the final name, which
 * fails if another process got there first; the loser reads the winner's key. Throws with a clear message when
 * the file cannot be read or created, or holds too short a key.
 */
export async function loadOrCreateKeyFile(file: string): Promise<Buffer> {
  const existing = await readKey(file);
  if (existing) return existing;
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 }).catch(() => undefined);
  const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temp, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
    await link(temp, file).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
  } catch (err) {
    throw new Error(`cannot create the credentials key file ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)}): `
      + 'make its folder writable, or set security.credentials.keyFile to a writable path, or security.credentials.key');
  } finally {
    await unlink(temp).catch(() => undefined);
  }
  const created = await readKey(file);
  if (!created) throw new Error(`the credentials key file ${file} vanished right after it was created`);
  return created;
}

async function readKey(file: string): Promise<Buffer | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new Error(`cannot read the credentials key file ${file} (${code ?? String(err)})`);
  }
  const key = Buffer.from(text.trim(), 'base64url');
  if (key.length < MIN_KEY_BYTES) {
    throw new Error(`the credentials key file ${file} holds fewer than ${MIN_KEY_BYTES} bytes of base64url key`);
  }
  return key;
}
