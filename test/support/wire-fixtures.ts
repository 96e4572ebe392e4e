/** Reads the byte-exact recording excerpts in test/fixtures/wire/ (see its README). */
import { readFileSync } from 'node:fs';
import { parseSip, type SipMessageText } from './sip-text.js';

export function fixtureBytes(name: string): Buffer {
  return readFileSync(new URL(`../fixtures/wire/${name}`, import.meta.url));
}

export function fixtureText(name: string): string {
  return fixtureBytes(name).toString('utf8');
}

export function fixtureSip(name: string): SipMessageText {
  const msg = parseSip(fixtureBytes(name));
  if (!msg) throw new Error(`fixture ${name} is not a SIP message`);
  return msg;
}

/** A frame payload split into its header-line tokens and the SIP message after the first CRLF. */
export function splitFrame(payload: string): { tokens: string[]; sip: string } {
  const crlf = payload.indexOf('\r\n');
  return {
    tokens: (crlf < 0 ? payload : payload.slice(0, crlf)).split('|'),
    sip: crlf < 0 ? '' : payload.slice(crlf + 2),
  };
}

/**
 * The shape of a frame's header line with run-specific values abstracted (UUID, time, number, address,
 * dialog id), so a frame from the emulation can be compared with a recorded one token by token.
 */
export function frameShape(payload: string): string[] {
  return splitFrame(payload).tokens.map((t) => {
    if (/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(t)) return '<uuid>';
    if (/^\d\d:\d\d:\d\d\.\d{6}$/.test(t)) return '<time>';
    if (/^\d+$/.test(t)) return '<n>';
    if (/^\d+\.\d+\.\d+\.\d+$/.test(t)) return '<addr>';
    if (t.includes(';from-tag=')) return '<dialog-id>';
    return t;
  });
}
