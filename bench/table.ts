/** The short human table printed after a run; the JSON file has everything. */
import type { BenchResult } from './run.js';
import { doneWhen, type AppSipResult, type SipRatios, type SipStormResult } from './sip/sip-storm.js';

const fmt = (n: number | undefined, digits = 0): string =>
  n === undefined || Number.isNaN(n) ? '-' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const pct = (r: number | undefined): string => (r === undefined || Number.isNaN(r) ? '-' : `${Math.round(r * 100)}%`);

function row(cells: string[], widths: number[]): string {
  return `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ')} |`;
}

export function markdownTable(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const sep = `|${widths.map((w, i) => (i === 0 ? `${'-'.repeat(w + 1)}-` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [row(head, widths), sep, ...rows.map((r) => row(r, widths))].join('\n');
}

/**
 * `rate` is the common rate in the column's head; a row measured at another one (real drachtio-server: one app at a
 * time, each at its own rate) says so in its cell.
 */
function sipRows(label: string, s: SipStormResult, rate: number): string[][] {
  const atRate = (a: AppSipResult): string =>
    `${fmt(a.atCommonRate.appCpuUs)}${a.atCommonRate.rate === rate ? '' : ` at ${fmt(a.atCommonRate.rate)}/s`}`;
  const line = (name: string, a: AppSipResult): string[] => [
    `${label}: ${name}`,
    fmt(a.sustained?.throughput),
    fmt(a.capacity.throughput),
    `${fmt(a.storm.completed)}/${fmt(a.storm.sent)} at ${fmt(a.storm.offered)}/s`,
    `${fmt(a.storm.p50Ms)} / ${fmt(a.storm.p99Ms)} / ${fmt(a.storm.maxMs)}`,
    fmt(a.capacity.appCpuUs),
    atRate(a),
  ];
  const more = (efficiency: number): string => pct(efficiency === 0 ? undefined : 1 / efficiency);
  const ratios = (name: string, x: SipRatios): string[] =>
    [`${label}: ${name}`, pct(x.sustained), pct(x.capacity), '', '', more(x.cpuEfficiency), more(x.cpuAtCommonRate)];
  return [
    line('drachtio-pnp serve', s.pnp),
    line('drachtio-pnp responder (plugin)', s.responder),
    line('baseline app', s.baseline),
    ratios('serve / baseline', s.ratios),
    ratios('responder / baseline', s.responderRatios),
  ];
}

/**
 * Issue 15's "Done when", one row per app against the baseline (ok / MISS per target; docs/real-drachtio.md says how
 * each is measured). One run decides nothing: the issue asks for three in a row on an otherwise idle machine.
 */
function doneWhenTable(real: SipStormResult): string {
  const apps: Array<[string, AppSipResult]> = [['serve', real.pnp], ['responder (plugin)', real.responder]];
  const mark = (ok: boolean): string => (ok ? 'ok' : 'MISS');
  const rows = apps.map(([name, a]) => {
    const d = doneWhen(a, real.baseline);
    return [
      name,
      `${pct(d.sustained)} ${mark(d.sustained >= 0.9)}`,
      `${fmt(d.lostWhereBaselineHeld)}${d.lostAtRates.length ? ` (at ${d.lostAtRates.map((x) => fmt(x)).join(', ')}/s)` : ''} ${mark(d.lostWhereBaselineHeld === 0)}`,
      `${fmt(d.appCpu, 2)}x ${mark(d.appCpu <= 1.2)}`,
      `${fmt(d.loopP99Ms)} / ${fmt(d.loopMaxMs)} ${mark(d.loopP99Ms < 200)}`,
      `${fmt(d.rssPeakMb)} / ${fmt(d.rssLastMb)} / ${fmt(d.rssAfterMb)} ${mark(d.rssPeakMb < 250)}, ${d.rssLevelled ? 'levelled' : 'still rising MISS'}`,
    ];
  });
  return [
    `Issue 15 "Done when", this run (${fmt(real.phones)} phones, ${fmt(real.inventoryDevices)}-device inventory; one run decides nothing)`,
    markdownTable(['app vs baseline', 'sustained (>= 90%)', 'lost where baseline held (0)', 'app CPU at common rate (<= 1.2x)',
      'ELD worst step p99 / max ms (p99 < 200)', 'RSS peak / last third / after MB (< 250, levels off)'], rows),
  ].join('\n');
}

export function renderTable(r: BenchResult): string {
  const out: string[] = [];
  out.push(`drachtio-pnp bench ${r.meta.smoke ? '(smoke) ' : ''}${r.meta.startedAt}: ${r.meta.cpus} x ${r.meta.cpuModel}, ${r.meta.memoryGb} GB, node ${r.meta.node}`);
  const first = r.sipRealDrachtio ?? r.sip;
  if (first) {
    out.push('', `SIP boot storm (${fmt(first.phones)} phones; SUBSCRIBE -> NOTIFY; zero loss required)`);
    const rate = first.pnp.atCommonRate.rate;
    // The real stack first; the wire test server's rows are a CPU microbenchmark of the app.
    const rows = r.sipRealDrachtio ? sipRows('drachtio-server', r.sipRealDrachtio, rate) : [];
    if (r.sip) rows.push(...sipRows('test server', r.sip, rate));
    out.push(markdownTable(
      ['app', 'sustained/s', 'capacity/s', 'storm notified', 'storm p50/p99/max ms', 'app CPU us/SUB', `CPU us/SUB at ${fmt(rate)}/s`],
      rows));
    for (const [label, s] of [['drachtio-server', r.sipRealDrachtio], ['test server', r.sip]] as const) {
      if (!s?.store) continue;
      const c = s.store;
      out.push('', `The shared store's cost (${label}): serve with claims and tokens in Redis against serve with its local stores`);
      out.push(markdownTable(
        ['serve', 'sustained/s', 'capacity/s', `app CPU us/SUB at ${fmt(rate)}/s`, `p50 / p99 ms at ${fmt(rate)}/s`],
        [
          ['local stores', fmt(s.pnp.sustained?.throughput), fmt(s.pnp.capacity.throughput), fmt(s.pnp.atCommonRate.appCpuUs), `${fmt(c.p50Ms.local, 1)} / ${fmt(c.p99Ms.local, 1)}`],
          ['Redis store', fmt(c.redis.sustained?.throughput), fmt(c.redis.capacity.throughput), fmt(c.redis.atCommonRate.appCpuUs), `${fmt(c.p50Ms.redis, 1)} / ${fmt(c.p99Ms.redis, 1)}`],
          ['Redis / local', pct(c.ratios.sustained), pct(c.ratios.capacity),
            `${pct(c.ratios.cpuAtCommonRate === 0 ? undefined : 1 / c.ratios.cpuAtCommonRate)} (${c.addedCpuUs >= 0 ? '+' : ''}${fmt(c.addedCpuUs)} us)`, `${pct(c.p50Ms.ratio)} / ${pct(c.p99Ms.ratio)}`],
        ]));
    }
    if (r.sip) out.push('(test server rows: the wire test server in the bench\'s own process, a CPU microbenchmark of the app; its rates are not drachtio-server\'s)');
    if (r.sipRealDrachtio) {
      const real = r.sipRealDrachtio;
      const apps: Array<[string, AppSipResult]> = [['serve', real.pnp], ['responder (plugin)', real.responder], ['baseline', real.baseline]];
      out.push('', `Through drachtio-server: CPU per exchange at the common rate (medians), app event loop and memory over the run`);
      out.push(markdownTable(
        ['app', 'drachtio-server CPU us/SUB', 'app CPU us/SUB', 'event-loop delay p99 / max ms (worst step)', 'app RSS max MB', 'drachtio RSS MB'],
        apps.map(([name, a]) => [name, fmt(a.atCommonRate.drachtioCpuUs), fmt(a.atCommonRate.appCpuUs),
          `${fmt(a.loopP99Ms)} / ${fmt(a.loopMaxMs)}`, fmt(a.appRssMaxMb), fmt(a.drachtioRssMb)])));
      out.push('', doneWhenTable(real));
    }
  }
  if (r.http) {
    const h = r.http;
    out.push('', `Settings serving (${fmt(h.devices)} devices; Snom sequence ${h.sequence.join(' -> ')}; ${h.connections} connections; `
      + `${h.rounds} paired rounds of ${fmt(h.seconds, 1)} s)`);
    out.push(markdownTable(['server', 'requests/s (best round)', 'p50 ms', 'p99 ms', 'errors', 'server CPU us/req (median)'], [
      ['drachtio-pnp serve', fmt(h.pnp.requestsPerSecond), fmt(h.pnp.p50Ms, 1), fmt(h.pnp.p99Ms, 1), fmt(h.pnp.errors), fmt(h.pnp.serverCpuUs)],
      ['route alone (plugin)', fmt(h.route.requestsPerSecond), fmt(h.route.p50Ms, 1), fmt(h.route.p99Ms, 1), fmt(h.route.errors), fmt(h.route.serverCpuUs)],
      ['bare node:http floor', fmt(h.floor.requestsPerSecond), fmt(h.floor.p50Ms, 1), fmt(h.floor.p99Ms, 1), fmt(h.floor.errors), fmt(h.floor.serverCpuUs)],
      ['serve / floor', pct(h.ratio), '', '', '', ''],
      ['route / floor', pct(h.routeRatio), '', '', '', ''],
      ...(h.store ? [
        ['serve, tokens in Redis', fmt(h.store.redis.requestsPerSecond), fmt(h.store.redis.p50Ms, 1), fmt(h.store.redis.p99Ms, 1), fmt(h.store.redis.errors),
          fmt(h.store.redis.serverCpuUs)],
        ['serve Redis / serve local', pct(h.store.ratio), pct(h.store.p50Ratio), pct(h.store.p99Ratio), '', `${h.store.addedCpuUs >= 0 ? '+' : ''}${fmt(h.store.addedCpuUs)} us`],
      ] : []),
    ]));
  }
  if (r.scale) {
    out.push('', 'Scale (generated inventories; each size in a fresh process)');
    out.push(markdownTable(
      ['devices', 'file MB', 'load s', 'open s', 'reload: longest stall ms', 'RSS MB', 'heap MB', 'B/device', 'lookup ns (random / hot)', 'render us'],
      r.scale.sizes.map((s) => [fmt(s.devices), fmt(s.fileMb, 1), fmt(s.loadSeconds, 2), fmt(s.openSeconds, 2),
        fmt(s.reloadMaxLoopBlockMs), fmt(s.rssMb), fmt(s.heapUsedMb), fmt(s.bytesPerDevice), `${fmt(s.lookupNs)} / ${fmt(s.lookupHotNs)}`,
        fmt(s.renderUs, 1)]),
    ));
  }
  return out.join('\n');
}
