import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { EXAMPLES } from '../../lib/cli/help-text.js';
import { registerOperatorCommands } from '../../lib/cli/operator-commands.js';
import { runCli } from '../support/cli.js';

describe('--help', () => {
  it('has an example for every command', () => {
    const program = new Command();
    registerOperatorCommands(program);
    const names: string[] = ['serve', 'check'];
    const visit = (cmd: Command, prefix: string): void => {
      for (const sub of cmd.commands) {
        if (sub.commands.length === 0) names.push(`${prefix}${sub.name()}`);
        visit(sub, `${prefix}${sub.name()} `);
      }
    };
    visit(program, '');
    expect(names.filter((n) => !EXAMPLES[n])).toEqual([]);
  });

  it('lists the exit codes and the environment variables, and each command its example', async () => {
    const top = await runCli(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toContain('Exit codes:\n  0  success');
    expect(top.stdout).toMatch(/^ {2}PNP_PUBLIC_URL +http\.publicUrl$/m);
    const set = await runCli(['devices', 'set', '--help']);
    expect(set.code).toBe(0);
    expect(set.stdout).toContain('Example:\n  drachtio-pnp devices set 000413A11FB0');
    expect(set.stdout).toContain('2  the command line was wrong');
  }, 60_000);
});
