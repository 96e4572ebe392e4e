/**
 * The device entries of an inventory as the operator wrote them (before inheritance), in the inventory's JSON
 * form: what `devices show` prints, what `devices export` writes, and what the HTTP lookup backend accepts back.
 * A plain number keeps the text it was written as when that text is not the number's canonical form
 * (`0815`, `+4930123456` stay text), so the JSON reads back to the same inventory.
 */
import { normalizeMac } from '../../mac.js';
import { parseYamlTree, YamlNumber, type PlainValue, type YamlProblem } from '../yaml-tree.js';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface DeviceEntry {
  /** Normalised MAC, or undefined when the entry's MAC is not one. */
  mac?: string;
  /** The entry with its `mac` first, as written. */
  entry: JsonObject;
  line?: number;
}

export type DeviceEntriesResult = { ok: true; entries: DeviceEntry[] } | { ok: false; problems: YamlProblem[] };

/** The entries of `devices`, list or mapping form alike, in file order. */
export function readDeviceEntries(text: string): DeviceEntriesResult {
  const parsed = parseYamlTree(text);
  if (!parsed.ok) return { ok: false, problems: parsed.problems };
  const root = parsed.tree.value;
  const devices = isObject(root) ? root.devices : undefined;
  const entries: DeviceEntry[] = [];
  if (Array.isArray(devices)) {
    devices.forEach((item, i) => {
      const raw = isObject(item) ? item.mac : undefined;
      const macText = typeof raw === 'string' || raw instanceof YamlNumber ? String(raw) : undefined;
      const body = isObject(item) ? withoutMac(toJson(item) as JsonObject) : {};
      entries.push(entryOf(macText, body, parsed.tree.locate(['devices', i])?.line));
    });
  } else if (isObject(devices)) {
    for (const [key, item] of Object.entries(devices)) {
      const body = isObject(item) ? withoutMac(toJson(item) as JsonObject) : {};
      entries.push(entryOf(key, body, parsed.tree.locate(['devices', key])?.line));
    }
  }
  return { ok: true, entries };
}

/** The entry with `mac` first: the normalised MAC when it is one, else the text as written. */
function entryOf(macText: string | undefined, body: JsonObject, line: number | undefined): DeviceEntry {
  const mac = macText === undefined ? undefined : normalizeMac(macText);
  const shown = mac ?? macText;
  const entry: JsonObject = shown === undefined ? { ...body } : { mac: shown, ...body };
  return { ...(mac ? { mac } : {}), entry, ...(line === undefined ? {} : { line }) };
}

function withoutMac(o: JsonObject): JsonObject {
  const { mac: _mac, ...rest } = o;
  return rest;
}

/** A plain YAML value as JSON; numbers written in a non-canonical way stay the text they were. */
export function toJson(value: PlainValue): JsonValue {
  if (value instanceof YamlNumber) return String(value.value) === value.source && Number.isFinite(value.value) ? value.value : value.source;
  if (Array.isArray(value)) return value.map(toJson);
  if (isObject(value)) {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) Object.defineProperty(out, k, { value: toJson(v), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return value;
}

function isObject(v: PlainValue | undefined): v is { [key: string]: PlainValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof YamlNumber);
}
