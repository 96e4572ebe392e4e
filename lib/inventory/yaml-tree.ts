/**
 * YAML text to a plain value tree, with line numbers for error messages.
 *
 * Parsed with the YAML 1.2 core schema, whatever the file's `%YAML` directive says: `yes`/`on` stay text and a
 * MAC such as `00:04:13:11:17:27` is never read as a base-60 number (the YAML 1.1 trap).
 * Plain numbers keep the text they were written as ({@link YamlNumber}): an extension `0815`, a password `007`
 * or a phone number `+4930123456` written without quotes reach text fields exactly as typed.
 *
 * Most inventories are plain block YAML, which a fast reader (block-yaml.ts) turns into the same tree with far
 * less time and garbage; whatever it does not handle (and every broken file) goes through the full parser.
 *
 * Secrets: `password: &Secr3t`, `password: *Secr3t` and `password: !Secr3t` are YAML syntax (an anchor on an
 * empty value, an alias, a tag), not the password someone meant to write. An anchor, alias or tag where a secret
 * is expected (under a key that names a secret, see isSecretName) is therefore an error naming the key and
 * the line; and no problem message ever quotes the file's text where it could be a secret (the parser's own
 * messages that would are replaced by our words).
 */
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Alias, type Document, type Scalar } from 'yaml';
import { isSecretName } from '../devices/secret-names.js';
import { parseBlockYaml } from './block-yaml.js';
import { YamlNumber, type PlainValue } from './yaml-number.js';

export { YamlNumber, type PlainValue } from './yaml-number.js';

export interface Position {
  line: number;
  column: number;
}

export interface YamlProblem {
  message: string;
  position?: Position;
}

export interface YamlTree {
  value: PlainValue;
  /**
   * Where the value at `path` is written: for a mapping entry the position of its key, for a list item the item.
   * When the path goes deeper than the file does, the deepest existing ancestor.
   */
  locate(path: readonly PropertyKey[]): Position | undefined;
}

export type YamlTreeResult = { ok: true; tree: YamlTree } | { ok: false; problems: YamlProblem[] };

/**
 * Aliases may be expanded this many times, and may copy this many nodes in all: plenty for sharing blocks, far
 * too few for a "billion laughs" file.
 */
const MAX_ALIAS_EXPANSIONS = 10_000;
const MAX_ALIASED_NODES = 1_000_000;

class ConvertError extends Error {
  constructor(message: string, readonly offset: number | undefined) {
    super(message);
  }
}

export function parseYamlTree(text: string): YamlTreeResult {
  const fast = parseBlockYaml(text);
  if (fast) return { ok: true, tree: fast };
  return parseYamlTreeFully(text);
}

/** The full YAML parser's reading of `text` (exported so tests can compare both readers). */
export function parseYamlTreeFully(text: string): YamlTreeResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    version: '1.2', schema: 'core', merge: false, uniqueKeys: true, prettyErrors: false, lineCounter,
  });
  const at = (offset: number | undefined): Position | undefined => {
    if (offset === undefined) return undefined;
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  // Warnings (an unknown tag, an unsupported version) are problems too: an inventory is read strictly.
  const reported = [...doc.errors, ...doc.warnings];
  if (reported.length > 0) {
    return {
      ok: false,
      problems: reported.map((e) => {
        const position = at(e.pos[0]);
        const secret = position ? secretKeyBefore(text, position) : undefined;
        return { message: `${secret ? `${secret}: ` : ''}${safeMessage(e.code, e.message)}`, position };
      }),
    };
  }
  let value: PlainValue;
  try {
    value = new Converter(doc).convert(doc.contents);
  } catch (err) {
    if (err instanceof ConvertError) return { ok: false, problems: [{ message: err.message, position: at(err.offset) }] };
    throw err;
  }
  return { ok: true, tree: { value, locate: (path) => at(locateOffset(doc, path)) } };
}

/**
 * The parser's messages that quote the file's text (a tag, an escape, a block scalar header: possibly part of a
 * password), in words that do not. Every other message of the parser is fixed text or names an indicator.
 */
const QUOTING_MESSAGES: ReadonlyArray<[RegExp, string]> = [
  [/^(Unresolved tag|Could not resolve tag|Not a valid tag|Verbatim tags|The .* tag has no suffix)/,
    'unknown tag (a value that starts with ! must be quoted, e.g. "!…")'],
  [/^Block scalar header includes extra characters/, 'text right after | or > (a value that starts with | or > must be quoted)'],
  [/^Invalid escape sequence/, 'invalid escape sequence in a double-quoted value (write \\\\ for a backslash, or use single quotes)'],
  [/^Unknown directive/, 'unknown directive (a line that starts with %)'],
  [/^Unsupported YAML version/, 'unsupported YAML version in the %YAML directive'],
  [/^Unresolved plain scalar/, 'a value the YAML parser cannot read (put it in quotes)'],
  [/^Ordered maps must not include duplicate keys/, 'duplicate key'],
];

function safeMessage(code: string, message: string): string {
  for (const [pattern, words] of QUOTING_MESSAGES) if (pattern.test(message)) return words;
  if (code === 'BAD_ALIAS') return `${message} (a value that starts with & must be quoted, e.g. "&")`;
  if (code === 'BAD_SCALAR_START') return `${message} (put the value in quotes)`;
  return message;
}

/** True when a value under this key is a secret (`password`, `adminPassword`, `http_pass`, ...). */
function isSecretKey(key: string): boolean {
  return isSecretName(key);
}

