/**
 * The one thing the two halves must agree on: the path under which the NOTIFY URL sends phones, and where the
 * provisioning route is actually mounted. When they differ, every phone gets a 404 and nothing else says why, so
 * the route checks at its first request under express (where `req.baseUrl` tells its mount path) and logs the
 * disagreement once, at error level.
 *
 * What the route compares with, most precise first: the mount path it was built for (`createPnp`'s `mountPath`);
 * else the paths of the roots the responders of this process send phones to (each pnpResponder announces its
 * `publicUrl` here); else the path of its own `publicUrl`, where a difference may be a reverse proxy's doing (warn).
 */
import type { IncomingMessage } from 'node:http';
import type { Logger } from '../log/logger.js';

/** URL paths of the roots the responders of this process put into NOTIFYs (no trailing slash; '' for the root). */
const announcedRoots = new Set<string>();
/** Responders are built once per application, but a test process builds hundreds: keep the newest few. */
const MAX_ANNOUNCED = 32;

/** Called by each responder with its base URL. */
export function announceNotifyRoot(base: string): void {
  const path = urlPath(base);
  if (path === undefined) return;
  announcedRoots.delete(path);
  announcedRoots.add(path);
  if (announcedRoots.size > MAX_ANNOUNCED) announcedRoots.delete(announcedRoots.values().next().value as string);
}

/** Forgets the announced roots (for tests). */
export function forgetAnnouncedRoots(): void {
  announcedRoots.clear();
}

export interface MountExpectation {
  /** The mount path the route was built for (`createPnp`): a difference is certain to break provisioning. */
  mountPath?: string;
  /** The route's own public URL, when given (without `mountPath`). */
  base?: string;
}

/** A check to call with every request; it does its work on the first one under express, then nothing. */
export function mountCheck(expected: MountExpectation, logger: Logger, factory: string): (req: IncomingMessage) => void {
  let done = false;
  return (req) => {
    if (done) return;
    const baseUrl: unknown = Reflect.get(req, 'baseUrl');
    if (typeof baseUrl !== 'string') return;
    done = true;
    const mounted = trimSlashes(baseUrl);
    const problem = mountProblem(expected, mounted);
    if (problem === undefined) return;
    const mountedAt = mounted === '' ? '/' : mounted;
    logger[problem.level]({ mountedAt, expected: problem.expected, factory },
      `${factory} is mounted at ${mountedAt} but ${problem.what}${problem.level === 'error' ? ': phones will get 404 for their settings' : ''}. ${problem.fix}`);
  };
}

interface MountProblem { level: 'error' | 'warn'; expected: string; what: string; fix: string }

function mountProblem(expected: MountExpectation, mounted: string): MountProblem | undefined {
  if (expected.mountPath !== undefined) {
    const path = trimSlashes(expected.mountPath);
    if (path === mounted) return undefined;
    return {
      level: 'error', expected: path || '/', what: `its NOTIFY URLs lead to ${path || '/'}`,
      fix: `Mount pnp.router with app.use(${JSON.stringify(path || '/')}, pnp.router), or build createPnp with mountPath: ${JSON.stringify(mounted || '/')}.`,
    };
  }
  if (announcedRoots.size > 0 && !announcedRoots.has(mounted)) {
    const roots = [...announcedRoots].map((r) => r || '/');
    return {
      level: 'error', expected: roots.join(', '), what: `the responder's NOTIFY URLs lead to ${roots.join(' or ')}`,
      fix: 'Give both halves the same root (createPnp does), or mount the route where the responder\'s publicUrl points.',
    };
  }
  const own = expected.base === undefined ? undefined : urlPath(expected.base);
  if (own !== undefined && own !== mounted) {
    return {
      level: 'warn', expected: own || '/', what: `its publicUrl names ${own || '/'} (fine only if a reverse proxy maps one to the other)`,
      fix: 'Give the route the public URL of the place it is mounted.',
    };
  }
  return undefined;
}

function urlPath(url: string): string | undefined {
  try {
    return trimSlashes(new URL(url).pathname);
  } catch {
    return undefined;
  }
}

function trimSlashes(path: string): string {
  return path.replace(/\/+$/, '');
}
