/**
 * Declaring models in inventory text: an import may name models the inventory's `models:` does not list yet
 * (a new phone type on the day). Each is added as an empty entry (`D785: {}`: nothing inherited, the model's name
 * only), in the file's own block layout, touching no other byte. Pure: text in, text out.
 */
import { isMap, isScalar, parseDocument, type Node } from 'yaml';
import { lineEnd, lineStart } from './text-positions.js';

const PARSE_OPTIONS = { version: '1.2', schema: 'core', merge: false, uniqueKeys: false } as const;

/** The names under `models:`; empty when there is none (or the text is not a YAML mapping). */
export function declaredModels(text: string): Set<string> {
  const doc = parseDocument(text, PARSE_OPTIONS);
  const models = isMap(doc.contents) ? doc.contents.get('models', true) : undefined;
  const names = new Set<string>();
  if (isMap(models)) for (const pair of models.items) if (isScalar(pair.key)) names.add(String(pair.key.value));
  return names;
}

/**
 * The text with `names` declared as empty models, or `undefined` when the `models:` value has a form this does
 * not edit (a flow mapping with entries, a non-mapping): the caller asks the operator to declare them.
 */
export function declareModels(text: string, names: readonly string[]): string | undefined {
  if (names.length === 0) return text;
  const doc = parseDocument(text, PARSE_OPTIONS);
  const root = doc.contents;
  if (!isMap(root)) return undefined;
  const nl = text.includes('\r\n') ? '\r\n' : '\n';
  const pair = root.items.find((p) => isScalar(p.key) && p.key.value === 'models');
  const lines = (indent: string) => names.map((n) => `${indent}${yamlKey(n)}: {}${nl}`).join('');
  if (!pair) {
    // Before `devices:` (where a reader looks for it), else at the end.
    const devices = root.items.find((p) => isScalar(p.key) && p.key.value === 'devices');
    const at = devices ? lineStart(text, rangeOf(devices.key)?.[0] ?? text.length) : text.length;
    const before = at === text.length && text.length > 0 && !text.endsWith('\n') ? nl : '';
    return `${text.slice(0, at)}${before}models:${nl}${lines('  ')}${devices ? nl : ''}${text.slice(at)}`;
  }
  const keyRange = rangeOf(pair.key);
  if (!keyRange) return undefined;
  const value = pair.value;
  const empty = value === null || (isScalar(value) && value.value === null) || (isMap(value) && value.items.length === 0);
  if (empty) {
    const start = lineStart(text, keyRange[0]);
    const end = lineEnd(text, rangeOf(value)?.[2] ?? keyRange[2]);
    const indent = text.slice(start, keyRange[0]);
    return `${text.slice(0, start)}${indent}models:${nl}${lines(`${indent}  `)}${text.slice(end)}`;
  }
  if (!isMap(value) || value.flow) return undefined;
  const first = value.items[0];
  const firstStart = rangeOf(first?.key)?.[0];
  const last = value.items.at(-1);
  const lastEnd = rangeOf(last?.value)?.[1] ?? rangeOf(last?.key)?.[1];
  if (firstStart === undefined || lastEnd === undefined) return undefined;
  const indent = text.slice(lineStart(text, firstStart), firstStart);
  if (!/^[ \t]*$/.test(indent)) return undefined;
  const at = lineEnd(text, lastEnd);
  const before = at === text.length && !text.endsWith('\n') ? nl : '';
  return `${text.slice(0, at)}${before}${lines(indent)}${text.slice(at)}`;
}

function yamlKey(name: string): string {
  return /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name) && !/^(true|false|null|~|[-+]?\d[\d._]*)$/i.test(name) ? name : JSON.stringify(name);
}

function rangeOf(node: unknown): readonly [number, number, number] | undefined {
  return (node as Node | null | undefined)?.range ?? undefined;
}
