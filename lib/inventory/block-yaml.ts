/**
 * A fast reader for the plain block-YAML that inventories are written in: block mappings and sequences, one-line
 * flow collections, plain and quoted one-line scalars, comments. It gives exactly the tree the full YAML parser
 * gives (1.2 core schema, numbers as {@link YamlNumber} with their text), about twenty times faster and with a
 * fraction of the garbage, which matters for inventories of 100,000 devices.
 *
 * It never decides anything the full parser might decide differently: on the first construct outside its subset
 * (anchors, aliases, tags, block scalars, multi-line or escaped scalars, directives, tabs, odd indentation,
 * duplicate keys, anything it would call an error) it gives up and returns `undefined`, and the caller parses
 * the text with the full parser, which then also produces the error messages. Positions are computed only when
 * asked for (a second pass), since only error messages need them.
 *
 * Fenced: its one caller is parseYamlTree (yaml-tree.ts), which falls back to the full parser whenever this returns
 * `undefined`, and test/inventory/block-yaml.test.ts holds its tree equal to the full parser's on every fixture. It
 * is kept, owned code though it is, for the load time of a 100,000-device inventory; deleting it changes speed only.
 */
import { YamlNumber, type PlainValue } from './yaml-number.js';

export interface BlockYamlTree {
  value: PlainValue;
  /** Same contract as YamlTree.locate: a mapping entry at its key, a list item at the item; 1-based. */
  locate(path: readonly PropertyKey[]): { line: number; column: number } | undefined;
}

/** Raised inside the reader to give up; never escapes it. */
class Unsupported extends Error {}
const UNSUPPORTED = new Unsupported();

/** Characters whose presence anywhere sends the text to the full parser (tabs, controls, odd spaces and breaks). */
const AWKWARD = /[\t\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x85\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]/;
/** Longest implicit key the full parser accepts is 1024 characters; stay well inside it. */
const MAX_KEY_LENGTH = 1000;

const SPACE = 0x20;
const HASH = 0x23;
const COLON = 0x3a;
const DASH = 0x2d;
const DQUOTE = 0x22;
const SQUOTE = 0x27;
const COMMA = 0x2c;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const BACKSLASH = 0x5c;

/** Parses `text`; `undefined` when it is outside the subset (the full parser must read it). */
export function parseBlockYaml(text: string): BlockYamlTree | undefined {
  // A byte-order mark is skipped; the full parser counts it as a column of the first line.
  const bom = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const body = bom ? text.slice(1) : text;
  if (AWKWARD.test(body)) return undefined;
  let value: PlainValue;
  try {
    value = new Reader(body, undefined).document();
  } catch (err) {
    if (err instanceof Unsupported) return undefined;
    throw err;
  }
  // The second pass builds its own copy of the tree, whose containers key the positions.
  let located: { copy: PlainValue; positions: Positions } | undefined;
  return {
    value,
    locate(path) {
      if (!located) {
        const positions: Positions = new Map();
        located = { copy: new Reader(body, positions).document(), positions };
      }
      return locate(located.copy, located.positions, path, bom);
    },
  };
}

/** Container -> where its entries are: key -> position for mappings, `[pos, …]` for lists. */
type Positions = Map<object, Map<string, number> | number[]>;
/** A position packed in one number: line * 2^21 + column (both 1-based). */
const COLUMN_BITS = 2 ** 21;
const pack = (line: number, column: number): number => line * COLUMN_BITS + column;

function locate(root: PlainValue, positions: Positions, path: readonly PropertyKey[], bom: number): { line: number; column: number } | undefined {
  let node: PlainValue | undefined = root;
  const root0 = positions.get(ROOT);
  let at = Array.isArray(root0) ? root0[0] : undefined;
  for (const segment of path) {
    if (typeof node !== 'object' || node === null || node instanceof YamlNumber) break;
    const entries = positions.get(node);
    if (!entries) break;
    if (Array.isArray(node)) {
      if (!Array.isArray(entries) || typeof segment !== 'number' || entries[segment] === undefined) break;
      at = entries[segment];
      node = node[segment];
    } else {
      const key = String(segment);
      const found = Array.isArray(entries) ? undefined : entries.get(key);
      if (found === undefined) break;
      at = found;
      node = node[key];
    }
  }
  if (typeof at !== 'number') return undefined;
  const line = Math.floor(at / COLUMN_BITS);
  const column = at % COLUMN_BITS;
  return { line, column: line === 1 ? column + bom : column };
}

