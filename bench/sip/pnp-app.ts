/**
 * Bench child: `drachtio-pnp serve` itself (startService, the function the command runs) on a configuration made
 * for the run: the bench's inventory, drachtio at --admin, and every default kept, so the bench measures what an
 * operator runs: secure mode (per-source SUBSCRIBE limits, a provisioning token in every known device's NOTIFY
 * URL, the enrolment lock), the device-state event log, Prometheus metrics, info-level JSON logs (written to
 * /dev/null through the service's own stdout destination), and the HTTP server listening (idle here).
 */
import path from 'node:path';
import { countSrfDialogs } from '../../lib/sip/srf-adapter.js';
import { serveParent } from '../child.js';
import { startServeForBench } from '../serve-child.js';
import { argMap, hostPort } from './args.js';

const args = argMap(process.argv.slice(2));
const admin = hostPort(args.get('admin') ?? '', 9022);
const service = await startServeForBench([
  'drachtio:',
  `  host: ${JSON.stringify(admin.host)}`,
  `  port: ${admin.port}`,
  `  secret: ${JSON.stringify(args.get('secret') ?? 'cymru')}`,
  'http:',
  '  host: 127.0.0.1',
  '  port: 0',
  '  publicUrl: http://127.0.0.1:8080',
  `inventory: ${JSON.stringify(path.resolve(args.get('inventory') ?? ''))}`,
  'log:',
  `  level: ${args.get('log') ?? 'info'}`,
  // `--redis <url>`: claims and tokens in that Redis (docs/shared-state.md), to measure the store's cost.
  ...(args.get('redis') ? ['store:', `  url: ${JSON.stringify(args.get('redis'))}`] : []),
  // PNP_BENCH_SERVE_YAML: more configuration (top-level keys not named above), to measure what a feature costs,
  // e.g. `state:\n  enabled: false`. Never set by `npm run bench`.
  ...(process.env['PNP_BENCH_SERVE_YAML'] ?? '').split('\n').filter((line) => line.trim() !== ''),
]);

await waitUntil(() => service.health().drachtio.state === 'connected', 30_000);
serveParent({ dialogs: () => countSrfDialogs(service.srf) }, { devices: service.health().inventory.devices }, () => service.close());

async function waitUntil(ok: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > until) throw new Error(`drachtio at ${admin.host}:${admin.port} not connected within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
