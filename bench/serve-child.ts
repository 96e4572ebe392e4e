/**
 * `drachtio-pnp serve` inside a bench child: startService (the function the command runs) on a configuration
 * written for the run into a temporary folder (removed on exit), so every default not named in `config` stays as
 * an operator gets it (event log, key and enrolment files land in that folder). Logs go to /dev/null through the
 * service's own stdout destination.
 */
import { mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../lib/config/load-config.js';
import { createLogger, logDestination } from '../lib/log/logger.js';
import { applyHeapPolicy } from '../lib/service/heap-policy.js';
import { startService, type RunningService } from '../lib/service/start-service.js';

/** Starts the service on the YAML `config` lines. */
export async function startServeForBench(config: readonly string[]): Promise<RunningService> {
  const work = mkdtempSync(path.join(tmpdir(), 'pnp-bench-serve-'));
  process.on('exit', () => rmSync(work, { recursive: true, force: true }));
  const configFile = path.join(work, 'config.yaml');
  writeFileSync(configFile, `${config.join('\n')}\n`);
  const loaded = await loadConfig(configFile, {}, work);
  // As `drachtio-pnp serve` sets it for its process (lib/cli/serve.ts).
  applyHeapPolicy();
  const logger = createLogger({ level: loaded.config.log.level, destination: logDestination(openSync('/dev/null', 'w')) });
  return startService(loaded, { logger });
}
