/**
 * drachtio admin-protocol framing: `<decimal byte length>#<payload>`, frames back to back with nothing between
 * them (drachtio-wire/README.md "Framing"; 07 part H shows the length counts UTF-8 bytes, not characters).
 * TCP may split a frame or carry several in one read, so input is buffered and cut by byte count.
 */

export function encodeFrame(payload: string): Buffer {
  const body = Buffer.from(payload, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length}#`, 'latin1'), body]);
}

/** Largest frame accepted from an app; the largest recorded is 8854 bytes (07 part G). */
const MAX_FRAME_BYTES = 16 * 1024 * 1024;
const HASH = 0x23;

export class FrameError extends Error {}

/** Accumulates socket reads and yields complete frame payloads (UTF-8 decoded). */
export class FrameDecoder {
  private buf: Buffer = Buffer.alloc(0);

  /** Feeds one socket read; returns the payloads completed by it. Throws FrameError on a bad length prefix. */
  push(chunk: Buffer): string[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const out: string[] = [];
    let pos = 0;
    for (;;) {
      const hash = this.buf.indexOf(HASH, pos);
      if (hash < 0) {
        // Not even a complete length prefix yet; a long run of digits without '#' is garbage.
        if (this.buf.length - pos > 16) throw new FrameError('missing length prefix');
        break;
      }
      const prefix = this.buf.toString('latin1', pos, hash);
      if (!/^[1-9][0-9]{0,15}$/.test(prefix)) throw new FrameError(`invalid length prefix '${prefix.slice(0, 20)}'`);
      const size = Number(prefix);
      if (size > MAX_FRAME_BYTES) throw new FrameError(`frame too large: ${size}`);
      const end = hash + 1 + size;
      if (this.buf.length < end) break;
      out.push(this.buf.toString('utf8', hash + 1, end));
      pos = end;
    }
    this.buf = pos === 0 ? this.buf : this.buf.subarray(pos);
    // Drop the reference to a large consumed buffer once empty.
    if (this.buf.length === 0) this.buf = Buffer.alloc(0);
    return out;
  }
}
