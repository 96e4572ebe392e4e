/**
 * Bench child: the floor. A bare node:http server answering each of the Snom files with a fixed buffer of the
 * same size as ours (sizes given on the command line), no routing framework, no lookup, no rendering.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveParent } from '../child.js';
import { argMap } from '../sip/args.js';

const args = argMap(process.argv.slice(2));
const body = (size: string | undefined): Buffer => Buffer.alloc(Number(size ?? 0), 'x');
const settings = body(args.get('settings'));
const deviceContainer = body(args.get('device-container'));
const modelContainer = body(args.get('model-container'));
const DEVICE_CONTAINER = /-[0-9A-F]{12}\.htm$/;

const server = createServer((req, res) => {
  const url = req.url ?? '';
  const buf = url.endsWith('.xml') ? settings : DEVICE_CONTAINER.test(url) ? deviceContainer : modelContainer;
  res.writeHead(200, { 'Content-Type': 'application/xml', 'Content-Length': buf.length });
  res.end(buf);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  serveParent({}, { port: (server.address() as AddressInfo).port }, () => new Promise<void>((resolve) => server.close(() => resolve())));
});
