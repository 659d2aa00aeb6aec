import http from 'node:http';
import type { Logger } from './log.ts';
import type { RuntimeMetrics } from './metrics.ts';

/** A server listening on a port, and how to stop it. */
export interface Listening {
  port: number;
  close(): Promise<void>;
}

export type ProbeServer = Listening;

/** Serves /healthz (the process is alive), /readyz (ready to do its work) and /metrics. */
export function startProbeServer(opts: {
  port: number;
  host?: string;
  metrics: RuntimeMetrics;
  ready: () => boolean;
  log: Logger;
}): Promise<ProbeServer> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const reply = (code: number, body: string, type = 'text/plain') => {
      res.writeHead(code, { 'Content-Type': type });
      res.end(body);
    };
    if (path === '/healthz') return reply(200, 'ok');
    if (path === '/readyz') return opts.ready() ? reply(200, 'ok') : reply(503, 'caches not synced');
    if (path === '/metrics') {
      opts.metrics.registry
        .metrics()
        .then((text) => reply(200, text, opts.metrics.registry.contentType))
        .catch((e: unknown) => reply(500, String(e)));
      return;
    }
    reply(404, 'not found');
  });
  return listen(server, opts.port, opts.host, (port) =>
    opts.log.info({ port }, 'serving /healthz, /readyz and /metrics'),
  );
}

/**
 * Starts `server` on `host:port` (port 0: any free one) and resolves with the port it got and
 * a close() that also drops open keep-alive connections, so a stop never hangs on a client.
 */
export function listen(
  server: http.Server,
  port: number,
  host: string | undefined,
  onListening: (port: number) => void,
): Promise<Listening> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host ?? '0.0.0.0', () => {
      const addr = server.address();
      const bound = typeof addr === 'object' && addr ? addr.port : port;
      onListening(bound);
      resolve({
        port: bound,
        close: () =>
          new Promise<void>((r) => {
            server.close(() => r());
            server.closeAllConnections();
          }),
      });
    });
  });
}
