/**
 * One phone booting inside a network namespace (run by netns.ts's runInPhoneNs): binds to `--bind`, sends its
 * plug-and-play SUBSCRIBE to `--target` (the multicast group) retransmitting like a real phone, answers the NOTIFY
 * and prints one JSON line: the final response's status, the NOTIFY's Request-URI and body, or the error.
 *
 *   node --import tsx test/support/netns-phone.ts --bind 198.18.0.2 --target 224.0.1.75:5060 --mac 000413A11FB0
 */
import { FakePhone } from './fake-phone.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set((process.argv[i] ?? '').replace(/^--/, ''), process.argv[i + 1] ?? '');
const [host = '224.0.1.75', port = '5060'] = (args.get('target') ?? '').split(':');
const phone = await FakePhone.start({ host: args.get('bind') ?? '0.0.0.0', retransmitSubscribes: true });
try {
  const sent = phone.subscribe({ host, port: Number(port) }, {
    mac: args.get('mac') ?? '000413A11FB0', uriHost: host, vendor: 'snom', model: 'snomD735', version: '10.1.33.33',
  });
  const response = await phone.waitForResponse(sent, 8000);
  const notify = await phone.waitForNotify(sent, 8000);
  // Give the 200 to the NOTIFY time to leave before the socket closes.
  await new Promise((resolve) => setTimeout(resolve, 200));
  console.log(JSON.stringify({ status: response.status, notifyUri: notify.uri, notifyBody: notify.body }));
} catch (err) {
  console.log(JSON.stringify({ error: err instanceof Error ? err.message : String(err) }));
} finally {
  await phone.close();
}
