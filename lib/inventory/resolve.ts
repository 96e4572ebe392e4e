/**
 * Inheritance: defaults → group → model → device. Each later layer overrides the earlier ones.
 *
 * - Scalars (language, timezone, keepPnp, …) replace.
 * - Objects (`web`, `firmware`) merge field by field.
 * - `accounts` merge by position, field by field: defaults can give `registrar` for account 1 and a device just
 *   `user` and `password`. An entry no layer gives a `user` is a template and is dropped when it comes after the
 *   last real account and the device lists no account at that position; any other account must end up with a
 *   `user` and a `registrar`, or the device is rejected.
 * - `functionKeys` as a list replace the whole inherited layout (list position = key number); as a mapping keyed
 *   by key number they override just those keys and keep the rest. `{type: none}` blanks a key.
 * - `phonebook` entries are concatenated (company book first, personal entries last); exact duplicates dropped.
 * - `dialplan` replaces as a whole: its rules are an ordered set.
 * - raw `snom` settings merge by (name, idx): a later layer's value for the same setting and index wins.
 * - `raw.<vendor>` settings merge by name, per vendor.
 */
import type {
  Device, DeviceProfile, FirmwareWish, LanguageFiles, FunctionKey, PhonebookEntry, RawVendorSettings, SipAccount, SnomRawSetting,
  WebAccess,
} from '../devices/device.js';
import { LEGACY_RAW_FIELD } from '../devices/device.js';
import { definedOnly } from './plain-objects.js';

/** Function keys given as overrides: key number → key. */
export type FunctionKeyOverrides = ReadonlyMap<number, FunctionKey>;

/** One layer as the inventory states it: like a DeviceProfile, with partial accounts and key overrides. */
export interface ProfileLayer extends Omit<DeviceProfile, 'accounts' | 'functionKeys'> {
  accounts?: Partial<SipAccount>[];
  functionKeys?: FunctionKey[] | FunctionKeyOverrides;
}

export interface DeviceIdentity {
  mac: string;
  model?: string;
  group?: string;
  description?: string;
}

export interface ResolveProblem {
  /** Field path relative to the device, e.g. `['accounts', 0, 'registrar']`. */
  path: (string | number)[];
  message: string;
}

export type ResolveResult = { ok: true; device: Device } | { ok: false; problems: ResolveProblem[] };

/** Folds layers, earliest first, into one layer. Pure. */
export function mergeLayers(layers: readonly ProfileLayer[]): ProfileLayer {
  let acc: ProfileLayer = {};
  for (const layer of layers) acc = mergeTwo(acc, layer);
  return acc;
}

function mergeTwo(base: ProfileLayer, over: ProfileLayer): ProfileLayer {
  const out: ProfileLayer = { ...base };
  for (const key of Object.keys(over) as (keyof ProfileLayer)[]) {
    if (over[key] === undefined) continue;
    switch (key) {
      case 'accounts': out.accounts = mergeAccounts(base.accounts, over.accounts ?? []); break;
      case 'web': out.web = mergeObject<WebAccess>(base.web, over.web); break;
      case 'firmware': out.firmware = mergeObject<FirmwareWish>(base.firmware, over.firmware); break;
      case 'languageFiles': out.languageFiles = mergeObject<LanguageFiles>(base.languageFiles, over.languageFiles); break;
      case 'functionKeys': out.functionKeys = mergeFunctionKeys(base.functionKeys, over.functionKeys ?? []); break;
      case 'phonebook': out.phonebook = [...(base.phonebook ?? []), ...(over.phonebook ?? [])]; break;
      case LEGACY_RAW_FIELD: out.snom = mergeRaw(base.snom ?? [], over.snom ?? []); break;
      case 'raw': out.raw = mergeVendorRaw(base.raw, over.raw); break;
      default: (out as Record<string, unknown>)[key] = over[key];
    }
  }
  return out;
}

function mergeObject<T extends object>(base: T | undefined, over: T | undefined): T {
  return { ...base, ...definedOnly(over ?? {}) } as T;
}

function mergeAccounts(base: readonly Partial<SipAccount>[] | undefined, over: readonly Partial<SipAccount>[]): Partial<SipAccount>[] {
  const out = [...(base ?? [])];
  over.forEach((account, i) => { out[i] = mergeObject(out[i], account); });
  return out;
}

