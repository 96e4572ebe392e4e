import { appendFileSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { appendEnrolmentRecords, EnrolmentRegister, readEnrolmentFile } from '../../lib/security/enrolment-register.js';
import { holdLostEnrolments } from '../../lib/security/from-config.js';
import { captureLogger } from '../support/capture-logger.js';
import { FullDiskFs } from '../support/full-disk-fs.js';

const MAC = '000413A1B2C3';
const OTHER = '000413A1B2C4';
const dirs: string[] = [];
const registers: EnrolmentRegister[] = [];
afterEach(() => {
  for (const r of registers.splice(0)) r.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempFile(name = 'enrolment.jsonl'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pnp-enrolment-'));
  dirs.push(dir);
  return path.join(dir, 'state', name);
}

function clock(start = 1_700_000_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => { t += ms; } };
}

function open(file: string, options: Parameters<typeof EnrolmentRegister.open>[1] = {}): EnrolmentRegister {
  const register = EnrolmentRegister.open(file, options);
  registers.push(register);
  return register;
}

const facts = (token: string) => ({ ip: '192.0.2.5', token, tokenId: 'abc123' });

describe('the enrolment file', () => {
  test('is created with its folder, readable by its owner only, and an enrolment outlives a restart', () => {
    const file = tempFile();
    const c = clock();
    const first = open(file, { now: c.now });
    expect(first.mayIssueToken(MAC)).toBe(true);
    first.enrol(MAC, facts('tokA'));
    expect(first.mayIssueToken(MAC)).toBe(false);
    first.close();
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const again = open(file, { now: c.now });
    expect(again.status(MAC)).toBe('enrolled');
    expect(again.mayIssueToken(MAC)).toBe(false);
    expect(again.admits(MAC, 'tokA')).toBe(true);
    expect(again.admits(MAC, 'tokB')).toBe(false);
    expect(again.status(OTHER)).toBe('open');
    expect(again.state(MAC)?.enrolled).toEqual({ t: c.now(), ...facts('tokA') });
  });

  test('the enrolling token fetching again writes nothing new', async () => {
    const file = tempFile();
    const register = open(file);
    register.enrol(MAC, facts('tokA'));
    register.enrol(MAC, facts('tokA'));
    await register.written();
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(1);
  });

  test('a reopen another process appends is seen by the running register when it would refuse', () => {
    const file = tempFile();
    const c = clock();
    const register = open(file, { now: c.now });
    register.enrol(MAC, facts('tokA'));
    c.advance(1000);
    appendEnrolmentRecords(file, [{ event: 'reopened', t: c.now(), mac: MAC, until: c.now() + 3_600_000, by: 'cli' }]);
    expect(register.mayIssueToken(MAC)).toBe(true);
    expect(register.status(MAC)).toBe('reopened');
    c.advance(3_600_000);
    expect(register.mayIssueToken(MAC)).toBe(false);
  });

  test('a line still being written is read once it is complete', () => {
    const file = tempFile();
    const c = clock();
    const register = open(file, { now: c.now });
    register.enrol(MAC, facts('tokA'));
    const line = JSON.stringify({ event: 'reopened', t: c.now() + 1, mac: MAC, until: c.now() + 60_000, by: 'cli' });
    appendFileSync(file, line.slice(0, 20));
    expect(register.mayIssueToken(MAC)).toBe(false);
    appendFileSync(file, `${line.slice(20)}\n`);
    expect(register.mayIssueToken(MAC)).toBe(true);
    expect(register.skipped).toBe(0);
  });

  test('lines that are not records are skipped and counted; the rest still counts', () => {
    const file = tempFile();
    appendEnrolmentRecords(file, [{ event: 'enrolled', t: 5, mac: MAC, ip: '192.0.2.5', token: 'tokA', tokenId: 'abc123' }]);
    appendFileSync(file, 'garbage\n{"event":"enrolled"}\n\n');
    const register = open(file);
    expect(register.skipped).toBe(2);
    expect(register.status(MAC)).toBe('enrolled');
    expect(readEnrolmentFile(file).get(MAC)?.enrolled?.ip).toBe('192.0.2.5');
  });

  test('a file replaced under the register is read again from the start', () => {
    const file = tempFile();
    const register = open(file);
    register.enrol(MAC, facts('tokA'));
    const replacement = `${file}.new`;
    writeFileSync(replacement, `${JSON.stringify({ event: 'reopened', t: Date.now() + 1000, mac: MAC, until: Date.now() + 60_000, by: 'restore' })}\n`);
    renameSync(replacement, file);
    expect(register.mayIssueToken(MAC)).toBe(true);
  });

  test('an enrolment after the file was replaced goes to the file at the path, on top of what it says', async () => {
    const file = tempFile();
    const c = clock();
    const register = open(file, { now: c.now });
    register.enrol(MAC, facts('tokA'));
    await register.written();
    // A restore: another file renamed into place, holding a reopen of MAC and nothing about OTHER.
    const replacement = `${file}.new`;
    writeFileSync(replacement, `${JSON.stringify({ event: 'reopened', t: c.now() + 1, mac: MAC, until: c.now() + 60_000, by: 'restore' })}\n`);
    renameSync(replacement, file);
    c.advance(10);
    register.enrol(OTHER, facts('tokB'));
    await register.written();
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { event: string; mac: string });
    expect(lines.map((l) => [l.event, l.mac])).toEqual([['reopened', MAC], ['enrolled', OTHER]]);
    expect(register.status(MAC)).toBe('reopened');
    const restarted = open(file, { now: c.now });
    expect(restarted.status(OTHER)).toBe('enrolled');
    expect(restarted.mayIssueToken(OTHER)).toBe(false);
  });

  test('an enrolment after the file was removed (rotated away) creates it again, owner-only, with the record', async () => {
    const file = tempFile();
    const register = open(file);
    register.enrol(MAC, facts('tokA'));
    await register.written();
    renameSync(file, `${file}.1`);
    register.enrol(OTHER, facts('tokB'));
    await register.written();
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readEnrolmentFile(file).get(OTHER)?.enrolled?.token).toBe('tokB');
    expect(readEnrolmentFile(`${file}.1`).has(OTHER)).toBe(false);
    expect(register.status(MAC)).toBe('enrolled');
  });

  test('after close, enrolments stay in memory and the file is not opened again', () => {
    const file = tempFile();
    const register = open(file);
    register.close();
    rmSync(file);
    register.enrol(MAC, facts('tokA'));
    expect(register.status(MAC)).toBe('enrolled');
    expect(existsSync(file)).toBe(false);
  });

  test.runIf(existsSync('/dev/full'))('a write that fails (a full disk) is logged and the enrolment is kept in memory', async () => {
    const log = captureLogger();
    const register = open('/dev/full', { logger: log.logger });
    register.enrol(MAC, facts('tokA'));
    await register.written();
    expect(register.mayIssueToken(MAC)).toBe(false);
    expect(log.lines).toContainEqual(expect.objectContaining({
      level: 50, msg: 'enrolment not written to its file (kept in memory)', macs: [MAC], file: '/dev/full',
    }));
    expect(log.text()).not.toContain('tokA');
  });

  test('the records of one event-loop turn count at once and reach the file together at its end', async () => {
    const file = tempFile();
    const register = open(file);
    expect(register.written()).toBeUndefined();
    register.enrol(MAC, facts('tokA'));
    register.enrol(OTHER, facts('tokB'));
    // In memory at once: a second token for either is refused in the same turn.
    expect(register.admits(MAC, 'tokX')).toBe(false);
    expect(register.admits(OTHER, 'tokX')).toBe(false);
    const written = register.written();
    expect(written).toBeInstanceOf(Promise);
    expect(readFileSync(file, 'utf8')).toBe('');
    await written;
    expect([...readEnrolmentFile(file).keys()]).toEqual([MAC, OTHER]);
    expect(register.written()).toBeUndefined();
  });

  test('close writes what waits for the end of the turn, and settles its waiters', async () => {
    const file = tempFile();
    const register = EnrolmentRegister.open(file);
    register.enrol(MAC, facts('tokA'));
    const written = register.written();
    register.close();
    expect(readEnrolmentFile(file).get(MAC)?.enrolled?.token).toBe('tokA');
    await expect(written).resolves.toBe(true);
  });

  test('absent, the file reads as an empty register', () => {
    expect(readEnrolmentFile(tempFile()).size).toBe(0);
  });
});

