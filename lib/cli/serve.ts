import { ConfigError, loadConfig } from '../config/load-config.js';
import { createLogger } from '../log/logger.js';
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

  // A bug reached by some input must not take provisioning down for every other phone: log it and carry on.
  process.on('uncaughtException', (err) => logger.error({ err }, 'uncaught exception (the service carries on)'));
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection (the service carries on)'));

  let service;
  try {
    service = await startService(loaded, { logger });
  } catch (err) {
    logger.fatal({ err: err instanceof Error ? err.message : String(err) }, 'cannot start');
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
