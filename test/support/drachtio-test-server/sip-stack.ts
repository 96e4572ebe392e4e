/**
 * The SIP half of the emulated drachtio-server: datagrams from phones, `sip` frames from apps, transactions,
 * dialogs. Sockets and admin connections belong to the caller (server.ts), which passes them in as functions.
 * Every rule names the recording in /work/shared/reference/drachtio-wire/ it reproduces.
 */
import {
  getHeader, parseCSeq, parseSip, parseVia, tagOf, uriOf, type HostPort, type SipMessageText,
} from '../sip-text.js';
import { ClientTxnTable, TIMEOUT_MS, type ClientTxn } from './client-transactions.js';
import { newBranch, newTag, newUuid, stackTime } from './ids.js';
import { ServerTxnTable, transactionKey } from './server-transactions.js';
import {
  buildLocalTimeout, buildRequest, buildResponse, forwardedRequestText, ourVia, requestDestination,
  responseDestination, stunErrorReply, withTag,
} from './wire-messages.js';

/** 07 part G: a header line of 8192 bytes is accepted, 8193 bytes gets 400 Bad Request. */
export const MAX_HEADER_LINE_BYTES = 8192;

export interface StackEnv<L> {
  readonly host: string;
  sipPort(): number;
  readonly timerScale: number;
  sendUdp(bytes: Buffer, dest: HostPort): void;
  sendFrame(app: L, payload: string): void;
  isOpen(app: L): boolean;
  /** An app that routed this verb (lower case), or undefined. */
  pickApp(verb: string): L | undefined;
  /** The app answered a request that segfaults the real server. */
  crash(): void;
}

interface Dialog<L> {
  readonly id: string;
  readonly callId: string;
  /** Our side as From of our requests: the To of the 200 as sent, with our tag. */
  readonly local: string;
  /** The phone's side as To of our requests: the From of the 200 as sent, with the phone's tag. */
  readonly remote: string;
  /** Where in-dialog requests go: the SUBSCRIBE's Contact URI (03 "defaulting request uri to"). */
  readonly remoteTarget: string;
  /**
   * Last CSeq used. 03: the first in-dialog NOTIFY after a SUBSCRIBE with CSeq 1 carries CSeq 2, while a fresh
   * leg starts near 123166822 (02), so the dialog continues from the SUBSCRIBE's CSeq.
   */
  cseq: number;
  readonly app: L;
}

/** 02: a request outside a dialog gets a CSeq like `123166822 NOTIFY` (a fresh sofia leg). */
const FIRST_OUT_OF_DIALOG_CSEQ = 123166822;

export class SipStack<L> {
  private readonly serverTxns: ServerTxnTable<L>;
  private readonly clientTxns: ClientTxnTable<L>;
  private readonly stable = new Map<string, Dialog<L>>();
  private readonly clientDialogIds = new Set<string>();
  private outCSeq = FIRST_OUT_OF_DIALOG_CSEQ;

  constructor(private readonly env: StackEnv<L>) {
    this.serverTxns = new ServerTxnTable<L>(TIMEOUT_MS * env.timerScale);
    this.clientTxns = new ClientTxnTable<L>(
      env.timerScale,
      (t) => env.sendUdp(t.bytes, t.dest),
      (t) => this.onClientTimeout(t),
    );
  }

  counts(): { stableDialogs: number; clientDialogIds: number; pendingServerTxns: number; pendingClientTxns: number } {
    this.serverTxns.sweep(Date.now());
    return {
      stableDialogs: this.stable.size,
      clientDialogIds: this.clientDialogIds.size,
      pendingServerTxns: this.serverTxns.pendingCount,
      pendingClientTxns: this.clientTxns.size,
    };
  }

  dialogIds(): { stable: string[]; client: string[] } {
    return { stable: [...this.stable.keys()], client: [...this.clientDialogIds] };
  }

  sweep(now: number): void {
    this.serverTxns.sweep(now);
  }

  /** Forgets everything and stops all timers (process exit). */
  reset(): void {
    this.clientTxns.clear();
    this.serverTxns.clear();
    this.stable.clear();
    this.clientDialogIds.clear();
  }

  // ---------------------------------------------------------------- network side

