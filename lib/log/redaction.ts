/**
 * Redaction of secrets in log objects, compiled once from a list of paths (`password`, `*.token`,
 * `accounts[*].password`: a segment is a property name, `*` any property or array index, `name[*]` every element
 * of the array `name`). pino's own `redact` option re-reads its paths and clones on every property of every line
 * once a path starts with `*`, which made it the dearest part of a log line; here the paths become a small
 * automaton over property names, so a line without secrets costs one map lookup per property and allocates
 * nothing, and a line with secrets gets copies of just the objects on the way to them. The logged objects
 * themselves are never changed.
 */

/** Where the walk stands: which properties are secrets here, and where each property leads. */
interface State {
  /** Properties whose values are replaced. */
  readonly censor: ReadonlySet<string>;
  /** Every property's value is replaced (a path ending in `*`). */
  readonly censorAll: boolean;
  /** The state for a property named by some path at this point. */
  readonly named: ReadonlyMap<string, State>;
  /** The state for any other property (through a `*`); `undefined` when no path goes on from here. */
  readonly other: State | undefined;
}

/** Replaces the values at `paths` in log objects with `censor`. Throws a TypeError on a path it cannot read. */
export function compileRedaction(paths: readonly string[], censor: string): <T>(value: T) => T {
  const segments = paths.map(parsePath);
  const states = new Map<string, State>();
  /**
   * A state is a set of positions (path index, segment index). Every step moves each position on by one segment,
   * so the states form a tree of at most the longest path's depth; each distinct set is built once.
   */
  const stateFor = (positions: ReadonlyArray<readonly [number, number]>): State | undefined => {
    if (positions.length === 0) return undefined;
    const id = positions.map(([p, i]) => `${p}.${i}`).sort().join(' ');
    const known = states.get(id);
    if (known) return known;
    /** Positions moved past a property that `matches` their segment; `done` when a whole path matched. */
    const advance = (matches: (segment: string) => boolean): { done: boolean; next: Array<readonly [number, number]> } => {
      let done = false;
      const next: Array<readonly [number, number]> = [];
      for (const [p, i] of positions) {
        const path = segments[p] ?? [];
        if (!matches(path[i] ?? '')) continue;
        if (i + 1 === path.length) done = true;
        else next.push([p, i + 1]);
      }
      return { done, next };
    };
    const censorKeys = new Set<string>();
    const named = new Map<string, State>();
    const names = new Set(positions.map(([p, i]) => segments[p]?.[i] ?? '*').filter((s) => s !== '*'));
    for (const name of names) {
      const { done, next } = advance((s) => s === name || s === '*');
      if (done) censorKeys.add(name);
      const target = stateFor(next);
      if (target) named.set(name, target);
    }
    const wildcard = advance((s) => s === '*');
    const state: State = { censor: censorKeys, censorAll: wildcard.done, named, other: stateFor(wildcard.next) };
    states.set(id, state);
    return state;
  };
  const root = stateFor(segments.map((_, p) => [p, 0] as const));

  const walk = (value: object, state: State): object => {
    let copy: Record<string, unknown> | unknown[] | undefined;
    const source = value as Record<string, unknown>;
    for (const key in source) {
      if (!Object.hasOwn(source, key)) continue;
      const v = source[key];
      let replaced: unknown = v;
      if (state.censorAll || state.censor.has(key)) {
        if (v !== undefined) replaced = censor;
      } else if (typeof v === 'object' && v !== null && !ArrayBuffer.isView(v)) {
        const next = state.named.get(key) ?? state.other;
        if (next) replaced = walk(v, next);
      }
      if (replaced !== v) {
        copy ??= copyOf(value);
        (copy as Record<string, unknown>)[key] = replaced;
      }
    }
    return copy ?? value;
  };
  return <T>(value: T): T => (root && typeof value === 'object' && value !== null ? walk(value, root) as T : value);
}

/** A shallow copy that keeps what makes the value what it is (an array stays an array, an error its message). */
function copyOf(value: object): Record<string, unknown> | unknown[] {
  if (Array.isArray(value)) return [...value] as unknown[];
  const copy = Object.assign(Object.create(Object.getPrototypeOf(value) as object | null) as Record<string, unknown>, value);
  if (value instanceof Error) {
    // Not enumerable, so not copied above; pino's error serializer reads them.
    for (const key of ['name', 'message', 'stack'] as const) {
      Object.defineProperty(copy, key, { value: value[key], writable: true, configurable: true, enumerable: false });
    }
  }
  return copy;
}

/** `accounts[*].password` -> `['accounts', '*', 'password']`. */
function parsePath(path: string): string[] {
  const out: string[] = [];
  for (const part of path.split('.')) {
    const m = /^([^[\]*]+|\*)(\[\*\])?$/.exec(part);
    if (!m?.[1]) throw new TypeError(`unsupported redaction path ${JSON.stringify(path)}`);
    out.push(m[1]);
    if (m[2]) out.push('*');
  }
  return out;
}