function mergeFunctionKeys(
  base: FunctionKey[] | FunctionKeyOverrides | undefined, over: FunctionKey[] | FunctionKeyOverrides,
): FunctionKey[] | FunctionKeyOverrides {
  if (Array.isArray(over)) return over;
  const merged = new Map(keysByIndex(base));
  for (const [index, key] of over) merged.set(index, key);
  return merged;
}

function keysByIndex(keys: FunctionKey[] | FunctionKeyOverrides | undefined): Map<number, FunctionKey> {
  if (keys === undefined) return new Map();
  if (Array.isArray(keys)) return new Map(keys.map((k, i) => [k.index ?? i, k]));
  return new Map(keys);
}

/** Per vendor, by name: a later layer's value for the same name wins. */
function mergeVendorRaw(base: RawVendorSettings | undefined, over: RawVendorSettings | undefined): RawVendorSettings {
  const out: Record<string, Readonly<Record<string, string>> | undefined> = { ...base };
  for (const [vendor, settings] of Object.entries(over ?? {})) {
    if (settings === undefined) continue;
    out[vendor] = { ...out[vendor], ...settings };
  }
  return out;
}

function rawKey(s: SnomRawSetting): string {
  return `${s.name}\u0000${s.idx ?? ''}`;
}

function mergeRaw(base: readonly SnomRawSetting[], over: readonly SnomRawSetting[]): SnomRawSetting[] {
  const byKey = new Map(base.map((s) => [rawKey(s), s]));
  for (const s of over) byKey.set(rawKey(s), s);
  return [...byKey.values()];
}

/** Resolves a device from the layers it inherits (defaults, group, model) and its own entry. Pure. */
export function resolveDevice(identity: DeviceIdentity, inherited: readonly ProfileLayer[], own: ProfileLayer): ResolveResult {
  const merged = mergeLayers([...inherited, own]);
  const problems: ResolveProblem[] = [];
  const accounts = finishAccounts(merged.accounts ?? [], own.accounts?.length ?? 0, problems);
  if (problems.length > 0) return { ok: false, problems };
  const device: Device = {
    ...definedOnly({ ...merged, mac: identity.mac, model: identity.model, group: identity.group, description: identity.description }),
    accounts,
    functionKeys: finishFunctionKeys(merged.functionKeys),
    phonebook: withoutDuplicates(merged.phonebook ?? []),
    snom: merged.snom ?? [],
  };
  return { ok: true, device };
}

/** A profile from one layer alone (the inventory's defaults): incomplete accounts are left out. */
export function profileFromLayer(layer: ProfileLayer): DeviceProfile {
  const { accounts, functionKeys, phonebook, ...rest } = layer;
  const complete = (accounts ?? []).filter(isComplete);
  return definedOnly({
    ...rest,
    accounts: complete.length > 0 ? complete : undefined,
    functionKeys: functionKeys === undefined ? undefined : finishFunctionKeys(functionKeys),
    phonebook: phonebook === undefined ? undefined : withoutDuplicates(phonebook),
  });
}

function isComplete(a: Partial<SipAccount>): a is SipAccount {
  return typeof a.user === 'string' && typeof a.registrar === 'string';
}

function finishAccounts(merged: readonly Partial<SipAccount>[], ownCount: number, problems: ResolveProblem[]): SipAccount[] {
  let count = ownCount;
  merged.forEach((a, i) => { if (a.user !== undefined) count = Math.max(count, i + 1); });
  const out: SipAccount[] = [];
  for (let i = 0; i < count; i++) {
    const a = merged[i] ?? {};
    if (a.user === undefined) problems.push({ path: ['accounts', i, 'user'], message: 'required (no layer gives this account a user)' });
    if (a.registrar === undefined) {
      problems.push({ path: ['accounts', i, 'registrar'], message: 'required (give it here, or in defaults, the group or the model)' });
    }
    if (isComplete(a)) out.push(a);
  }
  return out;
}

function finishFunctionKeys(keys: FunctionKey[] | FunctionKeyOverrides | undefined): FunctionKey[] {
  return [...keysByIndex(keys)]
    .sort(([a], [b]) => a - b)
    .map(([index, key]) => ({ ...key, index }));
}

function withoutDuplicates(entries: readonly PhonebookEntry[]): PhonebookEntry[] {
  const seen = new Set<string>();
  return entries.filter((e) => {
    const key = JSON.stringify([e.name, e.number, e.category, e.numberType]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

