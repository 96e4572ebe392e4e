import type { Logger } from '../log/logger.js';

export type LinkState = 'connecting' | 'connected' | 'disconnected' | 'auth-failed';

/**
 * The state of the service's admin connection to drachtio-server, as operators need to see it: in `/healthz` and
 * in the log. drachtio-srf reconnects by itself; this only watches and explains. Repeated failures are logged once
 * and then at most every `reminderMs`, so a drachtio that is down for an hour does not flood the log.
 */
export class DrachtioLinkState {
  state: LinkState = 'connecting';
  since = new Date();
  server?: string;
  version?: string;
  lastError?: string;
  private lastReminder = 0;
  /** Whether the current outage was already reported; reset on every successful connect. */
  private warned = false;

  constructor(
    private readonly target: string,
    private readonly logger: Logger,
    private readonly reminderMs = 30_000,
    private readonly now: () => number = Date.now,
  ) {}

  connected(server: string | undefined, version: string | undefined): void {
    const was = this.state;
    this.set('connected');
    this.server = server;
    this.version = version;
    this.lastError = undefined;
    this.warned = false;
    this.logger.info({ drachtio: this.target, server, version, was }, 'connected to drachtio-server');
  }

  authFailed(): void {
    this.lastError = 'drachtio-server rejected the secret';
    if (this.state !== 'auth-failed') {
      this.set('auth-failed');
      this.warned = true;
      this.lastReminder = this.now();
      this.logger.error({ drachtio: this.target }, 'drachtio-server rejected the secret: check DRACHTIO_SECRET / drachtio.secret against <admin secret> in drachtio.conf.xml');
    } else {
      this.remind('still rejected by drachtio-server: wrong secret');
    }
  }

  failed(err: unknown): void {
    this.lastError = err instanceof Error ? err.message : String(err);
    if (this.state === 'connected' || !this.warned) {
      if (this.state === 'connected') this.set('disconnected');
      this.warn('cannot reach drachtio-server; retrying with back-off, HTTP keeps serving', err);
    } else {
      this.remind(`still waiting for drachtio-server (${this.lastError})`);
    }
  }

  closed(): void {
    if (this.state === 'connected') {
      this.set('disconnected');
      this.warn('connection to drachtio-server lost; reconnecting, HTTP keeps serving');
    }
  }

  /** What the service is waiting for, in words, or undefined when all is well. */
  waitingFor(): string | undefined {
    switch (this.state) {
      case 'connected': return undefined;
      case 'auth-failed': return `drachtio-server at ${this.target} to accept the secret`;
      default: return `drachtio-server at ${this.target}${this.lastError ? ` (${this.lastError})` : ''}`;
    }
  }

  private set(state: LinkState): void {
    if (state !== this.state) {
      this.state = state;
      this.since = new Date(this.now());
    }
  }

  private warn(message: string, err?: unknown): void {
    this.warned = true;
    this.lastReminder = this.now();
    this.logger.warn({ drachtio: this.target, ...(err !== undefined ? { err } : {}) }, message);
  }

  private remind(message: string): void {
    const t = this.now();
    if (t - this.lastReminder >= this.reminderMs) {
      this.lastReminder = t;
      this.logger.warn({ drachtio: this.target, since: this.since.toISOString() }, message);
    }
  }
}
