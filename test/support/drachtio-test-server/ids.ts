/** Identifiers and clock text in the shapes drachtio-server/sofia-sip produce them (drachtio-wire recordings). */
import { randomBytes, randomUUID } from 'node:crypto';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Message and transaction ids are UUID v4 text (README "Token 0 of every frame"). */
export function newUuid(): string {
  return randomUUID();
}

/** Random bytes drawn from a pool: one syscall per 4 KiB instead of one per tag (boot storms). */
let pool = randomBytes(4096);
let poolPos = 0;

function alnum(n: number): string {
  if (poolPos + n > pool.length) {
    pool = randomBytes(4096);
    poolPos = 0;
  }
  let s = '';
  for (let i = 0; i < n; i++) s += ALNUM.charAt((pool[poolPos + i] ?? 0) % ALNUM.length);
  poolPos += n;
  return s;
}

/** A To/From tag like sofia's 13-character `SXvc95BmDyQZj` (02). */
export function newTag(): string {
  return alnum(13);
}

/** A Via branch like sofia's `z9hG4bKSZeZmSK5g0g6Q` (02). */
export function newBranch(): string {
  return `z9hG4bK${alnum(13)}`;
}

/** `HH:MM:SS.micro` of the server clock in UTC, as token 7 of a `sip` frame (`13:40:28.638081`, 02). */
export function stackTime(nowMs: number = Date.now()): string {
  const d = new Date(nowMs);
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  const micro = d.getUTCMilliseconds() * 1000 + Math.floor((performance.now() * 1000) % 1000);
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(micro, 6)}`;
}
