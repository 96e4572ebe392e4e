/**
 * `npm run bench -- --smoke --drachtio --only sip`: the SIP storm through the real drachtio-server at smoke size, so
 * the harness cannot rot on a machine that has drachtio. Runs only when `drachtio` is on PATH (skips with one line
 * otherwise). No timing is asserted; every number must be a number and no phone may be lost.
 */
import { describe, expect, it } from 'vitest';
import { parseOptions } from '../../bench/options.js';
import { runBench } from '../../bench/run.js';
import { renderTable } from '../../bench/table.js';
import { findDrachtio } from '../support/real-drachtio.js';

const skip = findDrachtio() ? undefined : 'no drachtio on PATH';
if (skip) console.log(`bench smoke through drachtio-server skipped: ${skip}`);

describe.skipIf(skip)('npm run bench -- --smoke --drachtio --only sip', () => {
  it('runs serve, the plugin and the baseline each through its own drachtio-server, losing no phone', async () => {
    // Fewer phones than the smoke default (300): the three apps' drachtio-servers and children start in the same minute.
    const options = parseOptions(['--smoke', '--no-write', '--drachtio', '--only', 'sip', '--phones', '120']);
    const { result } = await runBench(options, () => undefined);
    expect(result.sip).toBeUndefined();
    const real = result.sipRealDrachtio;
    if (!real) throw new Error('no results through drachtio-server');
    expect(real.target).toBe('drachtio-server');
    for (const app of [real.pnp, real.responder, real.baseline]) {
      expect(app.storm.sent).toBe(options.sip.phones);
      for (const step of [...app.steps, app.capacity, app.storm, ...app.atCommonRate.rounds]) {
        expect(step.lost).toBe(0);
        expect(step.completed).toBe(step.sent);
        expect(step.p50Ms).toBeLessThanOrEqual(step.p99Ms);
        expect(step.appCpuUs).toBeGreaterThan(0);
        // drachtio-server's CPU comes from /proc in clock ticks (10 ms): a short step may read 0.
        expect(step.drachtioCpuUs).toBeGreaterThanOrEqual(0);
        expect(step.loopMaxMs).toBeGreaterThanOrEqual(0);
        expect(step.appRssMaxMb).toBeGreaterThan(0);
      }
      expect(app.atCommonRate.drachtioCpuUs).toBeGreaterThanOrEqual(0);
      expect(app.drachtioRssMb).toBeGreaterThan(0);
      expect(app.appRssMaxMb).toBeGreaterThan(0);
      expect(app.appRssLastMb).toBeGreaterThan(0);
      expect(app.appRssEarlyMb).toBeGreaterThan(0);
      expect(app.srfDialogsAfter).toBe(0);
    }
    const table = renderTable(result);
    expect(table).toContain('drachtio-server: drachtio-pnp serve');
    expect(table).toContain('drachtio-server CPU us/SUB');
    expect(table).not.toContain('NaN');
    expect(table).toContain('Done when');
    expect(real.inventoryDevices).toBe(options.sip.inventory);
  }, 120_000);
});