/** Key of the root's own position in a Positions map. */
const ROOT = {};

class Reader {
  private readonly lines: string[];
  /** Index of the current line. */
  private i = 0;

  constructor(text: string, private readonly positions: Positions | undefined) {
    this.lines = text.split('\n');
    for (let k = 0; k < this.lines.length; k++) {
      const line = this.lines[k] as string;
      if (line.charCodeAt(line.length - 1) === 0x0d) this.lines[k] = line.slice(0, -1);
    }
    // A lone CR is a line break to YAML; not to this reader.
    if (text.includes('\r') && this.lines.some((l) => l.includes('\r'))) throw UNSUPPORTED;
  }

  document(): PlainValue {
    let indent = this.nextContent();
    const first = this.lines[this.i];
    if (indent === 0 && first !== undefined && isDocumentStart(first)) {
      this.i++;
      indent = this.nextContent();
    }
    if (indent < 0) return null;
    // Only a block mapping at the left margin: anything else is rare enough for the full parser.
    if (indent !== 0) throw UNSUPPORTED;
    const line = this.lines[this.i] as string;
    if (isSequenceEntry(line, 0)) throw UNSUPPORTED;
    this.positions?.set(ROOT, [pack(this.i + 1, 1)]);
    const value = this.mapping(0);
    if (this.nextContent() >= 0) throw UNSUPPORTED;
    return value;
  }

  /**
   * Moves to the next line with content; returns its indentation, or -1 at the end. Refuses document markers
   * and directives, which the full parser must see.
   */
  private nextContent(): number {
    const lines = this.lines;
    for (; this.i < lines.length; this.i++) {
      const line = lines[this.i] as string;
      let p = 0;
      while (line.charCodeAt(p) === SPACE) p++;
      if (p === line.length || line.charCodeAt(p) === HASH) continue;
      if (p === 0 && (line.startsWith('---') || line.startsWith('...') || line.charCodeAt(0) === 0x25)) {
        if (this.i > 0 || !isDocumentStart(line)) throw UNSUPPORTED;
      }
      return p;
    }
    return -1;
  }

  /**
   * A block mapping whose keys sit at `column` (0-based); the current line holds its first key there. Like every
   * reader below, it returns standing on the first line it did not consume.
   */
  private mapping(column: number): { [key: string]: PlainValue } {
    const out: { [key: string]: PlainValue } = {};
    const seen = new Set<string>();
    const entries = this.positions ? new Map<string, number>() : undefined;
    if (entries) this.positions?.set(out, entries);
    for (;;) {
      const line = this.lines[this.i] as string;
      if (isSequenceEntry(line, column)) throw UNSUPPORTED;
      const key = this.key(line, column);
      if (seen.has(key.identity)) throw UNSUPPORTED;
      seen.add(key.identity);
      entries?.set(key.text, pack(this.i + 1, column + 1));
      define(out, key.text, this.valueAfter(line, key.end, column));
      const next = this.nextContent();
      if (next < column) return out;
      if (next > column) throw UNSUPPORTED;
    }
  }

