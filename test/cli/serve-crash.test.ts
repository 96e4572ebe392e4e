import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const SERVE = fileURLToPath(new URL('../../lib/cli/serve.ts', import.meta.url));
const LOGGER = fileURLToPath(new URL('../../lib/log/logger.ts', import.meta.url));

/** A process with serve's crash handlers installed, running `crash`; its exit status and log lines. */
function crashWith(crash: string): { status: number | null; lines: Array<Record<string, unknown>> } {
  const script = `import { exitOnCrash } from ${JSON.stringify(SERVE)};
    import { createLogger } from ${JSON.stringify(LOGGER)};
    exitOnCrash(createLogger());
    setInterval(() => {}, 1000); // something that would keep it running
    ${crash}`;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  return { status: run.status, lines: run.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('serve after a crash', () => {
  test.each([
    ['an uncaught exception', "setTimeout(() => { throw new Error('boom'); }, 10);", 'uncaught exception: exiting'],
    ['an unhandled rejection', "setTimeout(() => { void Promise.reject(new Error('boom')); }, 10);", 'unhandled rejection: exiting'],
  ])('%s: one fatal line with the error, then exit 1 (instead of running on)', (_what, crash, msg) => {
    const { status, lines } = crashWith(crash);
    expect(status).toBe(1);
    expect(lines).toEqual([expect.objectContaining({
      level: 60, msg, err: expect.objectContaining({ type: 'Error', message: 'boom', stack: expect.stringContaining('boom') }),
    })]);
  });
});
