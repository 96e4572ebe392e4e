/**
 * Narrowing helpers for objects that come from untyped JavaScript (drachtio-srf): read a property or call a
 * method of an `unknown` without pretending to know its type.
 */

export type Callable = (...args: unknown[]) => unknown;

/** Objects and functions carry properties (drachtio-srf's app is a function with properties). */
function hasProperties(obj: unknown): obj is object {
  return (typeof obj === 'object' && obj !== null) || typeof obj === 'function';
}

/** The function `obj[name]`, if it is one. */
export function methodOf(obj: unknown, name: string): Callable | undefined {
  if (!hasProperties(obj)) return undefined;
  const fn: unknown = Reflect.get(obj, name);
  return typeof fn === 'function' ? (fn as Callable) : undefined;
}

/** Calls `obj[name](...args)`; throws a TypeError if there is no such method. */
export function callMethod(obj: unknown, name: string, ...args: unknown[]): unknown {
  const fn = methodOf(obj, name);
  if (!fn) throw new TypeError(`object has no ${name}() method`);
  return fn.apply(obj, args);
}

/** `obj[name]`, or `undefined` when `obj` is neither an object nor a function. */
export function propOf(obj: unknown, name: string): unknown {
  return hasProperties(obj) ? Reflect.get(obj, name) : undefined;
}

/** An Error for whatever was thrown or passed as an error (drachtio-srf sometimes passes plain strings). */
export function toError(value: unknown, fallback: string): Error {
  if (value instanceof Error) return value;
  return new Error(typeof value === 'string' && value !== '' ? value : fallback);
}
