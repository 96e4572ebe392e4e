/**
 * Adding, replacing and removing devices in inventory text without disturbing anything else: the yaml
 * package's Document API finds the entries and their exact place in the text, and only those bytes change.
 * Comments, blank lines, quoting, flow mappings and numbers written as `+4930…` elsewhere in the file stay exactly
 * as they were (re-serialising the whole document would not keep them all). New entries follow the file's own
 * layout: list or mapping form, its indentation, blank lines between entries or not.
 *
 * Every edit is validated: the file must load before (so an edit never hides older problems) and after (the
 * result is only returned when it is a usable inventory). Pure: text in, text out.
 */
import { Document, isMap, isScalar, isSeq, parseDocument, type Node, type Pair, type YAMLMap, type YAMLSeq } from 'yaml';
import { normalizeMac } from '../../mac.js';
import type { InventoryError } from '../errors.js';
import { loadInventory } from '../load.js';
import type { JsonObject } from './device-entries.js';
import { commentsAbove, lineEnd, lineOf, lineStart } from './text-positions.js';

export interface NewDevice {
  /** Normalised MAC. */
  mac: string;
  /** The entry's other fields (no `mac`). */
  fields: JsonObject;
}

export interface EditProblem {
  /** The device the problem belongs to, when it belongs to one. */
  mac?: string;
  message: string;
}

export type EditOutcome =
  | { ok: true; text: string; added: string[]; replaced: string[]; removed: string[] }
  /** `before`: the inventory had problems before the edit; `after`: the edit would make these. */
  | { ok: false; stage: 'before' | 'edit' | 'after'; problems: EditProblem[]; errors: InventoryError[] };

interface Located {
  mac: string;
  /** Start of the entry's first line (its `-` or its key). */
  start: number;
  /** Just after the entry's last line. */
  end: number;
  /** Start of the comment lines directly above the entry (== start when none). */
  commentStart: number;
}

interface DevicesBlock {
  form: 'list' | 'mapping' | 'empty' | 'absent' | 'flow';
  entries: Located[];
  /** For `empty`: the span of the `devices:` line(s) to replace. */
  keySpan?: { start: number; end: number };
  /** Column of `-` (list) or of the key (mapping), and of the fields below it. */
  entryColumn: number;
  fieldColumn: number;
  /** Whether entries are separated by a blank line. */
  spaced: boolean;
}

const PARSE_OPTIONS = { version: '1.2', schema: 'core', merge: false, uniqueKeys: false } as const;
const SERIALIZE = { lineWidth: 0, flowCollectionPadding: false } as const;

/** Adds devices (or, with `replace`, replaces those already present, in place). */
export function addDevices(text: string, devices: readonly NewDevice[], opts: { replace?: boolean; source?: string } = {}): EditOutcome {
  const before = checkLoads(text, opts.source, 'before');
  if (before) return before;
  const doc = parseDocument(text, PARSE_OPTIONS);
  const block = locateDevices(doc, text);
  const problems: EditProblem[] = [];
  const seen = new Set<string>();
  const byMac = new Map(block.entries.map((e) => [e.mac, e]));
  const added: NewDevice[] = [];
  const replaced: Array<{ device: NewDevice; at: Located }> = [];
  for (const d of devices) {
    if (seen.has(d.mac)) {
      problems.push({ mac: d.mac, message: 'given twice' });
      continue;
    }
    seen.add(d.mac);
    const existing = byMac.get(d.mac);
    if (existing && !opts.replace) problems.push({ mac: d.mac, message: `already in the inventory (line ${lineOf(text, existing.start)})` });
    else if (existing) replaced.push({ device: d, at: existing });
    else added.push(d);
  }
  if (problems.length > 0) return { ok: false, stage: 'edit', problems, errors: [] };

  let out: string;
  if (block.form === 'flow') {
    out = editWithDocument(doc, (devicesNode) => {
      for (const d of [...replaced.map((r) => r.device), ...added]) {
        if (isSeq(devicesNode)) {
          const i = devicesNode.items.findIndex((item) => entryMac(item) === d.mac);
          const node = doc.createNode({ mac: d.mac, ...d.fields });
          if (i >= 0) devicesNode.items[i] = node;
          else devicesNode.items.push(node);
        } else if (isMap(devicesNode)) {
          const pair = devicesNode.items.find((p) => keyMac(p) === d.mac);
          if (pair) pair.value = doc.createNode(d.fields);
          else devicesNode.set(d.mac, doc.createNode(d.fields));
        }
      }
    });
  } else {
    const edits: Array<{ start: number; end: number; text: string }> = replaced.map(({ device, at }) => ({
      start: at.start, end: at.end, text: entryText(device, block),
    }));
    if (added.length > 0) edits.push(insertion(text, block, added));
    out = applyEdits(text, edits);
  }
  return checkResult(out, opts.source, { added: added.map((d) => d.mac), replaced: replaced.map((r) => r.device.mac), removed: [] });
}

