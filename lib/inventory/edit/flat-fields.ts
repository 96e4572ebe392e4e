/**
 * Device fields as flat `path = value` pairs, the shape of a CSV row and of `--set` options:
 * `accounts.0.user`, `accounts[0].user`, `firmware.url`, `snom.call_waiting`. Account 1's fields also go by their
 * short names (`user`, `password`, `displayName`, `registrar`, ...). Values are text, except the fields the
 * inventory types as flags or whole numbers, so `0815` or `+4930…` stay exactly as given.
 */
import { isSecretSetting } from '../../vendors/snom/secret-settings.js';
import type { JsonObject, JsonValue } from './device-entries.js';

/** Short column names for the first account's fields. */
const ACCOUNT_FIELDS = new Set([
  'user', 'authUser', 'password', 'displayName', 'registrar', 'outboundProxy', 'transport', 'srtp', 'mailbox', 'label',
]);
/** Fields (by their last path segment) the inventory reads as true/false, and as whole numbers. */
const FLAGS = new Set(['keepPnp', 'srtp']);
const WHOLE_NUMBERS = new Set(['settingsRefreshSeconds', 'checkIntervalMinutes', 'account', 'timeout', 'idx']);

/** The names of secret fields; left out of exports unless asked for. */
export const SECRET_FIELDS: ReadonlySet<string> = new Set(['password', 'adminPassword']);

export type PathSegment = string | number;

/** `accounts[0].user`, `accounts.0.user` or `user` to `['accounts', 0, 'user']`; undefined for an unusable path. */
export function parseFieldPath(text: string): PathSegment[] | undefined {
  const name = text.trim();
  if (ACCOUNT_FIELDS.has(name)) return ['accounts', 0, name];
  if (!/^[A-Za-z_][A-Za-z0-9_.\-[\]]*$/.test(name)) return undefined;
  const segments: PathSegment[] = [];
  for (const part of name.replace(/\[(\d+)\]/g, '.$1').split('.')) {
    if (part === '') return undefined;
    segments.push(/^\d+$/.test(part) ? Number(part) : part);
  }
  if (typeof segments[0] === 'number' || segments.some((s) => s === '__proto__' || s === 'constructor' || s === 'prototype')) return undefined;
  return segments;
}

/** A cell's text as the value the inventory expects at that path. */
export function fieldValue(path: readonly PathSegment[], raw: string): JsonValue {
  const last = String(path.at(-1) ?? '');
  if (FLAGS.has(last) && /^(true|false)$/i.test(raw.trim())) return raw.trim().toLowerCase() === 'true';
  if (WHOLE_NUMBERS.has(last) && /^\d{1,9}$/.test(raw.trim())) return Number(raw.trim());
  return raw;
}

/** Sets `value` at `path` inside `target`, creating mappings and lists on the way. */
export function setField(target: JsonObject, path: readonly PathSegment[], value: JsonValue): void {
  let cur: JsonObject | JsonValue[] = target;
  path.forEach((segment, i) => {
    const last = i === path.length - 1;
    const nextIsIndex = typeof path[i + 1] === 'number';
    const container = cur as Record<string | number, JsonValue>;
    if (last) {
      container[segment] = value;
      return;
    }
    const existing = container[segment];
    if (typeof existing !== 'object' || existing === null) container[segment] = nextIsIndex ? [] : {};
    cur = container[segment] as JsonObject | JsonValue[];
  });
  fillHoles(target);
}

/** Lists built from `accounts.1.…` alone get empty entries before, never holes. */
function fillHoles(value: JsonValue): void {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      if (value[i] === undefined) value[i] = {};
      else fillHoles(value[i] as JsonValue);
    }
  } else if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) fillHoles(v);
  }
}

/** An entry flattened to `path -> text`, in the entry's order; secret fields only with `withSecrets`. */
export function flattenEntry(entry: JsonObject, opts: { withSecrets?: boolean } = {}): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (value: JsonValue, path: string[]): void => {
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, [...path, String(i)]));
    else if (typeof value === 'object' && value !== null) for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
    else {
      if (!opts.withSecrets && SECRET_FIELDS.has(path.at(-1) ?? '')) return;
      if (!opts.withSecrets && path[0] === 'snom' && isSecretRawPath(path)) return;
      out.set(path.join('.'), value === null ? '' : String(value));
    }
  };
  walk(entry, []);
  return out;
}

/** Raw Snom settings are secret by their name (`snom.http_pass`, `snom.ldap_password.value`). */
function isSecretRawPath(path: readonly string[]): boolean {
  return isSecretSetting(path[1] ?? '');
}
