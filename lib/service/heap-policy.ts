import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the heap of `drachtio-pnp serve` grow past what is alive, in percent of the live heap. V8 sizes
 * the old generation after each full collection at up to 4x the live heap when collections are cheap, and a boot
 * storm's per-exchange state (tokens, device records, retransmission keys) is promoted and dies there; with the
 * bench's 40,000-device inventory that let RSS climb to 300-580 MB around a live heap under 100 MB
 * (docs/real-drachtio.md). Capping the growth makes full collections come sooner, for a little CPU.
 */
export const SERVE_HEAP_GROWING_PERCENT = 100;

const FLAG = 'heap-growing-percent';

/**
 * The V8 flag `serve` sets at start, or `undefined` when the operator chose one (in node's arguments or
 * NODE_OPTIONS, either spelling): theirs stands.
 */
export function heapPolicyFlag(execArgv: readonly string[], nodeOptions: string | undefined): string | undefined {
  const chosen = [...execArgv, ...(nodeOptions ?? '').split(/\s+/)]
    .some((arg) => arg.replaceAll('_', '-').startsWith(`--${FLAG}`));
  return chosen ? undefined : `--${FLAG}=${SERVE_HEAP_GROWING_PERCENT}`;
}

/** Applies the policy to this process (the service's own; a plugin never changes its host's V8). */
export function applyHeapPolicy(proc: Pick<NodeJS.Process, 'execArgv' | 'env'> = process): string | undefined {
  const flag = heapPolicyFlag(proc.execArgv, proc.env['NODE_OPTIONS']);
  if (flag !== undefined) setFlagsFromString(flag);
  return flag;
}
