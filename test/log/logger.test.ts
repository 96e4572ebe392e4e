import { execFileSync, spawnSync } from 'node:child_process';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { describe, expect, test, vi } from 'vitest';
import { BatchedLines, createLogger, isoTimestamp, LOG_BATCH_MS } from '../../lib/log/logger.js';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  let text = '';
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      text += chunk.toString('utf8');
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  return { destination, lines, text: () => text };
}

describe('createLogger', () => {
  test('JSON lines, object first, with the name, level and ISO time', () => {
    const c = capture();
    createLogger({ destination: c.destination }).info({ mac: '00135E874B49', ip: '192.0.2.7' }, 'provisioning URL sent');
    expect(c.lines).toEqual([expect.objectContaining({
      level: 30, name: 'drachtio-pnp', mac: '00135E874B49', ip: '192.0.2.7', msg: 'provisioning URL sent',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown,
    })]);
  });

  test('secrets in log objects, child bindings and errors never reach the output', () => {
    const c = capture();
    const logger = createLogger({ level: 'debug', destination: c.destination });
    logger.info({ token: 'TOKEN-1', device: { accounts: [{ user: '201', password: 'PASSWORD-2' }] } }, 'one');
    logger.child({ secret: 'SECRET-3', mac: 'M' }).warn({ req: { headers: { authorization: 'Digest AUTH-4' } } }, 'two');
    logger.error({ err: Object.assign(new Error('failed'), { password: 'PASSWORD-5' }) }, 'three');
    const grandchild = logger.child({ a: 1 }).child({ token: 'TOKEN-6' });
    grandchild.setBindings({ password: 'PASSWORD-7' });
    grandchild.info({}, 'four');
    for (const secret of ['TOKEN-1', 'PASSWORD-2', 'SECRET-3', 'AUTH-4', 'PASSWORD-5', 'TOKEN-6', 'PASSWORD-7']) {
      expect(c.text()).not.toContain(secret);
    }
    expect(c.lines[0]).toMatchObject({ token: '[redacted]', device: { accounts: [{ user: '201', password: '[redacted]' }] } });
    expect(c.lines[1]).toMatchObject({ secret: '[redacted]', mac: 'M', req: { headers: { authorization: '[redacted]' } } });
    expect(c.lines[2]).toMatchObject({ err: { message: 'failed', password: '[redacted]', type: 'Error' }, msg: 'three' });
    expect(c.lines[3]).toMatchObject({ a: 1, token: '[redacted]', password: '[redacted]', msg: 'four' });
  });

  test('the level filters', () => {
    const c = capture();
    const logger = createLogger({ level: 'warn', destination: c.destination });
    logger.info({}, 'hidden');
    logger.warn({}, 'shown');
    expect(c.lines.map((l) => l['msg'])).toEqual(['shown']);
  });

  test('without a destination: stdout, in order, and all of it out when the process exits at once', () => {
    const logger = fileURLToPath(new URL('../../lib/log/logger.ts', import.meta.url));
    const script = `import { createLogger } from ${JSON.stringify(logger)};
      const log = createLogger();
      for (let i = 0; i < 2000; i++) log.info({ i }, 'line');
      process.exit(0);`;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    const lines = out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { i: number });
    expect(lines.map((l) => l.i)).toEqual(Array.from({ length: 2000 }, (_, i) => i));
  });
});

describe('logDestination', () => {
  const logger = fileURLToPath(new URL('../../lib/log/logger.ts', import.meta.url));
  const run = (body: string): { stdout: string; status: number | null } => {
    const script = `import { createLogger } from ${JSON.stringify(logger)};\n${body}`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    return { stdout: r.stdout, status: r.status };
  };

  test('a line is out within 10 ms of being written', () => {
    const r = run(`const log = createLogger();
      log.info({ i: 1 }, 'first');
      setTimeout(() => log.info({ i: 2 }, 'second'), 30);
      setTimeout(() => process.kill(process.pid, 'SIGKILL'), 80);`);
    // Killed outright: only what was written at the end of each turn is there, and all of that is.
    expect(r.stdout.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { i: number }).i)).toEqual([1, 2]);
  });

  test('what was gathered is written when an uncaught exception ends the process', () => {
    const r = run(`const log = createLogger();
      for (let i = 0; i < 300; i++) log.info({ i }, 'line');
      log.fatal({ i: 300 }, 'about to fail');
      throw new Error('boom');`);
    expect(r.status).not.toBe(0);
    const lines = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { i: number });
    expect(lines.map((l) => l.i)).toEqual(Array.from({ length: 301 }, (_, i) => i));
  });

  test('one write for the lines of a batch, in order', async () => {
    const writes: string[] = [];
    const out = { write: (text: string) => { writes.push(text); return true; } };
    const log = createLogger({ destination: new BatchedLines(out) });
    for (let i = 0; i < 5; i++) log.info({ i }, 'line');
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, LOG_BATCH_MS + 5));
    expect(writes).toHaveLength(1);
    expect((writes[0] ?? '').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { i: number }).i)).toEqual([0, 1, 2, 3, 4]);
    // Past 64 KB the gathered lines go at once.
    log.info({ big: 'x'.repeat(70_000) }, 'big');
    expect(writes).toHaveLength(2);
  });
});

describe('isoTimestamp', () => {
  test('writes what pino\'s isoTime writes, in the same millisecond and the next', () => {
    const now = vi.spyOn(Date, 'now');
    try {
      for (const ms of [1_765_000_000_123, 1_765_000_000_123, 1_765_000_000_124, 0]) {
        now.mockReturnValue(ms);
        expect(isoTimestamp()).toBe(pino.stdTimeFunctions.isoTime());
      }
      now.mockReturnValue(1_765_000_000_124);
      expect(isoTimestamp()).toBe(',"time":"2025-12-06T05:46:40.124Z"');
    } finally {
      now.mockRestore();
    }
  });
});
