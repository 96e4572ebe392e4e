import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isMap, isSeq, parseDocument, type Document, LineCounter } from 'yaml';
import { z } from 'zod';
import { configSchema, type Config } from './schema.js';

/** A configuration that cannot be used, with every problem found, each naming its key (and line, from a file). */
export class ConfigError extends Error {
  constructor(readonly source: string, readonly problems: string[]) {
    super(`invalid configuration in ${source}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** The environment variables the service reads, and the config key each one overrides. */
export const ENV_OVERRIDES = {
  DRACHTIO_HOST: 'drachtio.host',
  DRACHTIO_PORT: 'drachtio.port',
  DRACHTIO_SECRET: 'drachtio.secret',
  PNP_HTTP_PORT: 'http.port',
  PNP_PUBLIC_URL: 'http.publicUrl',
  PNP_INVENTORY: 'inventory',
  PNP_LOG_LEVEL: 'log.level',
  /** Where the credentials key lives: containers mount the config read-only, so the key goes to a data volume. */
  PNP_KEY_FILE: 'security.credentials.keyFile',
  /** The enrolment register (default: beside the key file), likewise. */
  PNP_ENROLMENT_FILE: 'security.enrolment.file',
  /** The device-state event log, likewise on a data volume in containers. */
  PNP_STATE_FILE: 'state.file',
  /** Bearer token of the read-only JSON API; kept out of files that live in git. */
  PNP_API_TOKEN: 'api.token',
  /** The shared Redis (docs/shared-state.md); its password stays out of files that live in git. */
  PNP_REDIS_URL: 'store.url',
} as const;

const NUMERIC_KEYS = new Set<string>(['drachtio.port', 'http.port']);
/** Keys whose values are secrets: a problem with one says so without repeating the value. */
const SECRET_KEYS = new Set<string>(['secret', 'token', 'key', 'password']);

export interface LoadedConfig {
  config: Config;
  /** The file it came from, if any. */
  file?: string;
  /** The inventory path resolved against the config file's folder (or the working directory). */
  inventoryPath?: string;
}

/**
 * Parses and validates configuration text (YAML), applies environment overrides and defaults. Pure apart from
 * nothing: no file access, no process.env (the caller passes the environment).
 */
export function parseConfig(text: string, source: string, env: Record<string, string | undefined> = {}): Config {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(source, doc.errors.map((e) => {
      const pos = e.linePos?.[0];
      return `${pos ? `line ${pos.line}: ` : ''}${(e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '')}`;
    }));
  }
  const raw: unknown = doc.toJS() ?? {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError(source, ['the file must be a YAML mapping (key: value pairs)']);
  }
  const problems: string[] = [];
  const merged = applyEnv(raw as Record<string, unknown>, env, problems);
  const result = configSchema.safeParse(merged);
  if (!result.success) {
    for (const issue of result.error.issues) {
      problems.push(describeIssue(issue, doc, lineCounter, env));
    }
  }
  if (problems.length > 0 || !result.success) throw new ConfigError(source, problems);
  return result.data;
}

/** Reads the config file (or none: built-in defaults) and applies the environment. */
export async function loadConfig(file: string | undefined, env: Record<string, string | undefined>, cwd: string): Promise<LoadedConfig> {
  let config: Config;
  let abs: string | undefined;
  if (file) {
    abs = path.resolve(cwd, file);
    let text: string;
    try {
      text = await readFile(abs, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new ConfigError(abs, [code === 'ENOENT' ? 'file not found' : `cannot read the file (${code ?? String(err)})`]);
    }
    config = parseConfig(text, abs, env);
  } else {
    config = parseConfig('', 'built-in defaults', env);
  }
  // The inventory path is relative to the file that names it; one from the environment is relative to cwd.
  const base = file && !env.PNP_INVENTORY ? path.dirname(abs as string) : cwd;
  return {
    config: resolvePaths(config, abs ? path.dirname(abs) : cwd),
    file: abs,
    inventoryPath: config.inventory ? path.resolve(base, config.inventory) : undefined,
  };
}

/**
 * The configuration with every file path made absolute against `dir` (the config file's folder, or the working
 * directory without one), once, here: the service and the CLI use the paths as they are.
 */
function resolvePaths(config: Config, dir: string): Config {
  const at = (file: string): string => path.resolve(dir, file);
  const { security, state } = config;
  return {
    ...config,
    state: { ...state, file: at(state.file) },
    security: {
      ...security,
      credentials: { ...security.credentials, keyFile: at(security.credentials.keyFile) },
      enrolment: { ...security.enrolment, ...(security.enrolment.file !== undefined ? { file: at(security.enrolment.file) } : {}) },
      tokens: { ...security.tokens, ...(security.tokens.file !== undefined ? { file: at(security.tokens.file) } : {}) },
      ...(security.tls ? {
        tls: { ...security.tls, cert: at(security.tls.cert), key: at(security.tls.key), ...(security.tls.ca !== undefined ? { ca: at(security.tls.ca) } : {}) },
      } : {}),
    },
  };
}

function applyEnv(raw: Record<string, unknown>, env: Record<string, string | undefined>, problems: string[]): Record<string, unknown> {
  const out = structuredClone(raw);
  for (const [name, key] of Object.entries(ENV_OVERRIDES)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    let parsed: unknown = value;
    if (NUMERIC_KEYS.has(key)) {
      if (!/^\d+$/.test(value)) {
        problems.push(`${name}: must be a port number, got "${value}"`);
        continue;
      }
      parsed = Number(value);
    }
    setPath(out, key.split('.'), parsed);
  }
  return out;
}

function setPath(obj: Record<string, unknown>, keys: string[], value: unknown): void {
  let cur = obj;
  for (const k of keys.slice(0, -1)) {
    const next = cur[k];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) cur[k] = {};
    cur = cur[k] as Record<string, unknown>;
  }
  cur[keys[keys.length - 1] as string] = value;
}

function describeIssue(issue: z.core.$ZodIssue, doc: Document, lc: LineCounter, env: Record<string, string | undefined>): string {
  const keyPath = issue.path.map(String);
  let where = keyPath.join('.') || '(top level)';
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => [...keyPath, k].join('.'));
    const line = lineOf(doc, lc, [...issue.path, issue.keys[0] ?? '']);
    return `${line}unknown key ${keys.map((k) => `"${k}"`).join(', ')}`;
  }
  const envName = Object.entries(ENV_OVERRIDES).find(([name, key]) => key === where && env[name])?.[0];
  if (envName) where = `${where} (from ${envName})`;
  // Never echo a secret's value in an error message.
  const message = SECRET_KEYS.has(keyPath.at(-1) ?? '') ? 'invalid value' : issue.message;
  return `${lineOf(doc, lc, issue.path)}${where}: ${message}`;
}

function lineOf(doc: Document, lc: LineCounter, keyPath: readonly PropertyKey[]): string {
  // Walk the YAML tree to the deepest node that exists and report its line.
  let node: unknown = doc.contents;
  let range: [number, number, number] | undefined;
  for (const k of keyPath) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === k);
      if (!pair) break;
      range = (pair.key as { range?: [number, number, number] }).range ?? range;
      node = pair.value;
    } else if (isSeq(node) && typeof k === 'number') {
      node = node.items[k];
      range = (node as { range?: [number, number, number] } | undefined)?.range ?? range;
    } else break;
  }
  return range ? `line ${lc.linePos(range[0]).line}: ` : '';
}