  /** A block sequence whose dashes sit at `column`; the current line holds its first entry. */
  private sequence(column: number): PlainValue[] {
    const out: PlainValue[] = [];
    const entries = this.positions ? [] as number[] : undefined;
    if (entries) this.positions?.set(out, entries);
    for (;;) {
      const line = this.lines[this.i] as string;
      if (!isSequenceEntry(line, column)) throw UNSUPPORTED;
      let p = column + 1;
      while (line.charCodeAt(p) === SPACE) p++;
      if (p === line.length || line.charCodeAt(p) === HASH) {
        const lineNo = this.i + 1;
        const child = this.childBlock(column, false);
        entries?.push(child.found ? child.at : pack(lineNo, p + 1));
        out.push(child.value);
      } else {
        if (isSequenceEntry(line, p)) throw UNSUPPORTED; // `- - x`
        entries?.push(pack(this.i + 1, p + 1));
        if (this.startsKey(line, p)) {
          out.push(this.mapping(p));
        } else {
          out.push(this.inlineValue(line, p));
          this.i++;
        }
      }
      const next = this.nextContent();
      // A line at the dashes' column without a dash ends a sequence that sits at its key's indentation.
      if (next < column || (next === column && !isSequenceEntry(this.lines[this.i] as string, column))) return out;
      if (next > column) throw UNSUPPORTED;
    }
  }

  /** The value of a mapping entry after `p`: inline on this line, or a block on the lines below. */
  private valueAfter(line: string, p: number, column: number): PlainValue {
    while (line.charCodeAt(p) === SPACE) p++;
    if (p === line.length || line.charCodeAt(p) === HASH) return this.childBlock(column, true).value;
    const value = this.inlineValue(line, p);
    this.i++;
    return value;
  }

  /**
   * The block below an entry with nothing after its indicator: more indented lines, or (for a mapping value) a
   * sequence at the same indentation. Nothing there is null.
   */
  private childBlock(column: number, sameIndentSequence: boolean): { value: PlainValue; found: boolean; at: number } {
    const from = this.i;
    this.i++;
    const indent = this.nextContent();
    const line = this.lines[this.i];
    if (indent >= 0 && line !== undefined) {
      const at = pack(this.i + 1, indent + 1);
      if (indent > column) {
        if (isSequenceEntry(line, indent)) return { value: this.sequence(indent), found: true, at };
        if (!this.startsKey(line, indent)) throw UNSUPPORTED; // a scalar on its own line, or worse
        return { value: this.mapping(indent), found: true, at };
      }
      if (indent === column && sameIndentSequence && isSequenceEntry(line, indent)) {
        return { value: this.sequence(indent), found: true, at };
      }
    }
    this.i = from + 1;
    return { value: null, found: false, at: 0 };
  }

  /** True when a mapping key starts at `p` (a plain or quoted scalar followed by `: ` or `:` at the end). */
  private startsKey(line: string, p: number): boolean {
    const c = line.charCodeAt(p);
    if (c === DQUOTE || c === SQUOTE) {
      const end = quotedEnd(line, p);
      let q = end;
      while (line.charCodeAt(q) === SPACE) q++;
      return line.charCodeAt(q) === COLON && isBreakOrSpace(line, q + 1);
    }
    if (c === LBRACE || c === LBRACKET) return false;
    return plainKeyEnd(line, p) >= 0;
  }

  private key(line: string, p: number): { text: string; identity: string; end: number } {
    const c = line.charCodeAt(p);
    if (c === DQUOTE || c === SQUOTE) {
      const end = quotedEnd(line, p);
      const text = c === DQUOTE ? doubleQuoted(line, p, end) : singleQuoted(line, p, end);
      let q = end;
      while (line.charCodeAt(q) === SPACE) q++;
      if (line.charCodeAt(q) !== COLON || !isBreakOrSpace(line, q + 1)) throw UNSUPPORTED;
      return { text, identity: `s${text}`, end: q + 1 };
    }
    if (!canStartPlain(line, p, false) || c === LBRACE || c === LBRACKET) throw UNSUPPORTED;
    const colon = plainKeyEnd(line, p);
    if (colon < 0) throw UNSUPPORTED;
    let e = colon;
    while (e > p && line.charCodeAt(e - 1) === SPACE) e--;
    const text = line.slice(p, e);
    if (text.length > MAX_KEY_LENGTH || text === '<<') throw UNSUPPORTED;
    const resolved = resolvePlain(text);
    return { text, identity: identityOf(resolved), end: colon + 1 };
  }

