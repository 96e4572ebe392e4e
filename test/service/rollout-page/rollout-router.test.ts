/**
 * The rollout page's router without a browser: who may see and act, what a row shows of hostile text, and that
 * actions go through only as JSON from the page's own origin.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeviceFeed } from '../../../lib/service/device-feed.js';
import { escapeHtml, renderRow } from '../../../lib/service/rollout-page/page-html.js';
import { rolloutPage } from '../../../lib/service/rollout-page/rollout-router.js';
import { DeviceStateStore } from '../../../lib/state/device-state-store.js';
import { viewRow } from '../../../lib/state/device-view.js';
import { listen, type Listening } from '../../support/http-server.js';

const TOKEN = 'page-token-0123456789abcdef';
const KNOWN = '000413A11FA7';
const HOSTILE_UA = '"><script>alert(1)</script>';
let store: DeviceStateStore;
let server: Listening;
const reopened: string[] = [];

beforeAll(async () => {
  store = await DeviceStateStore.open({ file: path.join(await mkdtemp(path.join(tmpdir(), 'pnp-page-')), 'events.jsonl') });
  store.recordExchange({ ip: '192.0.2.7', port: 5060, mac: KNOWN, vendor: 'snom', model: HOSTILE_UA, type: 'answered', status: 200, known: true });
  const feed = new DeviceFeed(store, () => new Map([[KNOWN, { mac: KNOWN, description: '<b>desk</b>' }]]));
  const app = express();
  app.use(rolloutPage({
    apiToken: TOKEN, feed,
    actions: { reopen: async (mac) => { reopened.push(mac); return `${mac} reopened`; }, enrolmentStatus: () => 'enrolled' },
  }));
  server = await listen(app);
});
afterAll(async () => {
  await server.close();
  await store.close();
});

describe('rows', () => {
  it('escape every value a phone or the inventory chose', () => {
    expect(escapeHtml(`<a href="x" title='y'>&`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;');
    const html = renderRow(viewRow({ mac: KNOWN, description: '<b>desk</b>' }, store.device(KNOWN)), { canAdd: true, canResync: true });
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<b>');
    expect(html).toContain('&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
  });
});

describe('the page', () => {
  const bearer = { Authorization: `Bearer ${TOKEN}` };

  it('sends a browser without a session to the login form, and scripts without the token away', async () => {
    const page = await fetch(`${server.origin}/ui/`, { redirect: 'manual' });
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/ui/login');
    expect((await fetch(`${server.origin}/ui/rows`)).status).toBe(401);
    expect((await fetch(`${server.origin}/ui/rows`, { headers: { Authorization: 'Bearer wrong' } })).status).toBe(401);
    const login = await fetch(`${server.origin}/ui/login`, { method: 'POST', body: new URLSearchParams({ token: 'wrong' }), redirect: 'manual' });
    expect(login.status).toBe(401);
    expect(login.headers.get('set-cookie')).toBeNull();
  });

  it('logs in with the token into an HttpOnly cookie, under a strict content policy', async () => {
    const login = await fetch(`${server.origin}/ui/login`, { method: 'POST', body: new URLSearchParams({ token: TOKEN }), redirect: 'manual' });
    expect(login.status).toBe(303);
    const cookie = login.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^pnp_ui=[A-Za-z0-9_-]{43}; Max-Age=43200; Path=\/ui; Expires=.*; HttpOnly; SameSite=Strict$/);
    const page = await fetch(`${server.origin}/ui/`, { headers: { Cookie: cookie.split(';')[0] ?? '' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toMatch(/^default-src 'none'; script-src 'nonce-/);
    const html = await page.text();
    expect(html).toContain(`id="row-${KNOWN}"`);
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain(TOKEN);
  });

  it('takes actions as JSON from its own origin only', async () => {
    const url = `${server.origin}/ui/actions/reopen`;
    const json = { ...bearer, 'Content-Type': 'application/json' };
    expect((await fetch(url, { method: 'POST', headers: bearer, body: new URLSearchParams({ mac: KNOWN }) })).status).toBe(415);
    expect((await fetch(url, { method: 'POST', headers: { ...json, Origin: 'http://evil.example' }, body: JSON.stringify({ mac: KNOWN }) })).status).toBe(403);
    expect((await fetch(url, { method: 'POST', headers: json, body: JSON.stringify({ mac: 'nonsense' }) })).status).toBe(400);
    expect((await fetch(`${server.origin}/ui/actions/add`, { method: 'POST', headers: json, body: JSON.stringify({ mac: KNOWN }) })).status).toBe(409);
    expect(reopened).toEqual([]);
    const ok = await fetch(url, { method: 'POST', headers: { ...json, Origin: server.origin }, body: JSON.stringify({ mac: KNOWN.toLowerCase() }) });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ ok: true, message: `${KNOWN} reopened`, html: expect.stringContaining(`row-${KNOWN}`) });
    expect(reopened).toEqual([KNOWN]);
  });
});
