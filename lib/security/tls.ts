/**
 * HTTPS for the provisioning routes: a certificate and key from files, reloaded when the files change (a renewed
 * certificate takes effect without a restart, for new connections), and optionally client certificates checked
 * against a CA bundle, such as the vendor's device CA that signs the certificate each phone carries from the factory.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { RequestListener } from 'node:http';
import path from 'node:path';
import type { PeerCertificate, SecureContextOptions, TLSSocket } from 'node:tls';
import type { Logger } from '../log/logger.js';
import { normalizeMac } from '../mac.js';

export interface TlsFiles {
  /** PEM certificate chain (server certificate first). */
  cert: string;
  /** PEM private key. */
  key: string;
  /** PEM bundle of CAs whose client certificates are accepted (asked for whenever this is set). */
  ca?: string;
  /** Refuse the TLS handshake without a client certificate signed by `ca`. Needs `ca`. */
  requireClientCert?: boolean;
}

export interface TlsServer {
  server: Server;
  /** Reads the files again and uses them for new connections; false (and the old ones kept) when they are unusable. */
  reload(): Promise<boolean>;
  /** Stops watching the files (the server itself is closed by its owner). */
  stopWatching(): void;
}

/** Checks the option combination; throws a TypeError naming the problem. */
export function checkTlsFiles(files: TlsFiles): void {
  if (typeof files.cert !== 'string' || files.cert === '' || typeof files.key !== 'string' || files.key === '') {
    throw new TypeError('tls needs both cert and key (paths of PEM files)');
  }
  if (files.requireClientCert && !files.ca) throw new TypeError('tls.requireClientCert needs tls.ca, the CA bundle client certificates are checked against');
}

async function readMaterial(files: TlsFiles): Promise<SecureContextOptions> {
  const [cert, key, ca] = await Promise.all([
    readFile(files.cert), readFile(files.key), files.ca ? readFile(files.ca) : Promise.resolve(undefined),
  ]);
  return { cert, key, ...(ca ? { ca } : {}) };
}

/**
 * An HTTPS server for `listener` (an express app), not yet listening. Throws when the files cannot be read or do
 * not form a usable certificate and key. With `watch` (default true) it reloads them on change, after a short
 * quiet period, so a certificate written in several steps is read once complete.
 */
export async function createTlsServer(listener: RequestListener, files: TlsFiles, logger: Logger, options: { watch?: boolean } = {}): Promise<TlsServer> {
  checkTlsFiles(files);
  let material: SecureContextOptions;
  try {
    material = await readMaterial(files);
  } catch (err) {
    throw new Error(`cannot read the TLS files: ${(err as Error).message}`);
  }
  const server = createServer({
    ...material,
    requestCert: files.ca !== undefined,
    rejectUnauthorized: files.requireClientCert === true,
    minVersion: 'TLSv1.2',
  }, listener);

  const reload = async (): Promise<boolean> => {
    try {
      const next = await readMaterial(files);
      server.setSecureContext({ ...next, minVersion: 'TLSv1.2' });
      logger.info({ cert: files.cert }, 'TLS certificate reloaded');
      return true;
    } catch (err) {
      logger.error({ cert: files.cert, err }, 'TLS files unusable; keeping the previous certificate');
      return false;
    }
  };

  const watchers: FSWatcher[] = [];
  let timer: NodeJS.Timeout | undefined;
  if (options.watch !== false) {
    const names = new Map<string, Set<string>>();
    for (const file of [files.cert, files.key, files.ca].filter((f): f is string => f !== undefined)) {
      const dir = path.dirname(path.resolve(file));
      const set = names.get(dir) ?? new Set<string>();
      set.add(path.basename(file));
      names.set(dir, set);
    }
    // The folder, not the file: renewals usually replace the file by a rename, which ends a watch on the file itself.
    for (const [dir, set] of names) {
      try {
        const watcher = watch(dir, (_event, name) => {
          if (name !== null && !set.has(name.toString())) return;
          clearTimeout(timer);
          timer = setTimeout(() => void reload(), 200);
        });
        watcher.on('error', () => undefined);
        watchers.push(watcher);
      } catch (err) {
        logger.warn({ dir, err }, 'cannot watch the TLS files; reload needs a restart');
      }
    }
  }
  return {
    server,
    reload,
    stopWatching() {
      clearTimeout(timer);
      for (const w of watchers) w.close();
    },
  };
}

/** The client certificate of a request's connection, when one was presented and verified against the CA bundle. */
export function verifiedClientCertificate(socket: unknown): PeerCertificate | undefined {
  const tls = socket as Partial<TLSSocket> | undefined;
  if (!tls || tls.encrypted !== true || tls.authorized !== true || typeof tls.getPeerCertificate !== 'function') return undefined;
  const cert = tls.getPeerCertificate();
  return cert && Object.keys(cert).length > 0 ? cert : undefined;
}

/** Six hex pairs with one separator throughout (`:`, `-` or none), not part of a longer hex run. */
const MAC_IN_TEXT = /(?<![0-9A-Fa-f])([0-9A-Fa-f]{2}([:-]?)[0-9A-Fa-f]{2}(?:\2[0-9A-Fa-f]{2}){4})(?![0-9A-Fa-f]|[:-][0-9A-Fa-f])/g;

/**
 * The MACs a device certificate names in its subject CN or subject alternative names (vendors put the MAC there,
 * in various notations). Empty when it names none, in which case nothing can be cross-checked.
 */
export function macsFromCertificate(cert: Pick<PeerCertificate, 'subject' | 'subjectaltname'>): string[] {
  const cn = cert.subject?.CN as string | string[] | undefined;
  const texts = [...(Array.isArray(cn) ? cn : cn ? [cn] : []), ...(cert.subjectaltname ? cert.subjectaltname.split(/,\s*/) : [])];
  const macs = new Set<string>();
  for (const text of texts) {
    for (const m of text.matchAll(MAC_IN_TEXT)) {
      const mac = m[1] ? normalizeMac(m[1]) : undefined;
      if (mac) macs.add(mac);
    }
  }
  return [...macs];
}
