import { describe, expect, it } from 'vitest';
import { createPnpMetrics } from '../../lib/metrics/pnp-metrics.js';

/** The value of one sample line, e.g. `drachtio_pnp_notifies_total{result="accepted"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const subject = { ip: '192.0.2.7', port: 5060, mac: '000413A11FA7', vendor: 'snom', model: 'snomD735', version: '10.1' };

describe('PnP metrics', () => {
  it('counts SUBSCRIBEs by vendor, model and outcome, and NOTIFYs by result with their latency', async () => {
    const m = createPnpMetrics({ processMetrics: false });
    m.recordExchange({ ...subject, type: 'received' });
    m.recordExchange({ ...subject, type: 'answered', status: 200, known: true });
    m.recordExchange({ ...subject, type: 'notified', status: 200, ms: 30, url: 'http://x/snom/', known: true });
    m.recordExchange({ ...subject, type: 'ignored', reason: 'repeat' });
    m.recordExchange({ ...subject, type: 'answered', status: 404, known: false });
    m.recordExchange({ ...subject, type: 'notified', status: 408, ms: 32_000, url: 'http://x/snom/', known: true });
    m.recordExchange({ ...subject, type: 'failed', stage: 'notify', reason: 'gone' });
    const { body, contentType } = await m.scrape();
    expect(contentType).toMatch(/^text\/plain/);
    expect(sample(body, 'drachtio_pnp_subscribes_total{vendor="snom",model="snomD735",outcome="answered",reason=""}')).toBe(1);
    expect(sample(body, 'drachtio_pnp_subscribes_total{vendor="snom",model="snomD735",outcome="ignored",reason="repeat"}')).toBe(1);
    expect(sample(body, 'drachtio_pnp_subscribes_total{vendor="snom",model="snomD735",outcome="rejected",reason=""}')).toBe(1);
    expect(sample(body, 'drachtio_pnp_notifies_total{result="accepted"}')).toBe(1);
    expect(sample(body, 'drachtio_pnp_notifies_total{result="timeout"}')).toBe(1);
    expect(sample(body, 'drachtio_pnp_notifies_total{result="failed"}')).toBe(1);
    expect(sample(body, 'drachtio_pnp_notify_duration_seconds_bucket{le="0.05"}')).toBe(1);
    expect(sample(body, 'drachtio_pnp_notify_duration_seconds_count')).toBe(2);
  });

  it('keeps phone-chosen labels bounded and never labels by MAC or address', async () => {
    const m = createPnpMetrics({ processMetrics: false, maxModels: 3 });
    for (let i = 0; i < 100; i++) m.recordExchange({ ...subject, model: `model-${i}`, type: 'answered', status: 200, known: true });
    m.recordExchange({ ...subject, model: 'has spaces & <tags>', type: 'answered', status: 200, known: true });
    const { body } = await m.scrape();
    const series = body.split('\n').filter((l) => l.startsWith('drachtio_pnp_subscribes_total{'));
    expect(series).toHaveLength(4);
    expect(sample(body, 'drachtio_pnp_subscribes_total{vendor="snom",model="other",outcome="answered",reason=""}')).toBe(98);
    expect(body).not.toContain('000413A11FA7');
    expect(body).not.toContain('192.0.2.7');
  });

  it('exposes files, responses, auth failures, lookups, inventory and the drachtio link', async () => {
    const m = createPnpMetrics({ processMetrics: false });
    m.recordServedFile({ vendor: 'snom', kind: 'settings', file: 'X.xml', status: 200, method: 'GET', ip: '192.0.2.7' });
    m.recordProvisioningResponse(403);
    m.recordAuthFailure('api', 'bearer');
    m.recordAuthFailure('provisioning', 'made-up');
    m.recordLookup('inventory', 'found', 0.0002);
    m.recordLookupApi('stale');
    m.setInventorySize(42);
    m.recordInventoryReloadError();
    m.setDrachtioConnected(true);
    m.setDrachtioConnected(false);
    const { body } = await m.scrape();
    expect(sample(body, 'drachtio_pnp_files_served_total{vendor="snom",kind="settings",status="200"}')).toBe(1);
    expect(sample(body, 'drachtio_pnp_provisioning_responses_total{status="403"}')).toBe(1);
    expect(sample(body, 'drachtio_pnp_auth_failures_total{realm="api",kind="bearer"}')).toBe(1);
    expect(sample(body, 'drachtio_pnp_auth_failures_total{realm="provisioning",kind="other"}')).toBe(1);
    expect(sample(body, 'drachtio_pnp_lookup_duration_seconds_count{backend="inventory",outcome="found"}')).toBe(1);
    expect(sample(body, 'drachtio_pnp_lookup_api_requests_total{outcome="stale"}')).toBe(1);
    expect(sample(body, 'drachtio_pnp_inventory_devices')).toBe(42);
    expect(sample(body, 'drachtio_pnp_inventory_reload_errors_total')).toBe(1);
    expect(sample(body, 'drachtio_pnp_drachtio_connected')).toBe(0);
    expect(sample(body, 'drachtio_pnp_drachtio_disconnects_total')).toBe(1);
  });

  it('has registries of its own, so two services in one process do not collide', async () => {
    const a = createPnpMetrics();
    const b = createPnpMetrics();
    a.setInventorySize(1);
    b.setInventorySize(2);
    expect(sample((await a.scrape()).body, 'drachtio_pnp_inventory_devices')).toBe(1);
    expect((await b.scrape()).body).toContain('drachtio_pnp_process_cpu_seconds_total');
  });

  it('exports the shared store\'s state and counts, read at each scrape; without a store none of them', async () => {
    const alone = await createPnpMetrics({ processMetrics: false }).scrape();
    expect(alone.body).not.toContain('drachtio_pnp_store_');

    const m = createPnpMetrics({ processMetrics: false });
    let up = true;
    const failures = { timeout: 0, error: 0 };
    const claims = { won: 3, lost: 2, tookOver: 1, released: 0, unclaimed: 0 };
    const queue = { devices: 0, records: 0, droppedRecords: 0 };
    m.watchStore({ up: () => up, commandFailures: () => failures, claims: () => claims, queue: () => queue });
    let { body } = await m.scrape();
    expect(sample(body, 'drachtio_pnp_store_up')).toBe(1);
    expect(sample(body, 'drachtio_pnp_store_claims_total{outcome="won"}')).toBe(3);
    expect(sample(body, 'drachtio_pnp_store_claims_total{outcome="lost"}')).toBe(2);
    expect(sample(body, 'drachtio_pnp_store_claims_total{outcome="taken_over"}')).toBe(1);
    expect(sample(body, 'drachtio_pnp_store_claims_total{outcome="released"}')).toBe(0);
    expect(sample(body, 'drachtio_pnp_store_command_failures_total{reason="timeout"}')).toBe(0);
    expect(sample(body, 'drachtio_pnp_store_queued_devices')).toBe(0);

    // Redis goes away: the next scrape shows it.
    up = false;
    failures.timeout = 2;
    failures.error = 40;
    Object.assign(claims, { released: 4, unclaimed: 7 });
    Object.assign(queue, { devices: 12, records: 30, droppedRecords: 5 });
    ({ body } = await m.scrape());
    expect(sample(body, 'drachtio_pnp_store_up')).toBe(0);
    expect(sample(body, 'drachtio_pnp_store_command_failures_total{reason="timeout"}')).toBe(2);
    expect(sample(body, 'drachtio_pnp_store_command_failures_total{reason="error"}')).toBe(40);
    expect(sample(body, 'drachtio_pnp_store_claims_total{outcome="released"}')).toBe(4);
    expect(sample(body, 'drachtio_pnp_store_claims_total{outcome="unclaimed"}')).toBe(7);
    expect(sample(body, 'drachtio_pnp_store_queued_devices')).toBe(12);
    expect(sample(body, 'drachtio_pnp_store_queued_history_records')).toBe(30);
    expect(sample(body, 'drachtio_pnp_store_history_dropped_total')).toBe(5);
    expect(body).toContain('# TYPE drachtio_pnp_store_claims_total counter');
  });
});
