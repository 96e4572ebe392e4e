import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SERVE_IMAGE_ENV } from '../../bench/sip/sip-storm.js';

describe('the environment the bench gives serve', () => {
  it('is the one the container image sets for it', () => {
    const dockerfile = readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8');
    // The runtime stage: after the last FROM.
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    const env = new Map([...runtime.matchAll(/^ENV ([A-Z_]+)=(\S+)$/gm)].map((m) => [m[1], m[2]]));
    expect(env.get('MALLOC_ARENA_MAX')).toBe('2');
    for (const [key, value] of Object.entries(SERVE_IMAGE_ENV)) {
      expect(env.has(key), key).toBe(true);
      if (process.env[key] === undefined) expect(value, key).toBe(env.get(key));
    }
  });
});
