/**
 * What `--help` adds after commander's own text: the exit codes, the environment variables the configuration
 * reads, and one example per command. Kept here so the command definitions stay a list of options.
 */
import type { Command } from 'commander';
import { ENV_OVERRIDES } from '../config/load-config.js';

export const EXIT_CODES_HELP = [
  'Exit codes:',
  '  0  success (probe: the service answered as it should for this device)',
  '  1  a problem was found, or the operation failed (check: any problem; resync: a phone did not accept)',
  '  2  the command line was wrong',
].join('\n');

export function environmentHelp(): string {
  const width = Math.max(...Object.keys(ENV_OVERRIDES).map((k) => k.length));
  return ['Environment (overrides the configuration file):',
    ...Object.entries(ENV_OVERRIDES).map(([name, key]) => `  ${name.padEnd(width)}  ${key}`)].join('\n');
}

/** One example per command, keyed by its path (`devices set`). */
export const EXAMPLES: Readonly<Record<string, readonly string[]>> = {
  'serve': ['drachtio-pnp serve -c /etc/drachtio-pnp/config.yaml'],
  'check': ['PNP_PUBLIC_URL=http://192.0.2.20:8080 drachtio-pnp check -c site.yaml --json | jq .error'],
  'render': ['drachtio-pnp render 000413A11FA7 -c site.yaml -f 000413A11FA7.xml'],
  'devices list': ['drachtio-pnp devices list -c site.yaml --incomplete --group berlin-office'],
  'devices summary': ['drachtio-pnp devices summary -c site.yaml --json'],
  'devices show': ['drachtio-pnp devices show 00:04:13:a1:1f:a7 -c site.yaml'],
  'devices add': ['drachtio-pnp devices add 000413A11FB0 -c site.yaml --model D735 --group support --user 2010 --password s3cret'],
  'devices set': ['drachtio-pnp devices set 000413A11FB0 -c site.yaml description="Desk 12" accounts.1.user=2011 firmware.url='],
  'devices remove': ['drachtio-pnp devices remove 000413A11FB0 -c site.yaml --dry-run'],
  'devices import': ['drachtio-pnp devices import phones.csv -c site.yaml --dry-run   # then without --dry-run'],
  'devices reopen': ['drachtio-pnp devices reopen 000413A11FA7 -c site.yaml --hours 4'],
  'devices export': ['drachtio-pnp devices export -c site.yaml --group support > support.csv'],
  'probe': ['drachtio-pnp probe --mac 000413A11FA7 --fetch -c site.yaml   # from a laptop on the phones\' VLAN'],
  'resync': ['drachtio-pnp resync -c site.yaml --group support --dry-run'],
  'events': ['drachtio-pnp events -c site.yaml --mac 000413A11FA7 --since 1h'],
};

/** Adds the exit codes and environment to the program's help, and each command's example to its own. */
export function addHelpTexts(program: Command): void {
  program.addHelpText('after', `\n${EXIT_CODES_HELP}\n\n${environmentHelp()}\n\nEvery command: drachtio-pnp <command> --help. A rollout step by step: docs/rollout.md.`);
  const visit = (cmd: Command, prefix: string): void => {
    for (const sub of cmd.commands) {
      const name = `${prefix}${sub.name()}`;
      const example = EXAMPLES[name];
      if (example) sub.addHelpText('after', `\nExample:\n${example.map((l) => `  ${l}`).join('\n')}\n\n${EXIT_CODES_HELP}`);
      visit(sub, `${name} `);
    }
  };
  visit(program, '');
}