  /** A scalar or flow collection that must end this line (a comment may follow). */
  private inlineValue(line: string, p: number): PlainValue {
    const c = line.charCodeAt(p);
    let value: PlainValue;
    let end: number;
    if (c === DQUOTE || c === SQUOTE) {
      end = quotedEnd(line, p);
      value = c === DQUOTE ? doubleQuoted(line, p, end) : singleQuoted(line, p, end);
    } else if (c === LBRACE || c === LBRACKET) {
      const flow = new FlowReader(line, this.i + 1, this.positions);
      value = flow.node(p);
      end = flow.pos;
    } else {
      if (!canStartPlain(line, p, false)) throw UNSUPPORTED;
      end = p;
      for (; end < line.length; end++) {
        const ch = line.charCodeAt(end);
        if (ch === HASH && line.charCodeAt(end - 1) === SPACE) break;
        // `a: b: c` and `a: b:` are errors to the full parser.
        if (ch === COLON && isBreakOrSpace(line, end + 1)) throw UNSUPPORTED;
      }
      let e = end;
      while (line.charCodeAt(e - 1) === SPACE) e--;
      return plainValue(line.slice(p, e));
    }
    let q = end;
    while (line.charCodeAt(q) === SPACE) q++;
    if (q < line.length && !(line.charCodeAt(q) === HASH && q > end)) throw UNSUPPORTED;
    return value;
  }
}

/** A one-line flow collection (`{ name: Reception, number: "100" }`, `[a, b]`). */
class FlowReader {
  pos = 0;

  constructor(private readonly line: string, private readonly lineNo: number, private readonly positions: Positions | undefined) {}

  node(p: number): PlainValue {
    const c = this.line.charCodeAt(p);
    if (c === LBRACE) return this.map(p);
    if (c === LBRACKET) return this.seq(p);
    return this.scalar(p);
  }

  private skip(p: number): number {
    while (this.line.charCodeAt(p) === SPACE) p++;
    return p;
  }

  private map(start: number): { [key: string]: PlainValue } {
    const out: { [key: string]: PlainValue } = {};
    const entries = this.positions ? new Map<string, number>() : undefined;
    if (entries) this.positions?.set(out, entries);
    const seen = new Set<string>();
    let p = this.skip(start + 1);
    if (this.line.charCodeAt(p) === RBRACE) {
      this.pos = p + 1;
      return out;
    }
    for (;;) {
      const keyAt = p;
      const c = this.line.charCodeAt(p);
      let text: string;
      let identity: string;
      if (c === DQUOTE || c === SQUOTE) {
        const end = quotedEnd(this.line, p);
        text = c === DQUOTE ? doubleQuoted(this.line, p, end) : singleQuoted(this.line, p, end);
        identity = `s${text}`;
        p = this.skip(end);
      } else {
        if (!canStartPlain(this.line, p, true)) throw UNSUPPORTED;
        const end = this.plainEnd(p);
        text = trimEnd(this.line, p, end);
        if (text === '' || text === '<<' || text.length > MAX_KEY_LENGTH) throw UNSUPPORTED;
        identity = identityOf(resolvePlain(text));
        p = this.skip(end);
      }
      // `{a}` and `{a, b: c}` (keys without values) are legal but never needed: leave them to the full parser.
      if (this.line.charCodeAt(p) !== COLON || !isFlowBreak(this.line, p + 1)) throw UNSUPPORTED;
      if (seen.has(identity)) throw UNSUPPORTED;
      seen.add(identity);
      entries?.set(text, pack(this.lineNo, keyAt + 1));
      p = this.skip(p + 1);
      const vc = this.line.charCodeAt(p);
      if (vc === COMMA || vc === RBRACE) throw UNSUPPORTED;
      define(out, text, this.node(p));
      p = this.skip(this.pos);
      const sep = this.line.charCodeAt(p);
      if (sep === RBRACE) {
        this.pos = p + 1;
        return out;
      }
      if (sep !== COMMA) throw UNSUPPORTED;
      p = this.skip(p + 1);
      if (this.line.charCodeAt(p) === RBRACE) throw UNSUPPORTED; // trailing comma: legal, rare
    }
  }

