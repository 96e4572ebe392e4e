/**
 * zod's validation issues in an operator's words. Values are never repeated, except an enum's rejected option
 * (never a secret): a message must be safe to log.
 */
import type { z } from 'zod';
import { YamlNumber } from './yaml-tree.js';

export interface FieldProblem {
  path: PropertyKey[];
  message: string;
}

type Issue = z.core.$ZodIssue;

const EXPECTED: Record<string, string> = {
  string: 'text', number: 'a number', int: 'a whole number', boolean: 'true or false', object: 'a mapping',
  record: 'a mapping', array: 'a list', map: 'a mapping',
};

/** Flattens issues (unions included) into problems with paths relative to the parsed value. */
export function describeIssues(issues: readonly Issue[], prefix: readonly PropertyKey[] = []): FieldProblem[] {
  return issues.flatMap((issue) => describe(issue, [...prefix, ...issue.path]));
}

function describe(issue: Issue, path: PropertyKey[]): FieldProblem[] {
  switch (issue.code) {
    case 'invalid_type': {
      if (issue.input === undefined) return [{ path, message: 'required' }];
      const hint = issue.expected === 'boolean' && typeof issue.input === 'string' ? ' (write true or false)'
        : issue.expected === 'string' && typeof issue.input === 'boolean' ? ' (put it in quotes)' : '';
      return [{ path, message: `expected ${EXPECTED[issue.expected] ?? issue.expected}, got ${kindOf(issue.input)}${hint}` }];
    }
    case 'invalid_value':
      return [{
        path,
        message: `${typeof issue.input === 'string' ? quote(issue.input) : kindOf(issue.input)} is not one of: ${issue.values.map(String).map((v) => (v.trim() === '' ? JSON.stringify(v) : v)).join(', ')}`,
      }];
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({ path: [...path, key], message: 'unknown key' }));
    case 'too_small':
      return [{ path, message: issue.origin === 'string' ? 'must not be empty'
        : issue.origin === 'array' ? `must have at least ${String(issue.minimum)} entr${issue.minimum === 1 ? 'y' : 'ies'}`
          : `must be at least ${String(issue.minimum)}` }];
    case 'too_big':
      return [{ path, message: issue.origin === 'array' ? `must have at most ${String(issue.maximum)} entries`
        : issue.origin === 'string' ? `must be at most ${String(issue.maximum)} characters`
          : `must be at most ${String(issue.maximum)}` }];
    case 'invalid_key':
      return [{ path, message: issue.issues[0]?.message ?? 'invalid key' }];
    case 'invalid_union':
      return describeUnion(issue, path);
    default:
      return [{ path, message: issue.message }];
  }
}

/**
 * A union fails as a whole. When the value has the shape of one alternative (a list for a list, a mapping for
 * a mapping), that alternative's problems are the useful ones; otherwise say which shapes would do.
 */
function describeUnion(issue: Extract<Issue, { code: 'invalid_union' }>, path: PropertyKey[]): FieldProblem[] {
  const isShapeMismatch = (branch: readonly Issue[]) =>
    branch.length === 1 && branch[0]?.code === 'invalid_type' && branch[0].path.length === 0;
  const relevant = issue.errors.find((branch) => !isShapeMismatch(branch));
  if (relevant) return describeIssues(relevant, path);
  const shapes = [...new Set(issue.errors.map((b) => {
    const first = b[0];
    return first?.code === 'invalid_type' ? EXPECTED[first.expected] ?? first.expected : 'something else';
  }))];
  const wanted = shapes.length > 1 ? `${shapes.slice(0, -1).join(', ')} or ${shapes.at(-1) ?? ''}` : shapes[0] ?? 'another value';
  return [{ path, message: `expected ${wanted}, got ${kindOf(issue.input)}` }];
}

function kindOf(v: unknown): string {
  if (v === null) return 'nothing';
  if (v instanceof YamlNumber || typeof v === 'number') return 'a number';
  if (typeof v === 'string') return 'text';
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return typeof v;
}

function quote(s: string): string {
  return JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);
}