describe('in memory', () => {
  test('enrols and reopens without any file', () => {
    const c = clock();
    const register = EnrolmentRegister.inMemory({ now: c.now });
    expect(register.file).toBeUndefined();
    register.enrol(MAC, facts('tokA'));
    expect(register.written()).toBeUndefined();
    expect(register.mayIssueToken(MAC)).toBe(false);
    register.reopen(MAC, c.now() + 1000, 'api');
    expect(register.mayIssueToken(MAC)).toBe(true);
    c.advance(1000);
    expect(register.mayIssueToken(MAC)).toBe(false);
  });
});

describe('after damage to the file', () => {
  test('a torn last line (a crash mid-write), then enrolments and a restart: no enrolment written after it is lost', async () => {
    const file = tempFile();
    const log = captureLogger();
    const first = open(file);
    first.enrol(MAC, facts('tokA'));
    first.close();
    appendFileSync(file, '{"event":"enrolled","t":17000000');
    const second = open(file, { logger: log.logger });
    expect(log.lines).toContainEqual(expect.objectContaining({ level: 40, msg: expect.stringContaining('torn last line cut off') }));
    second.enrol(OTHER, facts('tokB'));
    await second.written();
    second.close();
    const third = open(file);
    expect(third.status(MAC)).toBe('enrolled');
    expect(third.status(OTHER)).toBe('enrolled');
    expect(third.skipped).toBe(0);
  });

  test('a short write (a full disk) is not on file: written() says so, the record waits in memory and is written with the next', async () => {
    const file = tempFile();
    const disk = new FullDiskFs();
    const { fs } = disk;
    const log = captureLogger();
    const register = open(file, { fs, logger: log.logger });
    register.enrol(MAC, facts('tokA'));
    await expect(register.written()).resolves.toBe(false);
    expect(register.mayIssueToken(MAC)).toBe(false);
    expect(readEnrolmentFile(file).size).toBe(0);
    expect(log.lines).toContainEqual(expect.objectContaining({ level: 50, msg: 'enrolment not written to its file (kept in memory)' }));
    disk.full = false;
    // The phone's retry with the same token waits for the record to be on file.
    register.enrol(MAC, facts('tokA'));
    await expect(register.written()).resolves.toBe(true);
    expect(readEnrolmentFile(file).get(MAC)?.enrolled?.token).toBe('tokA');
  });

  test('a damaged line in the middle costs no other record, and a record glued onto a fragment is still read', () => {
    const file = tempFile();
    const first = open(file);
    first.enrol(MAC, facts('tokA'));
    first.close();
    const glued = JSON.stringify({ event: 'enrolled', t: 1_700_000_000_001, mac: OTHER, ip: '192.0.2.6', token: 'tokB', tokenId: 'def456' });
    appendFileSync(file, `\u0000\u0000\u0000 not a record\n{"event":"enrolled","t":1700${glued}\n`);
    const again = open(file);
    expect(again.status(MAC)).toBe('enrolled');
    expect(again.status(OTHER)).toBe('enrolled');
    expect(again.skipped).toBe(2);
  });
});