/** Removes devices, with the comment lines directly above each. */
export function removeDevices(text: string, macs: readonly string[], opts: { source?: string } = {}): EditOutcome {
  const before = checkLoads(text, opts.source, 'before');
  if (before) return before;
  const doc = parseDocument(text, PARSE_OPTIONS);
  const block = locateDevices(doc, text);
  const wanted = new Set(macs);
  const missing = [...wanted].filter((m) => !block.entries.some((e) => e.mac === m) && block.form !== 'flow');
  if (missing.length > 0) return { ok: false, stage: 'edit', problems: missing.map((mac) => ({ mac, message: 'not in the inventory' })), errors: [] };

  let out: string;
  if (block.form === 'flow') {
    let found = 0;
    out = editWithDocument(doc, (node) => {
      if (isSeq(node)) {
        const keep = node.items.filter((item) => !wanted.has(entryMac(item) ?? ''));
        found = node.items.length - keep.length;
        node.items = keep;
      } else if (isMap(node)) {
        const keep = node.items.filter((p) => !wanted.has(keyMac(p) ?? ''));
        found = node.items.length - keep.length;
        node.items = keep;
      }
    });
    if (found !== wanted.size) return { ok: false, stage: 'edit', problems: [{ message: 'not every device given is in the inventory' }], errors: [] };
  } else {
    const edits = block.entries.filter((e) => wanted.has(e.mac)).map((e) => removal(text, e, block));
    out = applyEdits(text, edits);
  }
  return checkResult(out, opts.source, { added: [], replaced: [], removed: [...wanted] });
}

function checkLoads(text: string, source: string | undefined, stage: 'before'): EditOutcome | undefined {
  const loaded = loadInventory(text, source);
  if (loaded.ok) return undefined;
  return { ok: false, stage, problems: [{ message: 'the inventory has problems; fix them before editing it' }], errors: loaded.errors };
}

function checkResult(text: string, source: string | undefined, done: { added: string[]; replaced: string[]; removed: string[] }): EditOutcome {
  const loaded = loadInventory(text, source);
  if (!loaded.ok) {
    const problems = loaded.errors.map((e) => ({ ...(e.device && normalizeMac(e.device) ? { mac: normalizeMac(e.device) as string } : {}), message: `${e.path ? `${e.path}: ` : ''}${e.message}` }));
    return { ok: false, stage: 'after', problems, errors: loaded.errors };
  }
  return { ok: true, text, ...done };
}

// ------------------------------------------------------------------------------------------------ locating

function locateDevices(doc: Document, text: string): DevicesBlock {
  const root = doc.contents;
  const pair = isMap(root) ? root.items.find((p) => isScalar(p.key) && p.key.value === 'devices') : undefined;
  const none = { entries: [], entryColumn: 2, fieldColumn: 4, spaced: false };
  if (!pair) return { form: 'absent', ...none };
  const keyStart = lineStart(text, rangeOf(pair.key)?.[0] ?? 0);
  const value = pair.value;
  const valueEnd = rangeOf(value)?.[2] ?? rangeOf(pair.key)?.[2] ?? keyStart;
  const emptyCollection = (isSeq(value) || isMap(value)) && value.items.length === 0;
  if (value === null || (isScalar(value) && value.value === null) || emptyCollection) {
    return { form: 'empty', ...none, keySpan: { start: keyStart, end: lineEnd(text, valueEnd) } };
  }
  if ((isSeq(value) || isMap(value)) && value.flow) return { form: 'flow', ...none };
  if (isSeq(value)) return listBlock(value, text);
  if (isMap(value)) return mappingBlock(value, text);
  return { form: 'flow', ...none };
}

function listBlock(seq: YAMLSeq, text: string): DevicesBlock {
  const entries: Located[] = [];
  let entryColumn = 2;
  let fieldColumn = 4;
  seq.items.forEach((item, i) => {
    const range = rangeOf(item);
    if (!range) return;
    const dash = text.lastIndexOf('-', range[0] - 1);
    const start = lineStart(text, dash);
    if (i === 0) {
      entryColumn = dash - start;
      fieldColumn = range[0] - lineStart(text, range[0]);
    }
    const mac = entryMac(item);
    if (mac) entries.push({ mac, start, end: lineEnd(text, range[2]), commentStart: commentsAbove(text, start) });
  });
  return { form: 'list', entries, entryColumn, fieldColumn, spaced: spacedOut(text, entries) };
}

