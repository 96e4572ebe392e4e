/** Small helpers for the plain objects the inventory builds. */

/** A copy without the keys whose value is `undefined`, so resolved devices carry only what was said. */
export function definedOnly<T extends object>(obj: T): T {
  // A loop, not fromEntries(entries().filter()): this runs several times per device of a 100,000-device file.
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(obj)) {
    const v = (obj as Record<string, unknown>)[key];
    if (v === undefined) continue;
    if (key === '__proto__') Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
    else out[key] = v;
  }
  return out as T;
}

/** Freezes a value and everything inside it (Maps excepted): loaded devices are shared by every request. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * Freezes a value and everything inside it, as deepFreeze, making equal strings one string on the way (`strings`
 * holds each text once): a structured clone gives every device its own copy of every string (the registrar, the
 * transport), while equal objects within one message stay one object. Cheap: no key per object, no garbage.
 */
export function freezeInterning<T>(value: T, strings: Map<string, string>): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const v = record[key];
    if (typeof v === 'string') {
      const seen = strings.get(v);
      if (seen === undefined) strings.set(v, v);
      else record[key] = seen;
    } else freezeInterning(v, strings);
  }
  return Object.freeze(value);
}

/**
 * Makes equal parts of many values one object (and equal strings one string): resolving gives every device its own
 * copy of everything its group, model and the defaults gave it (the same phonebook, keys and server names, 40,000
 * times; loadInventory shares them as it resolves). Pass each value through `share`
 * before it is frozen; it returns the value itself (or an equal one already seen), its parts replaced in place by
 * the first equal part seen. Only plain objects and arrays are merged; a value holding anything else (a Map, a
 * Date) is kept as it is. Frozen values are shared by every request and never changed, so sharing equal parts
 * changes nothing a reader can see. One pool per load: it holds a key per distinct part until it is dropped.
 */
export class SharedParts {
  /** Each distinct string once, with its number: parts' keys name strings by number, not by their text. */
  readonly #strings = new Map<string, { value: string; id: number }>();
  readonly #parts = new Map<string, object>();
  readonly #keys = new WeakMap<object, string>();
  #next = 0;

  share<T>(value: T): T {
    return this.#share(value) as T;
  }

  #share(value: unknown): unknown {
    if (typeof value === 'string') return this.#string(value).value;
    if (typeof value !== 'object' || value === null) return value;
    if (this.#keys.has(value)) return value;
    const proto: unknown = Object.getPrototypeOf(value);
    const isArray = Array.isArray(value);
    if (!isArray && proto !== Object.prototype && proto !== null) return value;
    const record = value as Record<string, unknown>;
    const frozen = Object.isFrozen(value);
    let key = isArray ? 'a' : proto === null ? 'n' : 'o';
    let mergeable = !frozen;
    for (const name of Object.keys(record)) {
      const child = record[name];
      const shared = this.#share(child);
      // An equal string is === to the one seen first but another copy in memory: keep the first (unless frozen).
      if (!frozen && (shared !== child || typeof shared === 'string')) record[name] = shared;
      else if (shared !== child) mergeable = false;
      const part = this.#keyOf(shared);
      if (part === undefined) mergeable = false;
      key += `${this.#string(name).id}:${part ?? ''},`;
    }
    if (!mergeable) return value;
    const seen = this.#parts.get(key);
    if (seen !== undefined) return seen;
    this.#parts.set(key, value);
    this.#keys.set(value, `#${this.#next++}`);
    return value;
  }

  #string(value: string): { value: string; id: number } {
    let seen = this.#strings.get(value);
    if (seen === undefined) {
      seen = { value, id: this.#strings.size };
      this.#strings.set(value, seen);
    }
    return seen;
  }

  /** How a shared child stands in its parent's key; undefined for one that cannot be merged. */
  #keyOf(value: unknown): string | undefined {
    switch (typeof value) {
      case 'string': return `s${this.#string(value).id}`;
      case 'number': return Object.is(value, -0) ? 'n-0' : `n${value}`;
      case 'boolean': return value ? 't' : 'f';
      case 'undefined': return 'u';
      case 'object': return value === null ? 'z' : this.#keys.get(value);
      default: return undefined;
    }
  }
}
