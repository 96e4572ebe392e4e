#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { addHelpTexts } from './help-text.js';
import { jsonFailure, JSON_FAILURE_SHAPES, registerOperatorCommands } from './operator-commands.js';
import { packageVersion } from './version.js';

/**
 * `drachtio-pnp`: the command line. It only parses arguments and hands over to one function per command; exit
 * codes are part of the interface scripts rely on: 0 success, 1 a problem was found or the service failed to
 * start, 2 the command line itself was wrong.
 */
const program = new Command()
  .name('drachtio-pnp')
  .description('SIP plug-and-play responder and phone provisioning server on drachtio')
  .version(packageVersion(), '-V, --version')
  .showHelpAfterError()
  .exitOverride();

program
  .command('serve')
  .description('connect to drachtio-server, answer PnP SUBSCRIBEs and serve settings files over HTTP')
  .option('-c, --config <file>', 'YAML configuration file (built-in defaults without one)')
  .action(async (opts: { config?: string }) => {
    process.exitCode = await (await import('./serve.js')).runServe({ configFile: opts.config, env: process.env, cwd: process.cwd() });
  });

program
  .command('check')
  .description('validate the configuration and the device inventory; print every problem; exit 1 on any')
  .option('-c, --config <file>', 'YAML configuration file')
  .option('-i, --inventory <file>', 'inventory file (instead of the configured one)')
  .option('--json', 'print the result as JSON')
  .action(async (opts: { config?: string; inventory?: string; json?: boolean }) => {
    process.exitCode = await (await import('./check.js')).runCheck({
      configFile: opts.config, inventory: opts.inventory, env: process.env, cwd: process.cwd(), json: Boolean(opts.json),
    });
  });

registerOperatorCommands(program);
addHelpTexts(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // --help and --version end here with code 0; usage errors with 2 (commander already printed the message).
    process.exitCode = err.exitCode === 0 ? 0 : 2;
    // Under --json, stdout carries the command's report even for a usage error: a script's JSON parser gets JSON.
    if (err.exitCode !== 0 && process.argv.includes('--json')) {
      const words = process.argv.slice(2).filter((a) => !a.startsWith('-'));
      const command = [words.slice(0, 2).join(' '), words[0] ?? ''].find((c) => c in JSON_FAILURE_SHAPES) ?? '';
      const report = jsonFailure(command, err.message.replace(/^error: /, ''));
      process.stdout.write(command === 'events' ? `${JSON.stringify(report)}\n` : `${JSON.stringify(report, null, 2)}\n`);
    }
  } else {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  }
}
