/**
 * An in-process stand-in for drachtio-server v0.9.10 for tests, reproducing its admin wire protocol and its
 * SIP behaviour over UDP on loopback, as recorded in /work/shared/reference/drachtio-wire/ (01..08).
 *
 * Emulated: admin framing (`<bytes>#payload`, split/coalesced reads), authenticate (right/wrong secret), route,
 * remove_route, ping; incoming SIP over UDP (STUN-looking binary, garbage, missing Call-ID, header lines over
 * 8192 bytes, 503 without a route, round-robin over apps that routed a verb, retransmission absorption);
 * responses from apps (sofia header order, To-tag, `%3a` -> `%3A`, echo frames, SUBSCRIBE dialogs kept in
 * StableDialogs and the ClientController id map); requests inside a dialog (NOTIFY CSeq continuing the
 * SUBSCRIBE's, retransmissions 1,2,4..4 s and a local 408 after 32 s, dialog cleared after the final response
 * to a terminating NOTIFY with its id left orphaned) and outside a dialog (the SUBSCRIBE dialog is kept);
 * SIGTERM (FIN, no frame), restart on the same ports, and the segfault when a SUBSCRIBE with `Contact: *`
 * (or none) is answered.
 *
 * Not emulated: SIP over TCP/TLS/WS, INVITE/ACK/PRACK/CANCEL handling and session timers, proxying
 * (`proxy` frames), CDRs, outbound connections, DNS (hosts must be IP literals), multicast, Record-Route and
 * Route sets, authentication challenges, the server's own OPTIONS/keep-alives, sofia's unescaping of
 * unnecessary %-escapes (only the case of hex digits is canonicalised).
 *
 * Timers scale with `timerScale` (1 = real). Nothing is logged; frames are kept only with `recordFrames`.
 */
export {
  DrachtioTestServer, SERVER_VERSION, type TestServerOptions, type TestServerStats,
} from './drachtio-test-server/server.js';
