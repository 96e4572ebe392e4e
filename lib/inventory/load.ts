/**
 * Inventory text → validated, resolved devices. Pure: no file access; the same text always gives the same result.
 *
 * Devices may be written as a list (`devices: [{mac: …, …}]`) or as a mapping keyed by MAC
 * (`devices: {000413A11FA7: {…}}`); both give the same inventory. MACs may be written in any common notation
 * and any case. Every problem is reported, not just the first, each with its line.
 */
import { createHash } from 'node:crypto';
import type { Device, DeviceProfile } from '../devices/device.js';
import { normalizeMac } from '../mac.js';
import { formatPath, type InventoryError } from './errors.js';
import { describeIssues } from './issues.js';
import { profileFromLayer, resolveDevice, type ProfileLayer } from './resolve.js';
import { deviceListEntrySchema, deviceMapEntrySchema, inventorySchema, type DeviceMapEntry } from './schema.js';
import { deepFreeze, definedOnly, SharedParts } from './plain-objects.js';
import { parseYamlTree, YamlNumber, type PlainValue, type YamlTree } from './yaml-tree.js';

export interface Inventory {
  /** The file (or other source name) it was loaded from. */
  readonly source?: string;
  /** A hash of the text (16 hex digits): changes whenever the file's content does; usable in ETags. */
  readonly version: string;
  /** The `defaults` layer, for devices the inventory does not know. Incomplete accounts are left out. */
  readonly defaults: DeviceProfile;
  /** Resolved devices by normalised MAC (12 upper-case hex digits). Frozen: share them, never change them. */
  readonly devices: ReadonlyMap<string, Device>;
}

export type LoadInventoryResult = { ok: true; inventory: Inventory } | { ok: false; errors: InventoryError[] };

/** Problems beyond this many are summarised in one line: a systematic mistake in a huge file stays readable. */
const MAX_ERRORS = 200;

interface PendingDevice {
  mac: string;
  label: string;
  /** Where the entry sits: `['devices', 3]` or `['devices', '000413A11FA7']`. */
  at: (string | number)[];
  entry: DeviceMapEntry;
}

/** A problem a caller's extra check finds in a resolved device; `path` is relative to the device's entry. */
export interface DeviceCheckProblem {
  path: (string | number)[];
  message: string;
}

export interface LoadInventoryOptions {
  /**
   * An extra check of each resolved device (the vendors' model catalogue, given by `check`: the inventory knows no
   * vendor). Its problems are reported like any other, with the device's file and line.
   */
  checkDevice?: (device: Device, own: { functionKeys: boolean }) => DeviceCheckProblem[];
}

export function loadInventory(text: string, source?: string, options: LoadInventoryOptions = {}): LoadInventoryResult {
  const errors: InventoryError[] = [];
  const parsed = parseYamlTree(text);
  if (!parsed.ok) {
    return { ok: false, errors: parsed.problems.map((p) => ({ source, ...p.position, message: p.message })) };
  }
  const { tree } = parsed;
  const root = tree.value;
  if (root === null) return { ok: false, errors: [{ source, message: 'the inventory is empty' }] };
  if (!isMapping(root)) {
    return { ok: false, errors: [{ source, line: 1, column: 1, message: `expected a mapping at the top level (defaults, groups, models, devices), got ${Array.isArray(root) ? 'a list' : 'a single value'}` }] };
  }

  // Problems past MAX_ERRORS are counted, not listed: the summary line carries how many (`more`).
  let omitted = 0;
  const failed = (): LoadInventoryResult => {
    const listed = sortByLine(errors);
    if (omitted > 0) {
      listed.push({ source, message: `${omitted} more problem${omitted === 1 ? '' : 's'} not listed (${errors.length + omitted} in all); fix these first`, more: omitted });
    }
    return { ok: false, errors: listed };
  };
  const addProblem = (at: readonly PropertyKey[], message: string, device?: { label: string; at: readonly PropertyKey[] }) => {
    if (errors.length >= MAX_ERRORS) {
      omitted++;
      return;
    }
    const relative = device ? at.slice(device.at.length) : at;
    errors.push(definedOnly({
      source, ...tree.locate(at), device: device?.label, path: formatPath(relative) || undefined, message,
    }));
  };

  const top = inventorySchema.safeParse(root, { reportInput: true });
  if (!top.success) for (const p of describeIssues(top.error.issues)) addProblem(p.path, p.message);
  const groups = top.success ? top.data.groups ?? {} : undefined;
  const models = top.success ? top.data.models ?? {} : undefined;
  const defaults: ProfileLayer = (top.success ? top.data.defaults : undefined) ?? {};

  const { pending, references } = readDevices(root.devices, tree, addProblem);

  // References are checked on every entry, even one with other problems, so one pass shows everything.
  const unresolvable = new Set<string>();
  for (const r of references) {
    const device = { label: r.label, at: r.at };
    if (r.group !== undefined && groups && !Object.hasOwn(groups, r.group)) {
      addProblem([...r.at, 'group'], `unknown group ${JSON.stringify(r.group)} (${known('groups', groups)})`, device);
      unresolvable.add(r.label);
    }
    if (r.model !== undefined && models && !Object.hasOwn(models, r.model)) {
      addProblem([...r.at, 'model'], `unknown model ${JSON.stringify(r.model)} (${known('models', models)})`, device);
      unresolvable.add(r.label);
    }
  }
  if (!groups || !models) return failed();

  const devices = new Map<string, Device>();
  // Resolving gives every device its own copy of what its group, model and the defaults gave it: equal parts are
  // made one object before freezing (the same phonebook 40,000 times otherwise).
  const pool = new SharedParts();
  for (const d of pending) {
    if (unresolvable.has(d.label)) continue;
    const { model, group, description, ...own } = d.entry;
    const inherited = [defaults, group === undefined ? undefined : groups[group], model === undefined ? undefined : models[model]]
      .filter((layer): layer is ProfileLayer => layer !== undefined);
    const result = resolveDevice(definedOnly({ mac: d.mac, model, group, description }), inherited, own);
    if (result.ok) {
      for (const p of options.checkDevice?.(result.device, { functionKeys: own.functionKeys !== undefined }) ?? []) {
        addProblem([...d.at, ...p.path], p.message, { label: d.label, at: d.at });
      }
      devices.set(d.mac, deepFreeze(pool.share(result.device)));
    } else for (const p of result.problems) addProblem([...d.at, ...p.path], p.message, { label: d.label, at: d.at });
  }
  if (errors.length > 0) return failed();

  return {
    ok: true,
    inventory: {
      ...definedOnly({ source }),
      version: createHash('sha256').update(text).digest('hex').slice(0, 16),
      defaults: deepFreeze(profileFromLayer(defaults)),
      devices,
    },
  };
}

