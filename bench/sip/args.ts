/** `--name value` pairs of a bench child's command line. */
export function argMap(argv: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a.startsWith('--')) out.set(a.slice(2), argv[i + 1] ?? '');
  }
  return out;
}

export function hostPort(value: string, defaultPort: number): { host: string; port: number } {
  const m = /^(.*?)(?::(\d+))?$/.exec(value);
  return { host: m?.[1] || '127.0.0.1', port: m?.[2] ? Number(m[2]) : defaultPort };
}
