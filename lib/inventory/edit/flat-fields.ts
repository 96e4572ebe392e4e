/**
 * Device fields as flat `path = value` pairs, the shape of a CSV row, of `--set` options and of `devices set`:
 * `accounts.0.user`, `accounts[0].user`, `firmware.url`, `snom.call_waiting`. Accounts are counted from 0 in every
 * path, as the inventory's list and `check`'s messages count them (`accounts.0` is the first account, the phone's
 * identity 1; `accounts.1` the second); the first account's fields also go by their short names (`user`,
 * `password`, `displayName`, `registrar`, ...). Values are text, except the fields the
 * inventory types as flags or whole numbers, so `0815` or `+4930…` stay exactly as given.
 */
import { LEGACY_RAW_FIELD } from '../../devices/device.js';
import { isSecretName } from '../../devices/secret-names.js';
import { ACCOUNT_FIELD_NAMES, DEVICE_FIELD_NAMES } from '../schema.js';
import type { JsonObject, JsonValue } from './device-entries.js';

/** Short column names for the first account's fields. */
const ACCOUNT_FIELDS: ReadonlySet<string> = new Set(ACCOUNT_FIELD_NAMES);
/** Fields (by their last path segment) the inventory reads as true/false, and as whole numbers. */
const FLAGS = new Set(['keepPnp', 'srtp', 'noPassword']);
const WHOLE_NUMBERS = new Set(['settingsRefreshSeconds', 'checkIntervalMinutes', 'account', 'timeout', 'idx']);

/** The names of secret fields; left out of exports unless asked for. */
export const SECRET_FIELDS: ReadonlySet<string> = new Set(['password', 'adminPassword']);

export type PathSegment = string | number;

/**
 * `accounts[0].user`, `accounts.0.user` or `user` to `['accounts', 0, 'user']`; undefined for an unusable path.
 * `[n]` is always a list position; `.n` is one too, except right after `functionKeys`, where it is a key number
 * (`functionKeys.3.type`: the mapping form that changes key 3 and keeps the inherited layout).
 */
export function parseFieldPath(text: string): PathSegment[] | undefined {
  const name = text.trim();
  const short = canonical(name, ACCOUNT_FIELDS);
  if (short) return ['accounts', 0, short];
  if (!/^[A-Za-z_][\w-]*(\.[\w-]+|\[\d+\])*$/.test(name)) return undefined;
  const segments: PathSegment[] = [];
  for (const [, index, key] of name.matchAll(/\[(\d+)\]|\.?([\w-]+)/g)) {
    if (index !== undefined) segments.push(Number(index));
    else if (key !== undefined && /^\d+$/.test(key)) segments.push(segments.at(-1) === 'functionKeys' ? key : Number(key));
    else if (key !== undefined) segments.push(key);
  }
  if (segments.some((s) => s === '__proto__' || s === 'constructor' || s === 'prototype')) return undefined;
  // Field names as spreadsheets capitalise them (`MAC`, `Model`, `Accounts.1.DisplayName`) are the fields;
  // names below (raw Snom settings) keep their case.
  if (typeof segments[0] === 'string') segments[0] = canonical(segments[0], DEVICE_FIELDS) ?? segments[0];
  if (segments[0] === 'accounts' && typeof segments[1] === 'number' && typeof segments[2] === 'string') {
    segments[2] = canonical(segments[2], ACCOUNT_FIELDS) ?? segments[2];
  }
  return segments;
}

const DEVICE_FIELDS: ReadonlySet<string> = new Set(DEVICE_FIELD_NAMES);

