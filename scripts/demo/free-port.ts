import { createServer } from 'node:net';

/** `preferred` when it is free, else any free port. */
export function freePort(preferred = 0): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(freePort(0)));
    s.listen(preferred, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