  onDatagram(buf: Buffer, src: HostPort & { port: number }): void {
    if (buf.length >= 2 && buf[0] === 0x00 && buf[1] === 0x01) {
      this.env.sendUdp(stunErrorReply(buf), src); // 07 part A
      return;
    }
    const msg = parseSip(buf);
    if (!msg) return; // 07 part B: not SIP, dropped without an answer
    if (msg.kind === 'response') this.onNetworkResponse(msg, buf.length, src);
    else this.onNetworkRequest(msg, buf.length, src);
  }

  private onNetworkRequest(req: SipMessageText, size: number, src: { host: string; port: number }): void {
    const now = Date.now();
    this.serverTxns.sweep(now);
    const topVia = getHeader(req, 'via');
    if (topVia === undefined || !parseVia(topVia)) return; // nowhere to send an answer
    if (req.longestHeaderLineBytes > MAX_HEADER_LINE_BYTES) return this.answerLocally(req, src, 400, 'Bad Request');
    const cseq = parseCSeq(getHeader(req, 'cseq'));
    if (getHeader(req, 'call-id') === undefined || !cseq || getHeader(req, 'from') === undefined
      || getHeader(req, 'to') === undefined) {
      return this.answerLocally(req, src, 400, 'Bad Request'); // 07 part C: no Call-ID
    }
    if (req.method === 'ACK') return;

    const key = transactionKey(req);
    const known = this.serverTxns.findByKey(key);
    if (known) {
      // 04: retransmission. Answered: same bytes again (A, C); still held by the app: dropped (B).
      if (known.final) this.env.sendUdp(known.final.bytes, known.final.dest);
      return;
    }

    let dialogId = '';
    let app: L | undefined;
    if (tagOf(getHeader(req, 'to')) !== undefined) {
      // A request inside a dialog (not recorded; PnP phones send none): to the dialog's app, else 481.
      dialogId = `${getHeader(req, 'call-id')};from-tag=${tagOf(getHeader(req, 'from')) ?? ''}`;
      const dialog = this.stable.get(dialogId);
      if (!dialog || !this.env.isOpen(dialog.app)) {
        return this.answerLocally(req, src, 481, 'Call/Transaction Does Not Exist', key, now);
      }
      app = dialog.app;
    } else {
      app = this.env.pickApp(req.method.toLowerCase());
    }
    // 06 parts B and C: no app routed the method: 503 with a To-tag, no frame to anyone.
    if (app === undefined) return this.answerLocally(req, src, 503, 'Service Unavailable', key, now);

    const txnId = newUuid();
    this.serverTxns.add({
      txnId, key, request: req, srcAddr: src.host, srcPort: src.port, app, dialogId, toTag: newTag(),
    }, now);
    // 02 frame 5: size on the wire, source, time, new txn id, dialog id, received-on, trailing empty token.
    const leader = `${newUuid()}|sip|network|${size}|udp|${src.host}|${src.port}|${stackTime(now)}|${txnId}`
      + `|${dialogId}|${this.env.host}|${this.env.sipPort()}|`;
    this.env.sendFrame(app, `${leader}\r\n${forwardedRequestText(req.raw, src.host, src.port)}`);
  }

  private answerLocally(
    req: SipMessageText, src: { host: string; port: number }, status: number, reason: string,
    key?: string, now?: number,
  ): void {
    const bytes = Buffer.from(buildResponse({
      status, reason, request: req, srcAddr: src.host, srcPort: src.port, toTag: newTag(),
    }), 'utf8');
    const dest = responseDestination(req, src.host, src.port);
    this.env.sendUdp(bytes, dest);
    if (key !== undefined && now !== undefined) {
      // Keep it so a retransmission gets the same answer instead of a second (different) one.
      const txn = this.serverTxns.add({
        txnId: newUuid(), key, request: req, srcAddr: src.host, srcPort: src.port, app: undefined,
        dialogId: '', toTag: '',
      }, now);
      this.serverTxns.answer(txn, bytes, dest, now);
    }
  }