/** `name` as the field it names in `known`, case aside; undefined when it names none. */
function canonical(name: string, known: ReadonlySet<string>): string | undefined {
  if (known.has(name)) return name;
  const lower = name.toLowerCase();
  for (const k of known) if (k.toLowerCase() === lower) return k;
  return undefined;
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

/**
 * Removes the field at `path` from `target`; a mapping left empty by it goes too (an account stays, as an empty
 * entry, so the accounts after it keep their numbers). True when there was something to remove.
 */
export function removeField(target: JsonObject, path: readonly PathSegment[]): boolean {
  const parents: Array<Record<string | number, JsonValue>> = [];
  let cur: JsonValue = target;
  for (const segment of path.slice(0, -1)) {
    if (typeof cur !== 'object' || cur === null) return false;
    parents.push(cur as Record<string | number, JsonValue>);
    cur = (cur as Record<string | number, JsonValue>)[segment] as JsonValue;
  }
  if (typeof cur !== 'object' || cur === null || Array.isArray(cur)) return false;
  const last = path.at(-1);
  if (last === undefined || !Object.hasOwn(cur, last)) return false;
  delete (cur as Record<string | number, JsonValue>)[last];
  // Empty mappings up the path go too, except list entries (positions must not shift).
  for (let i = path.length - 2; i >= 0; i--) {
    const parent = parents[i] as Record<string | number, JsonValue>;
    const child = parent[path[i] as string | number];
    if (Array.isArray(parent) || typeof child !== 'object' || child === null || Array.isArray(child) || Object.keys(child).length > 0) break;
    delete parent[path[i] as string | number];
  }
  return true;
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
export function flattenEntry(
  entry: JsonObject, opts: { withSecrets?: boolean } = {}, isSecretRaw: SecretRawSetting = byNameOnly,
): Map<string, string> {
  const out = new Map<string, string>();
  // List positions are written `.n`, except in a functionKeys list (`[n]`), where `.n` means a key number.
  const walk = (value: JsonValue, path: string[], name: string): void => {
    if (Array.isArray(value)) {
      value.forEach((v, i) => walk(v, [...path, String(i)], path.at(-1) === 'functionKeys' ? `${name}[${i}]` : `${name}.${i}`));
    } else if (typeof value === 'object' && value !== null) {
      for (const [k, v] of Object.entries(value)) walk(v, [...path, k], name === '' ? k : `${name}.${k}`);
    } else {
      if (!opts.withSecrets && (SECRET_FIELDS.has(path.at(-1) ?? '') || isSecretRawPath(path, isSecretRaw))) return;
      out.set(name, value === null ? '' : String(value));
    }
  };
  walk(entry, [], '');
  return out;
}

/**
 * Whether a raw setting of a vendor holds a secret. The CLI passes the registry's (isSecretRawSetting: the
 * vendor's own list, e.g. Grandstream's `P34`, and the name test); the inventory alone knows only the name test.
 */
export type SecretRawSetting = (vendor: string, name: string) => boolean;

const byNameOnly: SecretRawSetting = (_vendor, name) => isSecretName(name);

/** The raw setting a path is in: `snom.<name>…` (Snom's raw list) or `raw.<vendor>.<name>`. */
function rawSettingAt(path: readonly string[]): { vendor: string; name: string; depth: number } | undefined {
  if (path[0] === LEGACY_RAW_FIELD && path[1] !== undefined) return { vendor: LEGACY_RAW_FIELD, name: path[1], depth: 2 };
  if (path[0] === 'raw' && path[1] !== undefined && path[2] !== undefined) return { vendor: path[1], name: path[2], depth: 3 };
  return undefined;
}

/** Raw settings are secret by their vendor's word (`snom.http_pass`, `snom.ldap_password.value`, `raw.grandstream.P34`). */
function isSecretRawPath(path: readonly string[], isSecretRaw: SecretRawSetting): boolean {
  const at = rawSettingAt(path);
  return at !== undefined && isSecretRaw(at.vendor, at.name);
}

/**
 * A copy of an entry with every secret handled: `mask` replaces each non-empty secret value with `********`
 * (for showing), `drop` leaves the field out (for exports that may be imported again).
 */
export function withoutSecrets(entry: JsonObject, how: 'mask' | 'drop', isSecretRaw: SecretRawSetting = byNameOnly): JsonObject {
  const walk = (value: JsonValue, path: string[]): JsonValue | undefined => {
    // A secret raw setting goes whole (its perm and idx too), never half.
    if (how === 'drop' && rawSettingAt(path)?.depth === path.length && isSecretRawPath(path, isSecretRaw)) return undefined;
    if (Array.isArray(value)) return value.map((v, i) => walk(v, [...path, String(i)]) ?? null);
    if (typeof value === 'object' && value !== null) {
      const out: JsonObject = {};
      for (const [k, v] of Object.entries(value)) {
        const next = walk(v, [...path, k]);
        if (next !== undefined) out[k] = next;
      }
      return out;
    }
    const secret = SECRET_FIELDS.has(path.at(-1) ?? '') || isSecretRawPath(path, isSecretRaw);
    if (!secret) return value;
    if (how === 'drop') return undefined;
    return value === '' || value === null ? value : '********';
  };
  return walk(entry, []) as JsonObject;
}
