/**
 * The layering of lib/ (Face, Root, State, HTTP, SIP, Security, Registry, Vendors, Inventory, Config, Base: top to
 * bottom), held by reading every import. A hand-written graph rather than dependency-cruiser: our imports are all
 * static relative ES module specifiers with `.js` suffixes, which TypeScript's own pre-processor lists exactly
 * (type-only imports and `import()` included), so a few dozen lines do what a 3 MB dependency would.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, test } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Every .ts file under `dir`, as a path relative to the repository (`lib/sip/responder.ts`). */
function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => path.posix.join(dir, f.split(path.sep).join('/')))
    .sort();
}

/** What one file imports: relative specifiers resolved to repository paths (`.js` back to `.ts`), packages as named. */
function importsOf(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(path.join(ROOT, file), 'utf8'), true, true);
  return info.importedFiles.map(({ fileName }) => (fileName.startsWith('.')
    ? path.posix.normalize(path.posix.join(path.posix.dirname(file), fileName)).replace(/\.js$/, '.ts')
    : fileName));
}

const files = sourceFiles('lib');
const graph = new Map(files.map((f) => [f, importsOf(f)]));
/** Every import of lib/ that leaves its own file, as `from -> to`. */
const edges = [...graph].flatMap(([from, tos]) => tos.map((to) => ({ from, to })));

/** The part of the architecture a path of lib/ belongs to. */
function partOf(file: string): string {
  const [, top = '', second = ''] = file.split('/');
  if (top === 'log' || top === 'net' || top === 'jsonl' || top === 'mac.ts') return 'base';
  // The registry and the vendor interface it hands out (architecture.md: "registry.ts (+ the vendor interface)").
  if (top === 'vendors') return second === 'registry.ts' || second === 'vendor.ts' ? 'registry' : 'vendor';
  if (top === 'devices') return 'inventory';
  if (top === 'metrics') return 'state';
  if (top.endsWith('.ts')) return top === 'index.ts' ? 'face' : top;
  return top === 'cli' ? 'face' : top === 'service' ? 'root' : top;
}

/** Strongly connected groups of more than one file (Tarjan), i.e. the import cycles. */
function cycles(): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) ?? 0, index.get(w) ?? 0));
    }
    if (low.get(v) === index.get(v)) {
      const group: string[] = [];
      let w: string | undefined;
      do {
        w = stack.pop();
        if (w !== undefined) {
          onStack.delete(w);
          group.push(w);
        }
      } while (w !== undefined && w !== v);
      if (group.length > 1) found.push(group.sort());
    }
  };
  for (const f of files) if (!index.has(f)) visit(f);
  return found;
}

/**
 * Imports that cross a line today, each to be removed here when the code stops crossing it (the test fails on a
 * listed crossing that no longer exists, so this list cannot go stale). None left: the inventory's secret-name
 * test lives in lib/devices/secret-names.ts, and a vendor's own secret settings reach callers through the registry.
 */
const KNOWN_CROSSINGS = new Set<string>([]);

/** The arrows that must hold; each returns why an import is refused, or undefined when it is fine. */
const RULES: Array<(from: string, to: string) => string | undefined> = [
  (from, to) => (/^(test|bench)\//.test(to) ? 'nothing in lib/ imports test/ or bench/' : undefined),
  (from, to) => (partOf(from) === 'config' && to.startsWith('lib/') && !['config', 'base'].includes(partOf(to))
    ? 'config imports only config and base (defaults live in the schema)' : undefined),
  (from, to) => (partOf(from) === 'base' && to.startsWith('lib/') && partOf(to) !== 'base'
    ? 'base knows nothing above it' : undefined),
  (from, to) => (partOf(to) === 'vendor' && !['vendor', 'registry', 'face'].includes(partOf(from))
    ? 'only the vendor registry (and the CLI) import a vendor folder' : undefined),
  (from, to) => (partOf(from) === 'vendor' && ['http', 'sip', 'root', 'face', 'state'].includes(partOf(to))
    ? 'a vendor returns plain data: it imports neither HTTP nor SIP (nor anything above them)' : undefined),
];

describe('the layering of lib/', () => {
  test('reads a real graph (a broken reader would pass every rule)', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(graph.get('lib/sip/responder.ts')).toContain('lib/sip/notify.ts');
    expect(graph.get('lib/state/apply-record.ts')).toContain('lib/state/state-record.ts'); // a type-only import
  });

  test('no import cycles, type-only imports included', () => {
    expect(cycles()).toEqual([]);
  });

  test('every import follows the arrows, apart from the listed known crossings', () => {
    const crossings = edges.flatMap(({ from, to }) => RULES
      .map((rule) => rule(from, to))
      .filter((why): why is string => why !== undefined)
      .map((why) => ({ edge: `${from} -> ${to}`, why })));
    expect(crossings.filter(({ edge }) => !KNOWN_CROSSINGS.has(edge))).toEqual([]);
    const stale = [...KNOWN_CROSSINGS].filter((edge) => !crossings.some((c) => c.edge === edge));
    expect(stale, 'these no longer cross a line: remove them from KNOWN_CROSSINGS').toEqual([]);
  });

  test('the rules catch what they are meant to catch', () => {
    const refused = (from: string, to: string) => RULES.some((rule) => rule(from, to) !== undefined);
    expect(refused('lib/config/schema.ts', 'lib/state/device-state.ts')).toBe(true);
    expect(refused('lib/sip/responder.ts', 'test/support/capture-logger.ts')).toBe(true);
    expect(refused('lib/http/secret-gate.ts', 'lib/vendors/snom/paths.ts')).toBe(true);
    expect(refused('lib/vendors/snom/router.ts', 'lib/http/provisioning-reply.ts')).toBe(true);
    expect(refused('lib/log/logger.ts', 'lib/config/schema.ts')).toBe(true);
    expect(refused('lib/state/device-state-store.ts', 'lib/config/schema.ts')).toBe(false);
    expect(refused('lib/vendors/registry.ts', 'lib/vendors/snom/recognise.ts')).toBe(false);
  });
});