  private onNetworkResponse(res: SipMessageText, size: number, src: { host: string; port: number }): void {
    const topVia = getHeader(res, 'via');
    const branch = topVia === undefined ? undefined : parseVia(topVia)?.branch;
    const txn = branch === undefined ? undefined : this.clientTxns.find(branch);
    if (!txn) return; // stray, or a retransmitted final response absorbed by the finished transaction
    if (res.status >= 200) this.clientTxns.finish(txn.branch);
    // 02 frame 10 (outside a dialog: empty dialog id), 03 frame 10 (inside: the dialog id).
    const leader = `${newUuid()}|sip|network|${size}|udp|${src.host}|${src.port}|${stackTime()}|${txn.txnId}`
      + `|${txn.dialogId}|`;
    if (this.env.isOpen(txn.app)) this.env.sendFrame(txn.app, `${leader}\r\n${res.raw}`);
    if (res.status >= 200 && txn.clearDialogOnFinal) this.clearDialog(txn.dialogId);
  }

  private onClientTimeout(txn: ClientTxn<L>): void {
    // 05: size 0, empty address, port 0, source still `network`.
    const leader = `${newUuid()}|sip|network|0|udp||0|${stackTime()}|${txn.txnId}|${txn.dialogId}|`;
    if (this.env.isOpen(txn.app)) this.env.sendFrame(txn.app, `${leader}\r\n${buildLocalTimeout(txn.sent)}`);
    if (txn.clearDialogOnFinal) this.clearDialog(txn.dialogId); // 05 part B: cleared, id orphaned
  }

  /** 03: "clearing dialog after receiving response to BYE or notify w/ subscription-state terminated". */
  private clearDialog(dialogId: string): void {
    // The ClientController keeps the id (03 "ORPHAN client dialog (not in StableDialogs)").
    if (dialogId) this.stable.delete(dialogId);
  }

  // ---------------------------------------------------------------- app side

  /**
   * A `sip` frame from an app; returns the `response` frame's status part (after `<rid>|`), or undefined when
   * the server "crashed" and answers nothing.
   */
  onAppSip(app: L, txnId: string, dialogId: string, text: string): string | undefined {
    const msg = parseSip(text);
    if (!msg) return 'NOK|Server error: invalid SIP message';
    if (msg.kind === 'response') return this.sendAppResponse(txnId, msg);
    if (dialogId) return this.sendInDialog(app, dialogId, msg);
    return this.sendOutOfDialog(app, msg);
  }

  private sendAppResponse(txnId: string, res: SipMessageText): string | undefined {
    const now = Date.now();
    const txn = this.serverTxns.findById(txnId);
    // drachtio-server doRespondToSipRequest: no such incoming transaction (never existed or already final).
    if (!txn || txn.final) return 'NOK|Response not sent due to unknown transaction';
    const req = txn.request;
    const contact = getHeader(req, 'contact');
    if (req.method === 'SUBSCRIBE' && (contact === undefined || contact.trim() === '*')) {
      this.env.crash(); // drachtio.md: answering a SUBSCRIBE with Contact `*` segfaults drachtio-server 0.9.10
      return undefined;
    }
    // An initial SUBSCRIBE goes through sofia's dialog path: dialog id in the echo for any status (06 489).
    const formsDialog = req.method === 'SUBSCRIBE' && tagOf(getHeader(req, 'to')) === undefined;
    const hasContact = res.headers.some((h) => h.key === 'contact');
    const wire = buildResponse({
      status: res.status, reason: res.reason, request: req, srcAddr: txn.srcAddr, srcPort: txn.srcPort,
      toTag: txn.toTag, app: res,
      ...(formsDialog && res.status >= 200 && res.status < 300 && !hasContact
        ? { defaultContact: `<sip:${this.env.host}:${this.env.sipPort()}>` } : {}),
    });
    const bytes = Buffer.from(wire, 'utf8');
    const dest = responseDestination(req, txn.srcAddr, txn.srcPort);
    this.env.sendUdp(bytes, dest);
    if (res.status >= 200) this.serverTxns.answer(txn, bytes, dest, now);

    const dialogId = formsDialog ? `${getHeader(req, 'call-id')};from-tag=${tagOf(getHeader(req, 'from')) ?? ''}`
      : txn.dialogId;
    if (formsDialog && (res.status === 200 || res.status === 202) && txn.app !== undefined) {
      // Only 200/202 add the dialog (drachtio-server doRespondToSipRequest; 06 log: the 489's dialog is destroyed).
      const sent = parseSip(wire);
      this.stable.set(dialogId, {
        id: dialogId,
        callId: getHeader(req, 'call-id') ?? '',
        local: (sent && getHeader(sent, 'to')) ?? '',
        remote: (sent && getHeader(sent, 'from')) ?? '',
        remoteTarget: uriOf(contact ?? ''),
        cseq: parseCSeq(getHeader(req, 'cseq'))?.seq ?? 0,
        app: txn.app,
      });
      this.clientDialogIds.add(dialogId);
    }
    // 02 frame 7: token 6 (transport) empty, destination, the incoming txn id, dialog id, empty, `Msg sent:`.
    return `OK|application|${bytes.length}||${dest.host}|${dest.port}|${stackTime(now)}|${txnId}|${dialogId}`
      + `||Msg sent:|\r\n${wire}`;
  }