describe('a register lost while the device state remembers provisioned devices', () => {
  test('holds them (no token, no token admitted) across restarts, says why, until an operator reopens them', () => {
    const file = tempFile();
    const c = clock();
    const log = captureLogger();
    const register = open(file, { now: c.now });
    expect(register.created).toBe(true);
    holdLostEnrolments(register, [MAC], log.logger);
    expect(register.status(MAC)).toBe('held');
    expect(register.mayIssueToken(MAC)).toBe(false);
    expect(register.admits(MAC, 'tokA')).toBe(false);
    expect(register.mayIssueToken(OTHER)).toBe(true);
    expect(log.lines).toContainEqual(expect.objectContaining({ level: 40, held: 1, msg: expect.stringContaining('devices reopen --all-missing') }));
    register.close();

    // Restarted: the file exists now, the hold is on it.
    const again = open(file, { now: c.now });
    holdLostEnrolments(again, [MAC], captureLogger().logger);
    expect(again.held()).toEqual([MAC]);
    appendEnrolmentRecords(file, [{ event: 'reopened', t: c.now() + 1, mac: MAC, until: c.now() + 3_600_000, by: 'cli' }]);
    c.advance(1);
    expect(again.mayIssueToken(MAC)).toBe(true);
    expect(again.held()).toEqual([]);
  });

  test('a register that opens whole holds nothing: devices it does not know were never enrolled', () => {
    const file = tempFile();
    open(file).enrol(OTHER, facts('tokB'));
    registers.splice(0).forEach((r) => r.close());
    const register = open(file);
    holdLostEnrolments(register, [MAC], captureLogger().logger);
    expect(register.status(MAC)).toBe('open');
  });
});
