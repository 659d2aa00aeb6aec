import { createServer, type Server } from 'node:net';

/**
 * Asks the OS for `count` distinct free TCP ports on 127.0.0.1. All listeners stay open until every
 * port is known, so the OS cannot hand out the same port twice; there is still a small window
 * between closing them and the component binding, as with envtest.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      ports.push(
        await new Promise<number>((resolve, reject) => {
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => {
            const address = server.address();
            if (address === null || typeof address === 'string')
              reject(new Error('unexpected listen address'));
            else resolve(address.port);
          });
        }),
      );
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

/** One free TCP port on 127.0.0.1, with the same small window as freePorts. */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  if (port === undefined) throw new Error('the OS handed out no port');
  return port;
}