/**
 * The key a parse error at `position` belongs to, when that key names a secret: the last `key:` on the line
 * before the error's column (block or flow style). Only for naming it in the message.
 */
function secretKeyBefore(text: string, position: Position): string | undefined {
  const line = text.split(/\r?\n|\r/)[position.line - 1] ?? '';
  const before = line.slice(0, Math.max(0, position.column - 1));
  let found: string | undefined;
  for (const m of before.matchAll(/(?:^|[\s{,-])(?:"([^"]*)"|'([^']*)'|([A-Za-z_][\w.-]*))\s*:(?=\s|$)/g)) {
    found = m[1] ?? m[2] ?? m[3];
  }
  return found !== undefined && isSecretKey(found) ? found : undefined;
}

class Converter {
  private expansions = 0;
  private aliasedNodes = 0;
  private readonly resolving = new Set<unknown>();

  constructor(private readonly doc: Document) {}

  /** `secret`: the key of the nearest enclosing entry that holds a secret, if any. */
  convert(node: unknown, secret?: string): PlainValue {
    if (node === null || node === undefined) return null;
    if (this.resolving.size > 0 && ++this.aliasedNodes > MAX_ALIASED_NODES) {
      throw new ConvertError(`aliases expand to too much data (more than ${MAX_ALIASED_NODES} values)`, rangeStart(node));
    }
    if (secret !== undefined) refuseSyntaxInSecret(node, secret);
    if (isAlias(node)) return this.expand(node);
    if (isScalar(node)) {
      // `perm: !` is YAML's non-specific tag on an empty value: it would silently read as "" (the opposite flag).
      if (node.tag === '!') {
        throw new ConvertError('a lone "!" is YAML syntax (a tag); to write the value !, quote it: "!"', rangeStart(node));
      }
      return scalarValue(node.value, node.source, node.type);
    }
    if (isSeq(node)) return node.items.map((item) => this.convert(item, secret));
    if (isMap(node)) {
      const out: { [key: string]: PlainValue } = {};
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = this.keyText(pair.key);
        const value = this.convert(pair.value, secret ?? (isSecretKey(key) ? key : undefined));
        // defineProperty: a key named `__proto__` is an ordinary (unknown) key, never the object's prototype.
        Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    throw new ConvertError('unsupported YAML node', rangeStart(node));
  }

  private expand(alias: Alias): PlainValue {
    const target = alias.resolve(this.doc);
    const offset = rangeStart(alias);
    if (target === undefined) {
      throw new ConvertError(
        `unknown anchor "*${alias.source}" (a value that starts with * or & must be quoted, e.g. "*${alias.source}")`, offset);
    }
    if (this.resolving.has(target)) throw new ConvertError(`alias "*${alias.source}" refers to itself`, offset);
    if (++this.expansions > MAX_ALIAS_EXPANSIONS) {
      throw new ConvertError(`too many alias expansions (more than ${MAX_ALIAS_EXPANSIONS})`, offset);
    }
    this.resolving.add(target);
    try {
      return this.convert(target);
    } finally {
      this.resolving.delete(target);
    }
  }

  private keyText(key: unknown): string {
    if (key === null || key === undefined) return '';
    if (isScalar(key)) return scalarKeyText(key);
    throw new ConvertError('only plain text keys are supported', rangeStart(key));
  }
}

/**
 * Where a secret is expected, YAML's anchors, aliases and tags are mistakes (an unquoted password that starts
 * with &, * or !): refused with the key's name, never the text.
 */
function refuseSyntaxInSecret(node: unknown, key: string): void {
  const offset = rangeStart(node);
  if (isAlias(node)) {
    throw new ConvertError(`${key}: an alias (*…) where a secret is expected; write the value itself, in quotes if it starts with *`, offset);
  }
  const props = node as { anchor?: unknown; tag?: unknown };
  if (typeof props.anchor === 'string') {
    throw new ConvertError(`${key}: an anchor (&…) where a secret is expected; a value that starts with & must be quoted, e.g. "&…"`, offset);
  }
  if (typeof props.tag === 'string') {
    throw new ConvertError(`${key}: a tag (!…) where a secret is expected; a value that starts with ! must be quoted, e.g. "!…"`, offset);
  }
}

function scalarValue(value: unknown, source: string | undefined, type: string | undefined): PlainValue {
  if (typeof value === 'string' || typeof value === 'boolean' || value === null) return value;
  if (typeof value === 'number') return new YamlNumber(value, type === 'PLAIN' && source !== undefined ? source : String(value));
  return String(value);
}

/** A key as text: `2001:` and `4:` are keys "2001" and "4", as written. */
function scalarKeyText(key: Scalar): string {
  const v = key.value;
  if (typeof v === 'string') return v;
  return key.source ?? String(v);
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as { range?: readonly number[] } | null)?.range;
  return range?.[0];
}

function locateOffset(doc: Document, path: readonly PropertyKey[]): number | undefined {
  let node: unknown = doc.contents;
  let offset = rangeStart(node);
  for (const segment of path) {
    for (let hops = 0; isAlias(node) && hops < 100; hops++) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && scalarKeyText(p.key) === String(segment));
      if (!pair) break;
      offset = rangeStart(pair.key) ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      node = node.items[segment];
      if (node === undefined) break;
      offset = rangeStart(node) ?? offset;
    } else {
      break;
    }
  }
  return offset;
}
