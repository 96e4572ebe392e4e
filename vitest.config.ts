import { defineConfig } from 'vitest/config';

// CI asks for a JSON report beside the usual output, to print the runner's own counts at the end.
const jsonReport = process.env.PNP_TEST_JSON;

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests open real sockets; keep the pool small for a 2-core machine.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 20_000,
    hookTimeout: 20_000,
    reporters: jsonReport ? ['default', 'json'] : ['default'],
    ...(jsonReport ? { outputFile: { json: jsonReport } } : {}),
  },
});
