/** One app's admin TCP connection: framing, authentication state and the verbs it routed. */
import type { Socket } from 'node:net';
import { FrameDecoder, encodeFrame } from './admin-framing.js';

export class AppLink {
  authenticated = false;
  readonly routes = new Set<string>();
  private readonly decoder = new FrameDecoder();
  private corked = false;

  constructor(readonly socket: Socket, readonly id: number) {}

  get open(): boolean {
    return !this.socket.destroyed && this.socket.writable;
  }

  /** Decodes one socket read into frame payloads (throws FrameError on garbage). */
  decode(chunk: Buffer): string[] {
    return this.decoder.push(chunk);
  }

  /**
   * Queues a frame. Frames written in one turn of the event loop leave together after it (cork, uncork in
   * setImmediate): one system call for a burst instead of one per frame. The app reads a TCP stream either way
   * (drachtio's frames arrive split and coalesced, 07), so this changes the segments, not the protocol; it keeps
   * the emulation from being the busiest part of a benchmark.
   */
  write(payload: string): void {
    if (!this.open) return;
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      setImmediate(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    this.socket.write(encodeFrame(payload));
  }
}

/** Verb -> apps that routed it, picked round-robin (drachtio's selectClientForRequestOutsideDialog, 06 log). */
export class RouteTable {
  private readonly byVerb = new Map<string, { links: AppLink[]; next: number }>();

  add(verb: string, link: AppLink): void {
    const entry = this.byVerb.get(verb) ?? { links: [], next: 0 };
    if (!entry.links.includes(link)) entry.links.push(link);
    this.byVerb.set(verb, entry);
  }

  remove(verb: string, link: AppLink): void {
    const entry = this.byVerb.get(verb);
    if (!entry) return;
    entry.links = entry.links.filter((l) => l !== link);
    if (entry.links.length === 0) this.byVerb.delete(verb);
  }

  removeLink(link: AppLink): void {
    for (const verb of link.routes) this.remove(verb, link);
  }

  pick(verb: string): AppLink | undefined {
    const entry = this.byVerb.get(verb);
    if (!entry) return undefined;
    for (let tries = 0; tries < entry.links.length; tries++) {
      const link = entry.links[entry.next % entry.links.length];
      entry.next = (entry.next + 1) % entry.links.length;
      if (link?.open) return link;
    }
    return undefined;
  }

  verbs(): string[] {
    return [...this.byVerb.keys()].sort();
  }

  clear(): void {
    this.byVerb.clear();
  }
}