type AddProblem = (at: readonly PropertyKey[], message: string, device?: { label: string; at: readonly PropertyKey[] }) => void;

interface Reference {
  label: string;
  at: (string | number)[];
  group?: string;
  model?: string;
}

/** Checks each device entry on its own, so every problem names its device; finds bad and duplicate MACs. */
function readDevices(
  devices: PlainValue | undefined, tree: YamlTree, addProblem: AddProblem,
): { pending: PendingDevice[]; references: Reference[] } {
  const pending: PendingDevice[] = [];
  const references: Reference[] = [];
  if (devices === undefined || devices === null) return { pending, references };
  const candidates: { macText: string | undefined; label: string; at: (string | number)[]; body: PlainValue; list: boolean }[] = [];
  if (Array.isArray(devices)) {
    devices.forEach((body, i) => {
      const mac = isMapping(body) ? body.mac : undefined;
      const macText = typeof mac === 'string' || mac instanceof YamlNumber ? String(mac) : undefined;
      candidates.push({ macText, label: `devices[${i}]`, at: ['devices', i], body, list: true });
    });
  } else if (isMapping(devices)) {
    for (const [key, body] of Object.entries(devices)) {
      candidates.push({ macText: key, label: `devices[${JSON.stringify(key)}]`, at: ['devices', key], body, list: false });
    }
  } else {
    addProblem(['devices'], 'expected a list of devices (- mac: …) or a mapping keyed by MAC');
    return { pending, references };
  }

  const firstSeen = new Map<string, { label: string; at: (string | number)[] }>();
  for (const c of candidates) {
    const mac = c.macText === undefined ? undefined : normalizeMac(c.macText);
    const device = { label: mac ?? c.label, at: c.at };
    if (c.macText !== undefined && mac === undefined) {
      addProblem(c.list ? [...c.at, 'mac'] : c.at,
        `${JSON.stringify(c.macText)} is not a MAC address (12 hex digits, e.g. 000413A11FA7 or 00:04:13:A1:1F:A7)`, device);
    }
    if (mac !== undefined) {
      const first = firstSeen.get(mac);
      if (first !== undefined) {
        const line = tree.locate(first.at)?.line;
        addProblem(c.list ? [...c.at, 'mac'] : c.at,
          `duplicate MAC, already used by ${first.label}${line === undefined ? '' : ` (line ${line})`}`, device);
      } else {
        firstSeen.set(mac, { label: c.label, at: c.at });
      }
    }
    if (isMapping(c.body)) {
      const text = (v: PlainValue | undefined) => (typeof v === 'string' || v instanceof YamlNumber ? String(v) : undefined);
      references.push(definedOnly({ label: device.label, at: c.at, group: text(c.body.group), model: text(c.body.model) }));
    }
    const parsed = c.list
      ? deviceListEntrySchema.safeParse(c.body, { reportInput: true })
      : deviceMapEntrySchema.safeParse(c.body, { reportInput: true });
    if (!parsed.success) {
      for (const p of describeIssues(parsed.error.issues, c.at)) addProblem(p.path, p.message, device);
      continue;
    }
    if (mac === undefined) continue;
    const entry: DeviceMapEntry = { ...parsed.data };
    delete (entry as { mac?: unknown }).mac;
    pending.push({ mac, label: mac, at: c.at, entry });
  }
  return { pending, references };
}

function isMapping(v: PlainValue | undefined): v is { [key: string]: PlainValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof YamlNumber);
}

function known(what: string, defined: object): string {
  const names = Object.keys(defined);
  return names.length === 0 ? `the inventory defines no ${what}` : `${what}: ${names.join(', ')}`;
}

function sortByLine(errors: InventoryError[]): InventoryError[] {
  return errors
    .map((e, i) => ({ e, i }))
    .sort((a, b) => (a.e.line ?? Infinity) - (b.e.line ?? Infinity) || a.i - b.i)
    .map(({ e }) => e);
}


