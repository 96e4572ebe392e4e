/**
 * HTTP(S) requests for tests where fetch falls short: from a chosen loopback source address (127.x.y.z), with a CA
 * and client certificate for TLS, and with every repeated header kept apart. No keep-alive: one connection per
 * request, bounded by a timeout.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  /** Source address of the connection, e.g. `127.0.0.7`. */
  localAddress?: string;
  /** TLS: CA to trust, and a client certificate and key to present. */
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  /** Host name checked against the server certificate; default the URL's. */
  servername?: string;
  timeoutMs?: number;
}

export interface PlainResponse {
  status: number;
  /** Lower-case header names; repeated headers as separate values. */
  headers: Record<string, string[]>;
  body: string;
  header(name: string): string | undefined;
}

export function request(url: string, options: RequestOptions = {}): Promise<PlainResponse> {
  const u = new URL(url);
  const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(u, {
      method: options.method ?? 'GET',
      headers: { connection: 'close', ...options.headers },
      agent: false,
      ...(options.localAddress ? { localAddress: options.localAddress } : {}),
      ...(options.ca ? { ca: options.ca } : {}),
      ...(options.cert ? { cert: options.cert } : {}),
      ...(options.key ? { key: options.key } : {}),
      ...(options.servername ? { servername: options.servername } : {}),
      timeout: options.timeoutMs ?? 5000,
    }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const headers: Record<string, string[]> = {};
        for (const [name, values] of Object.entries(res.headersDistinct)) if (values) headers[name] = values;
        resolve({
          status: res.statusCode ?? 0,
          headers,
          body: Buffer.concat(chunks).toString('utf8'),
          header: (name) => headers[name.toLowerCase()]?.join(', '),
        });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`request to ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** A fetch-shaped function over {@link request}, for clients written against fetch (the Snom phone client). */
export function fetchVia(options: Omit<RequestOptions, 'headers' | 'method'>): (url: string, init?: { headers?: Record<string, string>; method?: string }) => Promise<Response> {
  return async (url, init = {}) => {
    const res = await request(url, { ...options, ...(init.headers ? { headers: init.headers } : {}), ...(init.method ? { method: init.method } : {}) });
    const headers = new Headers();
    for (const [name, values] of Object.entries(res.headers)) for (const v of values) headers.append(name, v);
    const nullBody = res.status === 204 || res.status === 304 || init.method === 'HEAD';
    return new Response(nullBody ? null : res.body, { status: res.status, headers });
  };
}
