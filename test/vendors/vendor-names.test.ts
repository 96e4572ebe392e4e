/**
 * No vendor leaks out of its folder: outside `lib/vendors/<id>/` and the registry, no file of lib/ names a vendor
 * in a string literal (`'snom'`, `'yealink'`, ...) or imports a vendor folder, apart from the short allow-list
 * below. This is what keeps "adding a vendor is its folder and one registry line" true (docs/vendors.md).
 * Comments and longer strings (`'snomD735'`, a help text) are not names: only a literal that is exactly an id.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, test } from 'vitest';
import { VENDOR_MODULES } from '../../lib/vendors/registry.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The vendors of issue 14, and whatever the registry lists beyond them. */
const VENDOR_IDS: ReadonlySet<string> = new Set(['snom', 'yealink', 'grandstream', 'fanvil', 'gigaset', ...VENDOR_MODULES.map((m) => m.id)]);

/**
 * `file: what` pairs allowed to name a vendor, each with why. Keep it short: a new entry needs a reason a
 * reviewer accepts.
 */
const ALLOWED: ReadonlyMap<string, string> = new Map([
  // The inventory's top-level `snom:` raw settings, older than `raw.<vendor>`, kept for existing inventories:
  // the neutral model names it once (LEGACY_RAW_FIELD) and everything else uses that constant.
  ['lib/devices/device.ts: \'snom\'', 'the legacy `snom:` raw-settings field'],
  // The package's public API has exported Snom's renderers since before the vendor interface (semver).
  ['lib/index.ts: import lib/vendors/snom/render.ts', 'public API'],
]);

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => path.posix.join(dir, f.split(path.sep).join('/')))
    .sort();
}

/** Whether a file may name vendors freely: a vendor's own folder, or the registry. */
function isVendorHome(file: string): boolean {
  const m = /^lib\/vendors\/([^/]+)\//.exec(file);
  return file === 'lib/vendors/registry.ts' || (m?.[1] !== undefined && VENDOR_IDS.has(m[1]));
}

/** What a file says of vendors: `'<id>'` for a literal, `import lib/vendors/<id>/…` for an import. */
function vendorMentions(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) {
      const spec = node.moduleSpecifier;
      if (spec !== undefined && ts.isStringLiteral(spec) && spec.text.startsWith('.')) {
        const to = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec.text)).replace(/\.js$/, '.ts');
        const m = /^lib\/vendors\/([^/]+)\//.exec(to);
        if (m?.[1] !== undefined && VENDOR_IDS.has(m[1])) found.push(`import ${to}`);
      }
      return;
    }
    if ((ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) && VENDOR_IDS.has(node.text.toLowerCase())) {
      found.push(`'${node.text}'`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('vendor names stay in their folders', () => {
  const mentions = sourceFiles('lib').filter((f) => !isVendorHome(f))
    .flatMap((f) => vendorMentions(f, readFileSync(path.join(ROOT, f), 'utf8')).map((what) => `${f}: ${what}`));

  test('outside lib/vendors/<id>/ and the registry, only the allow-listed mentions', () => {
    expect(mentions.filter((m) => !ALLOWED.has(m))).toEqual([]);
  });

  test('every allow-listed mention still exists (the list cannot go stale)', () => {
    expect([...ALLOWED.keys()].filter((m) => !mentions.includes(m))).toEqual([]);
  });

  test('the reader finds what it is meant to find', () => {
    expect(vendorMentions('lib/x/y.ts', "import { a } from '../vendors/fanvil/vendor.js';\nconst v = 'Yealink';\n// 'snom'\nconst t = 'snomD735';"))
      .toEqual(['import lib/vendors/fanvil/vendor.ts', "'Yealink'"]);
    expect(vendorMentions('lib/x/y.ts', 'export { b } from "../vendors/snom/render.js"; const u = `gigaset`;'))
      .toEqual(['import lib/vendors/snom/render.ts', "'gigaset'"]);
    expect(isVendorHome('lib/vendors/snom/paths.ts')).toBe(true);
    expect(isVendorHome('lib/vendors/device-file.ts')).toBe(false);
  });
});
