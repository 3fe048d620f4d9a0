import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

export interface PinnedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A loopback stand-in for one vendor host that answers scripted replies in order and keeps every request
 * exactly as sent: pins a client's requests where a library uses its own HTTP dispatcher (jsforce's
 * undici agent) that nock cannot see. A request with no reply left gets a 599, failing the test.
 */
export async function pinServer(): Promise<{ url: string; requests: PinnedRequest[]; reply(status: number, body: unknown): void; pending(): number; close(): Promise<void> }> {
  const replies: Array<{ status: number; body: unknown }> = [];
  const requests: PinnedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const next = replies.shift() ?? { status: 599, body: [{ errorCode: 'UNEXPECTED_REQUEST', message: `${req.method} ${req.url}` }] };
      res.writeHead(next.status, { 'content-type': 'application/json' }).end(JSON.stringify(next.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    requests,
    reply: (status, body) => void replies.push({ status, body }),
    pending: () => replies.length,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
