/**
 * Writes docs/configuration.md from the configuration schema: every key with its type, range, default,
 * environment variable and description, so the reference cannot drift from what `serve` and `check` accept.
 *
 *   npx tsx scripts/config-reference.ts          rewrite docs/configuration.md
 *   npx tsx scripts/config-reference.ts --check  exit 1 when it is out of date (test/scripts/config-reference.test.ts does the same)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ENV_OVERRIDES } from '../lib/config/load-config.js';
import { configSchema } from '../lib/config/schema.js';

export const REFERENCE_FILE = fileURLToPath(new URL('../docs/configuration.md', import.meta.url));

/** The part of a JSON Schema node this reference reads. */
interface Node {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  minItems?: number;
  format?: string;
  pattern?: string;
  items?: Node;
  anyOf?: Node[];
  properties?: Record<string, Node>;
  additionalProperties?: Node | boolean;
}

/** One row of the reference. */
interface Row { key: string; type: string; defaultText: string; env: string; description: string }

const envByKey = new Map<string, string>(Object.entries(ENV_OVERRIDES).map(([name, key]) => [key, name]));

/** The markdown of docs/configuration.md. */
export function renderConfigReference(): string {
  const root = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as Node;
  const sections: string[] = [];
  const topLevel: Row[] = [];
  for (const [key, node] of Object.entries(root.properties ?? {})) {
    if (isSection(node)) sections.push(section(key, node));
    else topLevel.push(...rows(key, node));
  }
  return [
    '# Configuration reference',
    '',
    '<!-- Generated from lib/config/schema.ts by `npx tsx scripts/config-reference.ts`; do not edit by hand. -->',
    '',
    'One YAML file (`drachtio-pnp serve --config <file>`), every key optional: without a file the service runs on the',
    'defaults below. Unknown keys are errors, reported with their line; `drachtio-pnp check --config <file>` validates',
    'a file exactly as `serve` would. An environment variable, where one is listed, overrides the key. File paths are',
    'relative to the config file\'s folder (to the working directory without a config file); `PNP_INVENTORY` is',
    'relative to the working directory.',
    '',
    table(topLevel),
    ...sections,
  ].join('\n');
}

function isSection(node: Node): boolean {
  return node.properties !== undefined && Object.keys(node.properties).length > 0;
}

function section(key: string, node: Node): string {
  return [`## \`${key}\``, '', ...(node.description ? [node.description, ''] : []), table(rows(key, node))].join('\n');
}

/** The rows of `key` and, for an object of named keys, of each of its keys (depth first). */
function rows(key: string, node: Node): Row[] {
  if (isSection(node)) {
    const children = Object.entries(node.properties ?? {}).flatMap(([k, child]) => rows(`${key}.${k}`, child));
    // A nested group says what it is in its first row's place: its own description heads its keys.
    return node.description && key.includes('.')
      ? [{ key, type: 'object', defaultText: '', env: '', description: node.description }, ...children]
      : children;
  }
  return [{
    key,
    type: typeText(node),
    defaultText: node.default === undefined ? '' : `\`${JSON.stringify(node.default)}\``,
    env: envByKey.has(key) ? `\`${envByKey.get(key)}\`` : '',
    description: node.description ?? '',
  }];
}

/** `integer, 1 to 65535`, `` `a`, `b` ``, `list of string`, ... */
function typeText(node: Node): string {
  if (node.anyOf) return node.anyOf.map(typeText).join(' or ');
  if (node.enum) return node.enum.map((v) => `\`${String(v)}\``).join(', ');
  if (node.const !== undefined) return `\`${JSON.stringify(node.const)}\``;
  const type = Array.isArray(node.type) ? node.type.join(' or ') : node.type ?? 'any';
  if (type === 'array') return `list of ${node.items ? typeText(node.items) : 'any'}`;
  if (type === 'object') return 'map of name to string';
  const ex = node.exclusiveMinimum;
  const low = node.minimum ?? (ex !== undefined && type === 'integer' ? ex + 1 : undefined);
  const range = low !== undefined && node.maximum !== undefined ? `${low} to ${node.maximum}`
    : low !== undefined ? `at least ${low}`
      : ex !== undefined ? [`above ${ex}`, ...(node.maximum !== undefined ? [`at most ${node.maximum}`] : [])].join(', ')
        : node.maximum !== undefined ? `at most ${node.maximum}` : undefined;
  const detail = [range, node.format === 'uri' ? 'URL' : undefined, node.minLength && node.minLength > 1 ? `${node.minLength}+ characters` : undefined]
    .filter((d): d is string => d !== undefined);
  return detail.length > 0 ? `${type}, ${detail.join(', ')}` : type;
}

function table(list: Row[]): string {
  const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return [
    '| key | type | default | environment | meaning |',
    '|---|---|---|---|---|',
    ...list.map((r) => `| \`${r.key}\` | ${cell(r.type)} | ${cell(r.defaultText)} | ${r.env} | ${cell(r.description)} |`),
    '',
  ].join('\n');
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = renderConfigReference();
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(REFERENCE_FILE, 'utf8');
    } catch {
      // A missing file is out of date too.
    }
    if (current !== text) {
      process.stderr.write('docs/configuration.md is out of date: run npx tsx scripts/config-reference.ts\n');
      process.exitCode = 1;
    }
  } else {
    writeFileSync(REFERENCE_FILE, text);
    process.stdout.write(`wrote ${REFERENCE_FILE}\n`);
  }
}
