/**
 * What every operator command shares: one error type carrying the exit code, the configuration (read the same
 * way the service reads it), and where the inventory and the event log are. Exit codes are part of the
 * interface scripts rely on: 0 success, 1 a problem was found or the operation failed, 2 the command line was wrong.
 */
import path from 'node:path';
import { ConfigError, loadConfig, type LoadedConfig } from '../config/load-config.js';
import { normalizeMac } from '../mac.js';

export const EXIT_OK = 0;
export const EXIT_PROBLEM = 1;
export const EXIT_USAGE = 2;

/** A failure the command reports in one line on stderr, exiting with `exitCode`. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode: number = EXIT_PROBLEM) {
    super(message);
    this.name = 'CliError';
  }
}

export interface CommonOptions {
  config?: string;
  /** An inventory file given on the command line instead of the configured one. */
  inventory?: string;
}

export interface CliEnvironment {
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** The configuration as the service would read it; a bad one is a CliError listing its problems. */
export async function cliConfig(opts: CommonOptions, where: CliEnvironment): Promise<LoadedConfig> {
  try {
    return await loadConfig(opts.config, where.env, where.cwd);
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.message.replace(/\n/g, ' '), EXIT_PROBLEM);
    throw err;
  }
}

/** The inventory file: `--inventory`, else the configured one. */
export function inventoryPath(loaded: LoadedConfig, opts: CommonOptions, where: CliEnvironment): string {
  if (opts.inventory) return path.resolve(where.cwd, opts.inventory);
  if (loaded.inventoryPath) return loaded.inventoryPath;
  throw new CliError('no inventory: give --inventory <file>, or --config with an `inventory` key', EXIT_USAGE);
}

/** The event log the service writes. */
export function stateFile(loaded: LoadedConfig): string {
  return loaded.config.state.file;
}

/** A MAC argument in any notation, normalised; a usage error otherwise. */
export function macArgument(text: string): string {
  const mac = normalizeMac(text);
  if (!mac) throw new CliError(`not a MAC address: ${JSON.stringify(text)} (12 hex digits, e.g. 000413A11FA7 or 00:04:13:a1:1f:a7)`, EXIT_USAGE);
  return mac;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * A command's `--json` report: `ok` and `error` first, then the command's own keys. The same command prints the
 * same keys when it fails (`ok: false`, `error` the message, the other keys empty or null: operator-commands.ts).
 */
export function printReport(body: object, ok = true): void {
  printJson({ ok, error: null, ...body });
}

export function printLines(lines: readonly string[]): void {
  if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
}

export function warn(message: string): void {
  process.stderr.write(`${message}\n`);
}