  private seq(start: number): PlainValue[] {
    const out: PlainValue[] = [];
    const entries = this.positions ? [] as number[] : undefined;
    if (entries) this.positions?.set(out, entries);
    let p = this.skip(start + 1);
    if (this.line.charCodeAt(p) === RBRACKET) {
      this.pos = p + 1;
      return out;
    }
    for (;;) {
      const c = this.line.charCodeAt(p);
      if (c === COMMA || c === RBRACKET) throw UNSUPPORTED;
      entries?.push(pack(this.lineNo, p + 1));
      out.push(this.node(p));
      p = this.skip(this.pos);
      const sep = this.line.charCodeAt(p);
      if (sep === RBRACKET) {
        this.pos = p + 1;
        return out;
      }
      if (sep !== COMMA) throw UNSUPPORTED; // includes `[a: b]`, a one-pair mapping
      p = this.skip(p + 1);
      if (this.line.charCodeAt(p) === RBRACKET) throw UNSUPPORTED;
    }
  }

  private scalar(p: number): PlainValue {
    const c = this.line.charCodeAt(p);
    if (c === DQUOTE || c === SQUOTE) {
      const end = quotedEnd(this.line, p);
      this.pos = end;
      return c === DQUOTE ? doubleQuoted(this.line, p, end) : singleQuoted(this.line, p, end);
    }
    if (!canStartPlain(this.line, p, true)) throw UNSUPPORTED;
    const end = this.plainEnd(p);
    this.pos = end;
    const text = trimEnd(this.line, p, end);
    if (text === '') throw UNSUPPORTED;
    return plainValue(text);
  }

  /** End of a plain scalar in flow context: a flow indicator, `: `, ` #`, or the end of the line. */
  private plainEnd(p: number): number {
    const line = this.line;
    for (let e = p; e < line.length; e++) {
      const ch = line.charCodeAt(e);
      if (ch === COMMA || ch === LBRACKET || ch === RBRACKET || ch === LBRACE || ch === RBRACE) return e;
      if (ch === COLON && isFlowBreak(line, e + 1)) return e;
      if (ch === HASH && line.charCodeAt(e - 1) === SPACE) throw UNSUPPORTED; // a comment inside: multi-line
    }
    throw UNSUPPORTED; // the collection does not close on this line
  }
}

function isDocumentStart(line: string): boolean {
  if (!line.startsWith('---')) return false;
  let p = 3;
  while (line.charCodeAt(p) === SPACE) p++;
  return p === line.length || (line.charCodeAt(p) === HASH && p > 3);
}

function isSequenceEntry(line: string, p: number): boolean {
  return line.charCodeAt(p) === DASH && isBreakOrSpace(line, p + 1);
}

function isBreakOrSpace(line: string, p: number): boolean {
  return p >= line.length || line.charCodeAt(p) === SPACE;
}

function isFlowBreak(line: string, p: number): boolean {
  if (p >= line.length) return true;
  const c = line.charCodeAt(p);
  return c === SPACE || c === COMMA || c === LBRACKET || c === RBRACKET || c === LBRACE || c === RBRACE;
}

/** YAML's rule for the first character of a plain scalar (c-indicator, with `-?:` allowed before a non-space). */
function canStartPlain(line: string, p: number, flow: boolean): boolean {
  const c = line.charCodeAt(p);
  switch (c) {
    case DASH: case 0x3f /* ? */: case COLON: {
      const next = line.charCodeAt(p + 1);
      if (p + 1 >= line.length || next === SPACE) return false;
      return !(flow && (next === COMMA || next === LBRACKET || next === RBRACKET || next === LBRACE || next === RBRACE));
    }
    case COMMA: case LBRACKET: case RBRACKET: case LBRACE: case RBRACE: case HASH: case 0x26 /* & */:
    case 0x2a /* * */: case 0x21 /* ! */: case 0x7c /* | */: case 0x3e /* > */: case SQUOTE: case DQUOTE:
    case 0x25 /* % */: case 0x40 /* @ */: case 0x60 /* ` */:
      return false;
    default:
      return p < line.length;
  }
}

