/**
 * The rollout page in a real browser (Debian's chromium, headless, driven by playwright-core), on a test site of
 * 300 inventory devices served by the service in this process through the drachtio wire test server: the 300 are
 * listed before any phone boots; a phone moves to "settings fetched" while the page stays loaded; a refused and an
 * unknown phone show their reason (the unknown one with a hostile model name, shown as text); reopen and
 * add-from-unknown work from the page; no console errors. A screenshot is kept in test-artifacts/.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config/load-config.js';
import { startService, type RunningService } from '../../lib/service/start-service.js';
import { captureLogger } from '../support/capture-logger.js';
import { DrachtioTestServer } from '../support/drachtio-test-server.js';
import { FakePhone } from '../support/fake-phone.js';
import { provisionSnomPhone } from '../support/snom-phone-client.js';

const CHROMIUM = '/usr/bin/chromium';
const TOKEN = 'rollout-page-token-0123456789';
const SITE = 300;
const macOf = (i: number) => `0004131${i.toString(16).toUpperCase().padStart(5, '0')}`;
const FIRST = macOf(0);
const REFUSED = macOf(1);
const STRANGER = '00041399AA01';
const HOSTILE = '00041399AA02';
const HOSTILE_MODEL = '<img src=x onerror=window.__xss=1>';
const UA = (mac: string) => `Mozilla/4.0 (compatible; snomD735-SIP 10.1.33.33 2010.12-00004-g9ba52f5 ${mac} SXM:0 UXM:0)`;

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`rollout page browser test skipped: ${CHROMIUM} is missing (apt-get install chromium)`);

describe.skipIf(!hasChromium)('the rollout page in headless Chromium', () => {
  let server: DrachtioTestServer;
  let phone: FakePhone;
  let service: RunningService;
  let context: BrowserContext;
  let page: Page;
  let dir: string;
  let origin: string;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    server = await DrachtioTestServer.start({ timerScale: 0.02 });
    phone = await FakePhone.start();
    dir = await mkdtemp(path.join(tmpdir(), 'pnp-rollout-'));
    const devices = Array.from({ length: SITE }, (_, i) => [
      `  - mac: "${macOf(i)}"`, '    model: D735', `    description: "desk ${i + 1}"`, '    accounts:',
      `      - user: "${3000 + i}"`, `        password: pw-rollout-${i}`, '        registrar: pbx.example.net',
    ].join('\n'));
    await writeFile(path.join(dir, 'inventory.yaml'), `models:\n  D735: {}\ndevices:\n${devices.join('\n')}\n`);
    const file = path.join(dir, 'config.yaml');
    await writeFile(file, [
      'drachtio:', `  port: ${server.adminPort}`, '  secret: cymru', 'http:', '  host: 127.0.0.1', '  port: 0', 'inventory: inventory.yaml',
      'state:', '  file: state/events.jsonl', 'api:', `  token: ${TOKEN}`,
      'pnp:', '  access:', `    denyMacRanges: ["${REFUSED}-${REFUSED}"]`, '',
    ].join('\n'));
    service = await startService(await loadConfig(file, {}, dir), { logger: captureLogger('warn').logger });
    origin = `http://127.0.0.1:${service.listening.port}`;
    const deadline = Date.now() + 20_000;
    while (service.health().drachtio.state !== 'connected' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(service.health().drachtio.state).toBe('connected');

    context = await chromium.launchPersistentContext(path.join(dir, 'chromium-profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
      viewport: { width: 1280, height: 900 },
    });
    page = context.pages()[0] ?? await context.newPage();
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    await service?.close();
    await phone?.close();
    await server?.stop();
  });

  it('logs in with the API token and lists the 300 devices before any phone boots', async () => {
    await page.goto(`${origin}/`);
    expect(new URL(page.url()).pathname).toBe('/ui/login');
    await page.fill('input[name=token]', 'not-the-token');
    await page.click('button[type=submit]');
    await page.waitForSelector('text=That is not the API token.');
    consoleErrors.length = 0; // the browser reports the 401 of that failed login as an error: deliberate
    await page.fill('input[name=token]', TOKEN);
    await page.click('button[type=submit]');
    await page.waitForSelector('#live.on');
    expect(await page.locator('#rows tr').count()).toBe(SITE);
    expect(await page.locator('[data-count="not-provisioned"]').textContent()).toBe(String(SITE));
    expect(await page.locator('[data-count="incomplete"]').textContent()).toBe(String(SITE));
    const cookies = await context.cookies(`${origin}/ui/`);
    expect(cookies.find((c) => c.name === 'pnp_ui')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
  }, 60_000);

  it('moves a phone to "settings fetched" live, and shows a refused and an unknown phone with their reason', async () => {
    await page.evaluate('window.__sameDocument = true');
    const target = { host: '127.0.0.1', port: server.sipPort };
    const sent = phone.subscribe(target, { mac: FIRST, vendor: 'snom', model: 'snomD735', version: '10.1.33.33' });
    const notify = await phone.waitForNotify(sent);
    const result = await provisionSnomPhone({ notifyUrl: notify.body, mac: FIRST, phoneType: 'snomD735', userAgent: UA(FIRST) });
    expect(result.setting('user_name', 1)).toBe('3000');
    await page.waitForSelector(`#row-${FIRST}[data-status="settings-fetched"]`);
    expect(await page.evaluate('window.__sameDocument')).toBe(true);
    expect(await page.locator(`#row-${FIRST}`).textContent()).toContain('10.1.33.33');
    expect(await page.locator('[data-count="settings-fetched"]').textContent()).toBe('1');

    phone.subscribe(target, { mac: REFUSED, vendor: 'snom', model: 'snomD735', version: '10.1.33.33' });
    await page.waitForSelector(`#row-${REFUSED}[data-status="refused"]`);
    expect(await page.locator(`#row-${REFUSED} .reason`).textContent()).toMatch(/denied|not allowed/);

    const stranger = phone.subscribe(target, { mac: STRANGER, vendor: 'snom', model: 'snomD735', version: '10.1.33.33' });
    const strangerNotify = await phone.waitForNotify(stranger);
    await provisionSnomPhone({ notifyUrl: strangerNotify.body, mac: STRANGER, phoneType: 'snomD735', userAgent: UA(STRANGER) });
    await page.waitForSelector(`#row-${STRANGER}[data-unknown="1"]`);
    const row = page.locator(`#row-${STRANGER}`);
    await expect.poll(() => row.textContent()).toContain('bootstrap only');
    // A phone that names itself with markup: shown as text, run nowhere.
    await phone.waitForNotify(phone.subscribe(target, { mac: HOSTILE, vendor: 'snom', model: HOSTILE_MODEL, version: '10.1.33.33' }));
    await page.waitForSelector(`#row-${HOSTILE}`);
    expect(await page.locator(`#row-${HOSTILE}`).textContent()).toContain(HOSTILE_MODEL);
    expect(await page.evaluate('window.__xss')).toBeUndefined();
    expect(await page.locator('#rows img').count()).toBe(0);
    expect(await page.locator('[data-count="unknown"]').textContent()).toBe('2');

    await page.check('input[name=filter][value=refused]');
    expect(await page.locator('#rows tr:not(.hidden)').count()).toBe(1);
    await page.check('input[name=filter][value=unknown]');
    expect(await page.locator('#rows tr:not(.hidden)').count()).toBe(2);
    await page.check('input[name=filter][value=all]');
    expect(await page.content()).not.toContain('pw-rollout-');
  }, 90_000);

  it('reopens an enrolled device and adds the unknown phone to the inventory from its row', async () => {
    expect(service.security?.enrolment?.status(FIRST)).toBe('enrolled');
    await page.click(`#row-${FIRST} button[data-action=reopen]`);
    await page.waitForSelector('#message:has-text("may enrol by PnP until")');
    expect(service.security?.enrolment?.status(FIRST)).toBe('reopened');

    await page.click(`#row-${STRANGER} button[data-action=add]`);
    await page.fill('#add-form input[name=user]', '3999');
    await page.fill('#add-form input[name=password]', 'pw-added-by-page');
    await page.fill('#add-form input[name=registrar]', 'pbx.example.net');
    await page.fill('#add-form input[name=description]', 'claimed from the page');
    await page.click('#add-form button[value=add]');
    await page.waitForSelector(`#row-${STRANGER}[data-unknown="0"]`);
    const inventory = await readFile(path.join(dir, 'inventory.yaml'), 'utf8');
    expect(inventory).toContain(`mac: ${STRANGER}`);
    expect(inventory).toContain('3999');
    expect(await page.locator(`#row-${STRANGER}`).textContent()).toContain('claimed from the page');
    expect(await page.locator('[data-count="inventory"]').textContent()).toBe(String(SITE + 1));
    expect(await page.content()).not.toContain('pw-added-by-page');

    await mkdir('test-artifacts', { recursive: true });
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: 'test-artifacts/rollout-page.png', fullPage: false });
    expect(consoleErrors).toEqual([]);
  }, 60_000);
});
