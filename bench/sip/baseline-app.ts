/**
 * Bench child: the floor the stack sets. The least a drachtio-srf app can do to provision a phone: 200 OK, then
 * one in-dialog NOTIFY with a fixed URL through a hand-built Dialog (the technique the product uses, so neither
 * side leaks). No lookup, no parsing beyond the Event header it must echo, no logging.
 */
import Srf from 'drachtio-srf';
import { serveParent } from '../child.js';
import { argMap, hostPort } from './args.js';

interface Message { get(name: string): string | undefined }
interface Res { send(status: number, opts: object, cb: (err: unknown, sent: Message) => void): void }
interface DialogLike { subscriptions: unknown[]; request(opts: object): Promise<{ status: number }>; removeAllListeners(): void }
type DialogCtor = new (srf: object, type: 'uas', opts: { req: unknown; res: unknown; sent: unknown }) => DialogLike;

/** drachtio-srf's Dialog would look its subscription up by a From that drachtio rewrites (`%3a` -> `%3A`). */
class OneShot extends (Reflect.get(Srf, 'Dialog') as unknown as DialogCtor) {
  removeSubscription(): number {
    this.subscriptions = [];
    return 0;
  }
}
const NOT_REGISTERED = { addDialog: () => undefined, removeDialog: () => undefined };

const args = argMap(process.argv.slice(2));
const admin = hostPort(args.get('admin') ?? '', 9022);
const URL = 'http://127.0.0.1:8080/snom/';
const exchanges = { notified: 0, failed: 0, ignored: 0 };

const srf = new Srf();
srf.on('error', () => undefined);
srf.use('subscribe', (req: Message, res: Res) => {
  res.send(200, { headers: { Expires: '0' } }, (err, sent) => {
    if (err) return void exchanges.failed++;
    const dialog = new OneShot(NOT_REGISTERED, 'uas', { req, res, sent });
    dialog.request({
      method: 'NOTIFY',
      headers: {
        Event: req.get('Event') ?? 'ua-profile', 'Subscription-State': 'terminated;reason=timeout',
        'Content-Type': 'application/url', Contact: sent.get('Contact') ?? '',
      },
      body: URL,
    }).then(() => { exchanges.notified++; }, () => { exchanges.failed++; })
      .finally(() => dialog.removeAllListeners());
  });
});
srf.on('connect', (err: unknown) => {
  if (err) return;
  serveParent({ exchanges: () => ({ ...exchanges }), dialogs: () => (Reflect.get(srf, '_dialogs') as Map<string, unknown>).size },
    { devices: 0 }, () => srf.disconnect());
});
srf.connect({ host: admin.host, port: admin.port, secret: args.get('secret') ?? 'cymru' });
