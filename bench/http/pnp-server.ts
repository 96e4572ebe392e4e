/**
 * Bench child: `drachtio-pnp serve` itself (startService, the function the command runs) on a configuration made
 * for the run, as in the SIP storm: the bench's inventory and every default kept (secure mode with tokens, the
 * enrolment lock and the neighbour check, the device-state event log, Prometheus metrics, info-level JSON logs
 * written to /dev/null through the service's own stdout destination), HTTP on a loopback port. One setting is
 * sized for the run: `security.tokens.maxEntries` 200,000, since the parent issues 60,000 tokens up front where
 * a real site issues them as its phones boot (the default 50,000 would drop the oldest before their phone asks).
 * No drachtio-server is there: the service keeps waiting for one, as it does on a real host before drachtio starts.
 * The parent asks for provisioning tokens (`tokens`), as the SIP side would put them into NOTIFY URLs.
 */
import path from 'node:path';
import { serveParent } from '../child.js';
import { startServeForBench } from '../serve-child.js';
import { argMap } from '../sip/args.js';

const args = argMap(process.argv.slice(2));
const started = performance.now();
const service = await startServeForBench([
  'drachtio:',
  '  host: 127.0.0.1',
  '  port: 1', // nobody: the service waits for drachtio-server, logging its attempts
  '  reconnectMaxSeconds: 60',
  'http:',
  '  host: 127.0.0.1',
  '  port: 0',
  `inventory: ${JSON.stringify(path.resolve(args.get('inventory') ?? ''))}`,
  'security:',
  '  tokens:',
  '    maxEntries: 200000',
  'log:',
  `  level: ${args.get('log') ?? 'info'}`,
  // `--redis <url>`: tokens (and claims) in that Redis (docs/shared-state.md), to measure the store's cost.
  ...(args.get('redis') ? ['store:', `  url: ${JSON.stringify(args.get('redis'))}`] : []),
]);
const loadSeconds = (performance.now() - started) / 1000;
const security = service.security;
if (!security) throw new Error('the bench configuration should keep secure mode');

serveParent({
  tokens: (tokenArgs) => {
    const { macs, address } = tokenArgs as { macs: string[]; address: string };
    return macs.map((mac) => security.tokens.issue(mac, address).token);
  },
}, { port: service.listening.port, devices: service.health().inventory.devices, loadSeconds }, () => service.close());
