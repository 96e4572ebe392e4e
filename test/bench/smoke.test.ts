/**
 * The benchmark at smoke size, so it cannot rot: it completes, reports well-formed numbers, and loses nothing.
 * No timing is asserted here (that is what `npm run bench` is for); only that every number is a number.
 */
import { describe, expect, it } from 'vitest';
import { parseOptions } from '../../bench/options.js';
import { runBench } from '../../bench/run.js';
import { renderTable } from '../../bench/table.js';
import type { StepResult } from '../../bench/sip/sip-storm.js';

const positive = (n: number): void => {
  expect(Number.isFinite(n)).toBe(true);
  expect(n).toBeGreaterThan(0);
};

function wellFormedStep(step: StepResult): void {
  expect(step.sent).toBeGreaterThan(0);
  expect(step.lost).toBe(0);
  expect(step.completed).toBe(step.sent);
  positive(step.throughput);
  for (const ms of [step.p50Ms, step.p99Ms, step.maxMs]) expect(ms).toBeGreaterThanOrEqual(0);
  expect(step.p50Ms).toBeLessThanOrEqual(step.p99Ms);
  expect(step.p99Ms).toBeLessThanOrEqual(step.maxMs);
  positive(step.appCpuUs);
}

describe('npm run bench -- --smoke', () => {
  it('completes with well-formed results for every section, with zero loss and zero errors', async () => {
    const options = parseOptions(['--smoke', '--no-write']);
    const { result, file } = await runBench(options, () => undefined);
    expect(file).toBeUndefined();

    const sip = result.sip;
    if (!sip) throw new Error('no SIP results');
    expect(sip.phones).toBe(options.sip.phones);
    for (const app of [sip.pnp, sip.responder, sip.baseline]) {
      expect(app.steps.length).toBeGreaterThan(0);
      for (const step of [...app.steps, app.capacity, app.storm]) wellFormedStep(step);
      expect(app.storm.sent).toBe(options.sip.phones);
      expect(app.srfDialogsAfter).toBe(0);
      // CPU per SUBSCRIBE at the common rate: every round lost nothing, and the medians are those of the rounds.
      const common = app.atCommonRate;
      positive(common.rate);
      expect(common.rounds.length).toBeGreaterThan(0);
      for (const step of common.rounds) {
        wellFormedStep(step);
        expect(step.offered).toBe(common.rate);
        positive(step.driverCpuUs);
      }
      positive(common.appCpuUs);
      positive(common.driverCpuUs);
      expect(common.rounds.map((s) => s.appCpuUs)).toContain(common.appCpuUs);
      expect(common.rounds.map((s) => s.driverCpuUs)).toContain(common.driverCpuUs);
    }
    expect([sip.pnp.app, sip.responder.app, sip.baseline.app]).toEqual(['pnp', 'responder', 'baseline']);
    // All apps measured at the same rate (all against test servers).
    expect(sip.pnp.atCommonRate.rate).toBe(sip.baseline.atCommonRate.rate);
    expect(sip.responder.atCommonRate.rate).toBe(sip.baseline.atCommonRate.rate);
    // Our NOTIFYs (serve's and the plugin's, both secure) carry a provisioning URL with a token; the baseline's is fixed.
    expect(sip.pnp.sampleUrl).toMatch(/^http:\/\/127\.0\.0\.1:8080\/snom\/t\/[^/]+\/$/);
    expect(sip.responder.sampleUrl).toMatch(/^http:\/\/127\.0\.0\.1:8080\/snom\/t\/[^/]+\/$/);
    positive(sip.ratios.capacity);
    positive(sip.ratios.cpuEfficiency);
    positive(sip.ratios.cpuAtCommonRate);
    positive(sip.responderRatios.capacity);
    positive(sip.responderRatios.cpuEfficiency);
    positive(sip.responderRatios.cpuAtCommonRate);

    const http = result.http;
    if (!http) throw new Error('no HTTP results');
    for (const run of [http.pnp, http.route, http.floor]) {
      expect(run.errors).toBe(0);
      expect(run.requests).toBeGreaterThan(0);
      positive(run.requestsPerSecond);
      positive(run.serverCpuUs);
      expect(run.p50Ms).toBeLessThanOrEqual(run.p99Ms);
      // Every server measured in every round; its rate is its best round's, its CPU one of its rounds'.
      expect(run.rounds).toHaveLength(options.http.rounds);
      expect(run.requestsPerSecond).toBe(Math.max(...run.rounds.map((r) => r.requestsPerSecond)));
      expect(run.rounds.map((r) => r.serverCpuUs)).toContain(run.serverCpuUs);
    }
    positive(http.ratio);
    positive(http.routeRatio);
    positive(http.bodyBytes.settings);

    const scale = result.scale;
    if (!scale) throw new Error('no scale results');
    expect(scale.sizes.map((s) => s.devices)).toEqual(options.scale.sizes);
    for (const row of scale.sizes) {
      positive(row.loadSeconds);
      positive(row.rssMb);
      positive(row.lookupNs);
      positive(row.renderUs);
    }

    const table = renderTable(result);
    expect(table).toContain('SIP boot storm');
    expect(table).toContain(`CPU us/SUB at ${sip.pnp.atCommonRate.rate.toLocaleString('en-US')}/s`);
    expect(table).toContain('test server: drachtio-pnp responder (plugin)');
    expect(table).toContain('test server: responder / baseline');
    expect(table).toContain('serve / floor');
    expect(table).toContain('route / floor');
    expect(table).not.toContain('NaN');
  }, 120_000);
});
