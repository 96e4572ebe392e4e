import path from 'node:path';
import type { LoadedConfig } from '../config/load-config.js';

/** The event log's default compaction size (`state.maxBytes`; why 32 MiB: see the configuration schema). */
export const DEFAULT_STATE_MAX_BYTES = 32 * 1024 * 1024;

/**
 * The event log's path, the same for the service that writes it and the commands that read it: `state.file`,
 * relative to the config file's folder (to `cwd` without a config file).
 */
export function stateFilePath(loaded: LoadedConfig, cwd: string): string {
  return path.resolve(loaded.file ? path.dirname(loaded.file) : cwd, loaded.config.state.file);
}