  private sendInDialog(app: L, dialogId: string, req: SipMessageText): string {
    const dialog = this.stable.get(dialogId);
    if (!dialog) return 'NOK|Server error: unable to find dialog for dialog id provided'; // 03 part C
    const method = req.method.toUpperCase();
    const requestUri = req.uri.includes('placeholder') ? dialog.remoteTarget : req.uri;
    const problem = bodyProblem(req);
    if (problem) return `NOK|Server error: ${problem}`;
    const dest = requestDestination(requestUri);
    if (!dest) return `NOK|Server error: invalid request-uri: ${requestUri}`;
    dialog.cseq += 1;
    const clear = method === 'BYE'
      || (method === 'NOTIFY' && /terminated/i.test(getHeader(req, 'subscription-state') ?? ''));
    return this.startRequest(app, req, {
      method, requestUri, dest, from: dialog.local, to: dialog.remote, callId: dialog.callId,
      cseq: dialog.cseq, dialogId, clear,
    });
  }

  private sendOutOfDialog(app: L, req: SipMessageText): string {
    const method = req.method.toUpperCase();
    const dest = requestDestination(req.uri);
    if (!dest) return `NOK|invalid request-uri: ${req.method} ${req.uri} SIP/2.0`;
    if ((dest.host === this.env.host || dest.host === 'localhost') && dest.port === this.env.sipPort()) {
      return 'NOK|can not send request to myself';
    }
    const problem = bodyProblem(req);
    if (problem) return `NOK|${problem}`; // outside a dialog the reason has no "Server error: " prefix
    const from = getHeader(req, 'from') ?? `<sip:${this.env.host}:${this.env.sipPort()}>`;
    return this.startRequest(app, req, {
      method, requestUri: req.uri, dest,
      from: withTag(from, newTag()),
      to: getHeader(req, 'to') ?? `<${req.uri}>`,
      callId: getHeader(req, 'call-id') ?? newUuid(),
      cseq: this.outCSeq++, dialogId: '', clear: false,
    });
  }

  private startRequest(app: L, req: SipMessageText, p: {
    method: string; requestUri: string; dest: HostPort; from: string; to: string; callId: string;
    cseq: number; dialogId: string; clear: boolean;
  }): string {
    const branch = newBranch();
    const wire = buildRequest({
      method: p.method, requestUri: p.requestUri, via: ourVia(this.env.host, this.env.sipPort(), branch),
      from: p.from, to: p.to, callId: p.callId, cseq: p.cseq, app: withSdpContentType(req),
    });
    const sent = parseSip(wire);
    if (!sent) return 'NOK|Server error: Error creating sip transaction for request';
    const txnId = newUuid();
    const bytes = Buffer.from(wire, 'utf8');
    this.clientTxns.start({
      txnId, branch, bytes, dest: p.dest, sent, dialogId: p.dialogId, clearDialogOnFinal: p.clear, app,
    });
    // 02 frame 9 / 03 frame 9: drachtio's own address and port, a new txn id, no dialog id token.
    return `OK|application|${bytes.length}|udp|${this.env.host}|${this.env.sipPort()}|${stackTime()}|${txnId}`
      + `|Msg sent:|\r\n${wire}`;
  }
}

/** drachtio-server: a body needs a Content-Type unless it is SDP (`v=0`), else "missing content-type". */
function bodyProblem(req: SipMessageText): string | undefined {
  if (req.body.length === 0 || getHeader(req, 'content-type') !== undefined || req.body.startsWith('v=0')) {
    return undefined;
  }
  return 'missing content-type';
}

function withSdpContentType(req: SipMessageText): SipMessageText {
  if (req.body.length === 0 || getHeader(req, 'content-type') !== undefined) return req;
  return { ...req, headers: [...req.headers, { name: 'Content-Type', key: 'content-type', value: 'application/sdp' }] };
}