function mappingBlock(map: YAMLMap, text: string): DevicesBlock {
  const entries: Located[] = [];
  let entryColumn = 2;
  let fieldColumn = 4;
  map.items.forEach((pair, i) => {
    const keyRange = rangeOf(pair.key);
    if (!keyRange) return;
    const start = lineStart(text, keyRange[0]);
    if (i === 0) {
      entryColumn = keyRange[0] - start;
      const firstField = isMap(pair.value) && !pair.value.flow ? rangeOf(pair.value.items[0]?.key) : undefined;
      fieldColumn = firstField ? firstField[0] - lineStart(text, firstField[0]) : entryColumn + 2;
    }
    const mac = keyMac(pair);
    const end = rangeOf(pair.value)?.[2] ?? keyRange[2];
    if (mac) entries.push({ mac, start, end: lineEnd(text, end), commentStart: commentsAbove(text, start) });
  });
  return { form: 'mapping', entries, entryColumn, fieldColumn, spaced: spacedOut(text, entries) };
}

function entryMac(item: unknown): string | undefined {
  if (!isMap(item)) return undefined;
  const node = item.get('mac', true);
  return isScalar(node) ? normalizeMac(scalarText(node)) : undefined;
}

function keyMac(pair: Pair): string | undefined {
  return isScalar(pair.key) ? normalizeMac(scalarText(pair.key)) : undefined;
}

function scalarText(node: { value: unknown; source?: string }): string {
  return typeof node.value === 'string' ? node.value : node.source ?? String(node.value);
}

function rangeOf(node: unknown): readonly [number, number, number] | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ?? undefined;
}

/** Whether the last two entries are separated by a blank line. */
function spacedOut(text: string, entries: readonly Located[]): boolean {
  const a = entries.at(-2);
  const b = entries.at(-1);
  if (!a || !b) return false;
  return /\n[ \t]*\n/.test(`\n${text.slice(a.end, b.commentStart)}`);
}

// ------------------------------------------------------------------------------------------------ writing

function entryText(device: NewDevice, block: DevicesBlock): string {
  const indent = (n: number) => ' '.repeat(n);
  if (block.form === 'mapping') {
    const fields = Object.keys(device.fields).length === 0 ? '' : serialize(device.fields);
    if (fields === '') return `${indent(block.entryColumn)}${device.mac}: {}\n`;
    return `${indent(block.entryColumn)}${device.mac}:\n${reindent(fields, indent(block.fieldColumn), indent(block.fieldColumn))}`;
  }
  const body = serialize({ mac: device.mac, ...device.fields });
  return reindent(body, `${indent(block.entryColumn)}-${indent(Math.max(1, block.fieldColumn - block.entryColumn - 1))}`, indent(block.fieldColumn));
}

function insertion(text: string, block: DevicesBlock, devices: readonly NewDevice[]): { start: number; end: number; text: string } {
  if (block.form === 'absent') {
    const list = { ...block, form: 'list' as const };
    const lead = text === '' || text.endsWith('\n') ? '' : '\n';
    return { start: text.length, end: text.length, text: `${lead}devices:\n${devices.map((d) => entryText(d, list)).join('')}` };
  }
  if (block.form === 'empty' && block.keySpan) {
    const list = { ...block, form: 'list' as const };
    const keyLine = text.slice(block.keySpan.start, block.keySpan.end);
    const key = /^([ \t]*devices[ \t]*:)/.exec(keyLine)?.[1] ?? 'devices:';
    return { start: block.keySpan.start, end: block.keySpan.end, text: `${key}\n${devices.map((d) => entryText(d, list)).join('')}` };
  }
  const last = block.entries.at(-1);
  const at = last ? last.end : text.length;
  const lead = at > 0 && text[at - 1] !== '\n' ? '\n' : '';
  const gap = block.spaced ? '\n' : '';
  return { start: at, end: at, text: lead + devices.map((d) => gap + entryText(d, block)).join('') };
}

function removal(text: string, entry: Located, block: DevicesBlock): { start: number; end: number; text: string } {
  let start = entry.commentStart;
  let end = entry.end;
  // Keep one blank line between neighbours, not two, none right under `devices:` and none at the end.
  const previous = start > 0 ? lineStart(text, start - 1) : start;
  const blankBefore = start > 0 && text.slice(previous, start).trim() === '';
  const blankAfter = /^[ \t]*\n/.exec(text.slice(end));
  if (blankAfter && (blankBefore || block.entries[0] === entry)) end += blankAfter[0].length;
  else if (!blankAfter && blankBefore && block.entries.at(-1) === entry) start = previous;
  return { start, end, text: '' };
}

function applyEdits(text: string, edits: Array<{ start: number; end: number; text: string }>): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

/** For `devices` written as a flow collection (`devices: [...]`): edit the document and write it whole. */
function editWithDocument(doc: Document, edit: (devices: unknown) => void): string {
  edit(doc.get('devices', true));
  return doc.toString(SERIALIZE);
}

function serialize(value: JsonObject): string {
  return new Document(value, { version: '1.2' }).toString(SERIALIZE);
}

function reindent(block: string, first: string, rest: string): string {
  const lines = block.replace(/\n$/, '').split('\n');
  return `${lines.map((l, i) => (i === 0 ? first : l === '' ? '' : rest) + l).join('\n')}\n`;
}
