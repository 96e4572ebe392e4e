import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { FileTokenStore } from '../../lib/security/file-token-store.js';
import { ProvisioningTokens } from '../../lib/security/tokens.js';
import { NODE_JSONL_FS, type JsonlFs } from '../../lib/storage/jsonl-file.js';
import { captureLogger } from '../support/capture-logger.js';

const MAC = '000413A1B2C3';
const dirs: string[] = [];
const stores: FileTokenStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pnp-tokens-'));
  dirs.push(dir);
  let t = 1_700_000_000_000;
  const clock = { now: () => t, advance: (ms: number) => { t += ms; } };
  const file = path.join(dir, 'state', 'tokens.jsonl');
  const open = (logger = captureLogger().logger, fs?: JsonlFs) => {
    const store = FileTokenStore.open(file, { now: clock.now, logger, ...(fs ? { fs } : {}) });
    stores.push(store);
    return { store, tokens: new ProvisioningTokens({ ttlSeconds: 600, store, now: clock.now }) };
  };
  return { file, clock, open };
}

describe('FileTokenStore', () => {
  test('a token issued before a restart still opens its device\'s files, from its address, after it', () => {
    const { open, clock, file } = setup();
    const before = open();
    const issued = before.tokens.issue(MAC, '192.0.2.5');
    before.store.close();
    stores.splice(stores.indexOf(before.store), 1);
    clock.advance(60_000);
    const after = open();
    expect(after.tokens.check(issued.token, { mac: MAC, address: '192.0.2.5' })).toMatchObject({ ok: true, id: issued.id });
    expect(after.tokens.check(issued.token, { mac: MAC, address: '192.0.2.6' })).toMatchObject({ ok: false, reason: 'other-address' });
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  test('the file holds each token\'s digest, never the token', () => {
    const { open, file } = setup();
    const { tokens } = open();
    const issued = tokens.issue(MAC, '192.0.2.5');
    const text = readFileSync(file, 'utf8');
    expect(text).toContain(issued.id);
    expect(text).not.toContain(issued.token);
  });

  test('opening drops expired tokens from memory and from the file', () => {
    const { open, clock, file } = setup();
    const first = open();
    const old = first.tokens.issue(MAC, '192.0.2.5');
    clock.advance(500_000);
    const young = first.tokens.issue(MAC, '192.0.2.5');
    clock.advance(200_000); // old: 700 s, past its 600 s; young: 200 s
    const again = open();
    expect(again.store.size).toBe(1);
    expect(again.tokens.check(old.token, { mac: MAC, address: '192.0.2.5' })).toMatchObject({ ok: false, reason: 'unknown' });
    expect(again.tokens.check(young.token, { mac: MAC, address: '192.0.2.5' })).toMatchObject({ ok: true });
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(1);
  });

  test('unreadable or forged lines are skipped and counted: a line whose key is not its digest\'s cannot shadow a token', () => {
    const { open, file } = setup();
    const first = open();
    const issued = first.tokens.issue(MAC, '192.0.2.5');
    const line = JSON.parse(readFileSync(file, 'utf8').trim()) as Record<string, unknown>;
    appendFileSync(file, `not json\n${JSON.stringify({ ...line, digest: 'f'.repeat(64), address: '203.0.113.9' })}\n`);
    const log = captureLogger();
    const again = open(log.logger);
    expect(again.store.size).toBe(1);
    expect(again.tokens.check(issued.token, { mac: MAC, address: '192.0.2.5' })).toMatchObject({ ok: true });
    expect(log.lines).toContainEqual(expect.objectContaining({ level: 40, msg: 'token store: unreadable lines skipped', skipped: 2 }));
  });

  test('a torn last line (a crash mid-write), then tokens and a restart: no token issued after it is lost', () => {
    const { open, file } = setup();
    const a = open().tokens.issue(MAC, '192.0.2.5');
    appendFileSync(file, '{"lookup":"abc","dig');
    const second = open();
    const b = second.tokens.issue('000413A1B2C4', '192.0.2.6');
    const third = open();
    expect(third.tokens.check(a.token, { mac: MAC, address: '192.0.2.5' })).toMatchObject({ ok: true });
    expect(third.tokens.check(b.token, { mac: '000413A1B2C4', address: '192.0.2.6' })).toMatchObject({ ok: true });
  });

  test('a short write (a full disk) is logged, cut off, and the next token is still read after a restart', () => {
    const { open } = setup();
    let writes = 0;
    const fs: JsonlFs = {
      ...NODE_JSONL_FS,
      writevSync: (fd, buffers) => {
        const all = Buffer.concat(buffers);
        return NODE_JSONL_FS.writevSync(fd, [++writes === 2 ? all.subarray(0, all.length >> 1) : all]);
      },
    };
    const log = captureLogger();
    const first = open(log.logger, fs);
    const a = first.tokens.issue(MAC, '192.0.2.5');
    first.tokens.issue(MAC, '192.0.2.6');
    const c = first.tokens.issue(MAC, '192.0.2.7');
    expect(log.lines).toContainEqual(expect.objectContaining({ level: 50, msg: 'token not written to the token store (kept in memory)' }));
    const again = open();
    expect(again.store.size).toBe(2);
    expect(again.tokens.check(a.token, { mac: MAC, address: '192.0.2.5' })).toMatchObject({ ok: true });
    expect(again.tokens.check(c.token, { mac: MAC, address: '192.0.2.7' })).toMatchObject({ ok: true });
  });

  test('a token glued onto a torn line (as older versions wrote them) is still read', () => {
    const { open, file } = setup();
    open().tokens.issue(MAC, '192.0.2.5');
    const record = readFileSync(file, 'utf8');
    const second = open().tokens;
    const b = second.issue(MAC, '192.0.2.6');
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    writeFileSync(file, `${record.slice(0, 30)}${lines[1]}\n`);
    const again = open();
    expect(again.tokens.check(b.token, { mac: MAC, address: '192.0.2.6' })).toMatchObject({ ok: true });
  });
});
