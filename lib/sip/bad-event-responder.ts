import { silentLogger, type Logger } from '../log/logger.js';
import { isUaProfile, parseEventHeader } from './event-header.js';
import { parseContact } from './parse-subscribe.js';
import type { SrfMiddleware } from './responder.js';
import { adaptExchange, asNext } from './srf-adapter.js';

export interface BadEventResponderOptions {
  /**
   * Event packages named in `Allow-Events`: every package your application serves, e.g.
   * `['ua-profile', 'presence', 'message-summary']` when your own handlers serve presence and voicemail. Default
   * `['ua-profile']`.
   */
  allowEvents?: string[];
  logger?: Logger;
}

/**
 * The end of a SUBSCRIBE chain: `489 Bad Event` with `Allow-Events` for every SUBSCRIBE that reaches it
 * (without it drachtio-srf would answer 404). A SUBSCRIBE whose Contact is `*`, missing or unreadable gets no
 * answer at all: answering `Contact: *` crashes drachtio-server 0.9.10. A `ua-profile` SUBSCRIBE that reaches it
 * (the responder passed it on: no URL for its vendor, and no later middleware of yours took it) gets no answer
 * either, so another provisioning server on the LAN may answer the phone's multicast. Other methods are passed on.
 *
 * @example
 * srf.use('subscribe', pnp.subscribe);
 * srf.use('subscribe', presenceHandler);
 * srf.use('subscribe', badEventResponder({ allowEvents: ['ua-profile', 'presence'], logger }));
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
    if (log.event !== undefined && isUaProfile(parseEventHeader(log.event))) {
      logger.debug(log, 'ua-profile SUBSCRIBE nobody took left unanswered (another responder may answer it)');
      return;
    }
    exchange.respond(489, { 'Allow-Events': allowHeader }).then(
      () => logger.debug(log, 'SUBSCRIBE for an unsupported event answered 489'),
      (err: unknown) => logger.warn({ ...log, err }, 'could not answer 489 Bad Event'),
    );
  };
}