/** Position of the `:` ending a plain implicit key starting at `p`, or -1 when the line holds no key there. */
function plainKeyEnd(line: string, p: number): number {
  if (!canStartPlain(line, p, false)) return -1;
  for (let e = p; e < line.length; e++) {
    const ch = line.charCodeAt(e);
    if (ch === COLON && isBreakOrSpace(line, e + 1)) return e;
    if (ch === HASH && line.charCodeAt(e - 1) === SPACE) return -1;
  }
  return -1;
}

/** Index just after the closing quote of a one-line quoted scalar starting at `p`. */
function quotedEnd(line: string, p: number): number {
  const quote = line.charCodeAt(p);
  for (let e = p + 1; e < line.length; e++) {
    const ch = line.charCodeAt(e);
    if (quote === DQUOTE && ch === BACKSLASH) throw UNSUPPORTED; // escapes: the full parser's job
    if (ch === quote) {
      if (quote === SQUOTE && line.charCodeAt(e + 1) === SQUOTE) {
        e++;
        continue;
      }
      return e + 1;
    }
  }
  throw UNSUPPORTED; // continues on the next line
}

function doubleQuoted(line: string, p: number, end: number): string {
  return line.slice(p + 1, end - 1);
}

function singleQuoted(line: string, p: number, end: number): string {
  const inner = line.slice(p + 1, end - 1);
  return inner.includes("''") ? inner.replaceAll("''", "'") : inner;
}

function trimEnd(line: string, p: number, end: number): string {
  while (end > p && line.charCodeAt(end - 1) === SPACE) end--;
  return line.slice(p, end);
}

type Resolved = string | number | boolean | null;

/** The YAML 1.2 core schema's resolution of a plain scalar, in the full parser's order and with its patterns. */
function resolvePlain(text: string): Resolved {
  const c = text.charCodeAt(0);
  // Fast exit: most values start with a letter that can begin neither a number nor null/true/false.
  const maybeSpecial = c <= 0x39 /* '9' */ || c === 0x7e /* ~ */ || c === 0x6e || c === 0x4e /* n N */
    || c === 0x74 || c === 0x54 || c === 0x66 || c === 0x46 /* t T f F */;
  if (!maybeSpecial) return text;
  if (/^(?:~|[Nn]ull|NULL)?$/.test(text)) return null;
  if (/^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/.test(text)) return text.charCodeAt(0) === 0x74 || text.charCodeAt(0) === 0x54;
  if (/^0o[0-7]+$/.test(text)) return parseInt(text.substring(2), 8);
  if (/^[-+]?[0-9]+$/.test(text)) return parseInt(text, 10);
  if (/^0x[0-9a-fA-F]+$/.test(text)) return parseInt(text.substring(2), 16);
  if (/^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/.test(text)) {
    return text.slice(-3).toLowerCase() === 'nan' ? NaN : text.charCodeAt(0) === DASH ? -Infinity : Infinity;
  }
  if (/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/.test(text)) return parseFloat(text);
  if (/^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/.test(text)) return parseFloat(text);
  return text;
}

function plainValue(text: string): PlainValue {
  const r = resolvePlain(text);
  return typeof r === 'number' ? new YamlNumber(r, text) : r;
}

/** What the full parser compares for `uniqueKeys`: the resolved value. Values it never treats as equal give up. */
function identityOf(r: Resolved): string {
  if (typeof r === 'number') {
    if (!Number.isFinite(r)) throw UNSUPPORTED;
    return `n${r}`;
  }
  if (typeof r === 'string') return `s${r}`;
  return r === null ? 'z' : `b${r}`;
}

/** defineProperty: a key named `__proto__` is an ordinary key, never the object's prototype. */
function define(out: { [key: string]: PlainValue }, key: string, value: PlainValue): void {
  if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}
