import { ConfigError, loadConfig } from '../config/load-config.js';
import { createLogger, type Logger } from '../log/logger.js';
import { applyHeapPolicy } from '../service/heap-policy.js';
import { startService } from '../service/start-service.js';

/**
 * `drachtio-pnp serve`: load the configuration, start the service, and run until SIGTERM/SIGINT.
 * SIGHUP reloads the inventory. Resolves with the process exit code.
 */
export async function runServe(opts: { configFile?: string; env: NodeJS.ProcessEnv; cwd: string }): Promise<number> {
  let loaded;
  try {
    loaded = await loadConfig(opts.configFile, opts.env, opts.cwd);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      return 1;
    }
    throw err;
  }
  const logger = createLogger({ level: loaded.config.log.level });

  exitOnCrash(logger);
  const heapFlag = applyHeapPolicy();
  if (heapFlag !== undefined) logger.debug({ v8: heapFlag }, 'heap growth capped (set --heap-growing-percent in NODE_OPTIONS to choose another)');

  let service;
  try {
    service = await startService(loaded, { logger });
  } catch (err) {
    logger.fatal({ err }, 'cannot start');
    console.error(err instanceof Error ? err.message : String(err));
    return 1;
  }

  process.on('SIGHUP', () => {
    logger.info('SIGHUP: reloading the inventory');
    void service.reloadInventory();
  });
  return new Promise<number>((resolve) => {
    const stop = (signal: string) => {
      logger.info({ signal }, 'stopping');
      service.close().then(() => resolve(0), (err: unknown) => {
        logger.error({ err }, 'error while stopping');
        resolve(1);
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}

/**
 * After an uncaught exception or an unhandled rejection the process is in a state nobody planned for (a half-done
 * write, a timer never set): log it and exit 1, so compose or systemd start a clean service, rather than run on.
 * Bad input from phones never gets here: the responder and the route catch what a request can cause.
 */
export function exitOnCrash(logger: Pick<Logger, 'fatal'>, proc: Pick<NodeJS.Process, 'on' | 'exit'> = process): void {
  proc.on('uncaughtException', (err) => {
    logger.fatal({ err }, 'uncaught exception: exiting');
    proc.exit(1);
  });
  proc.on('unhandledRejection', (err) => {
    logger.fatal({ err }, 'unhandled rejection: exiting');
    proc.exit(1);
  });
}
