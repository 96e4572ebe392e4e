import { silentLogger, type Logger } from '../log/logger.js';
import { parseContact } from './parse-subscribe.js';
import type { SrfMiddleware } from './responder.js';
import { adaptExchange, asNext } from './srf-adapter.js';

export interface BadEventResponderOptions {
  /** Event packages named in `Allow-Events`. Default `['ua-profile']`. */
  allowEvents?: string[];
  logger?: Logger;
}

/**
 * The end of a SUBSCRIBE chain: `489 Bad Event` with `Allow-Events` for every SUBSCRIBE that reaches it
 * (without it drachtio-srf would answer 404). A SUBSCRIBE whose Contact is `*`, missing or unreadable gets no
 * answer at all: answering `Contact: *` crashes drachtio-server 0.9.10. Other methods are passed on.
 *
 * @example
 * srf.use('subscribe', pnpResponder(options));
 * srf.use('subscribe', badEventResponder());
 */
export function badEventResponder(options: BadEventResponderOptions = {}): SrfMiddleware {
  const allowEvents = options.allowEvents ?? ['ua-profile'];
  if (!Array.isArray(allowEvents) || allowEvents.length === 0 || !allowEvents.every((e) => typeof e === 'string' && /^[\w.!%*+`'~-]+$/.test(e))) {
    throw new TypeError('badEventResponder: options.allowEvents must be a non-empty array of event package names');
  }
  const logger = options.logger ?? silentLogger;
  const allowHeader = allowEvents.join(', ');
  return function badEventResponderMiddleware(req, res, next) {
    const exchange = adaptExchange(req, res);
    if (!exchange || exchange.request.method.toUpperCase() !== 'SUBSCRIBE' || exchange.finalResponseSent) {
      asNext(next)();
      return;
    }
    const { request } = exchange;
    const log = { callId: request.header('Call-ID'), ip: request.source.address, event: request.header('Event') };
    if (parseContact(request.header('Contact')).kind !== 'usable') {
      logger.warn(log, 'SUBSCRIBE with unusable Contact dropped unanswered');
      return;
    }
    exchange.respond(489, { 'Allow-Events': allowHeader }).then(
      () => logger.debug(log, 'SUBSCRIBE for an unsupported event answered 489'),
      (err: unknown) => logger.warn({ ...log, err }, 'could not answer 489 Bad Event'),
    );
  };
}
