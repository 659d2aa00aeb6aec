import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { connect, createServer, isIPv6, type Server, type Socket } from 'node:net';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * The address pods reach this machine at: on the host's loopback interface (kernels without
 * the dummy link type have that one), the next hop of every pod's default route and where the
 * node's proxy for the `kubernetes` Service listens. Link-local, so it clashes with no network
 * the machine is on; the API server's serving certificate names it (devcluster/pki.ts), as a
 * real one names the Service's ClusterIP.
 */
export const POD_GATEWAY = '169.254.77.1';

async function ip(...args: string[]): Promise<string> {
  const { stdout } = await run('ip', args);
  return stdout;
}

/** Puts the gateway address on the host unless it is there (left in place: harmless, and shared by runtimes). */
export async function ensureGateway(): Promise<void> {
  const addrs = await ip('-o', 'addr', 'show', 'dev', 'lo');
  if (addrs.includes(`${POD_GATEWAY}/32`)) return;
  await ip('addr', 'add', `${POD_GATEWAY}/32`, 'dev', 'lo').catch((e) => {
    if (!String(e.stderr).includes('File exists')) throw e;
  });
}

/**
 * One pod's network namespace, wired to the host by a veth pair: the pod has its IP (a /32)
 * and a default route through the gateway; the host has a route to that IP, so the API server
 * (service proxy, probes) reaches the pod's ports like on a routed CNI.
 */
export class PodNetwork {
  readonly namespace: string;
  readonly podIp: string;
  private readonly hostLink: string;

  constructor(id: string, podIp: string) {
    this.namespace = `tenantry-${id}`;
    this.hostLink = `tv${id}`.slice(0, 15);
    this.podIp = podIp;
  }

  async create(): Promise<void> {
    await this.destroy();
    await ip('netns', 'add', this.namespace);
    const inPod = (...args: string[]) => ip('-n', this.namespace, ...args);
    await ip('link', 'add', this.hostLink, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', this.namespace);
    await ip('link', 'set', this.hostLink, 'up');
    // replace, not add: a namespace left by a runtime that died holds the same IP's route.
    await ip('route', 'replace', `${this.podIp}/32`, 'dev', this.hostLink, 'src', POD_GATEWAY);
    await inPod('link', 'set', 'lo', 'up');
    await inPod('addr', 'add', `${this.podIp}/32`, 'dev', 'eth0');
    await inPod('link', 'set', 'eth0', 'up');
    await inPod('route', 'add', POD_GATEWAY, 'dev', 'eth0', 'scope', 'link');
    await inPod('route', 'add', 'default', 'via', POD_GATEWAY, 'dev', 'eth0');
  }

  /** Removing the namespace removes its end of the pair and so the host's end and route. */
  async destroy(): Promise<void> {
    await ip('netns', 'del', this.namespace).catch(() => {});
    await ip('link', 'del', this.hostLink).catch(() => {});
  }
}

/**
 * What kube-proxy does for the `kubernetes` Service: a TCP listener on the gateway that pipes
 * each connection to the API server (which listens on loopback only, out of the pods' reach).
 */
export async function startApiServerProxy(target: {
  host: string;
  port: number;
}): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, POD_GATEWAY, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The first nameserver of this machine's resolv.conf (the node's resolver). */
export function hostNameserver(resolvConf: string): string | undefined {
  return /^\s*nameserver\s+(\S+)/m.exec(resolvConf)?.[1];
}

/**
 * What NodeLocal DNSCache does for a cluster's pods, without the cache: a DNS listener on
 * the gateway (UDP port 53) relaying each query to the node's own resolver and the answer
 * back, so pods resolve names as the node does. One per machine: when another runtime holds
 * the port, its relay serves these pods too.
 */
export async function startDnsRelay(upstream: string): Promise<{ close(): Promise<void> }> {
  const server = createSocket('udp4');
  const bound = await new Promise<boolean>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      e.code === 'EADDRINUSE' ? resolve(false) : reject(e),
    );
    server.bind(53, POD_GATEWAY, () => resolve(true));
  });
  if (!bound) return { close: async () => {} };
  server.on('message', (query, from) => {
    const out = createSocket(isIPv6(upstream) ? 'udp6' : 'udp4');
    const done = () => out.close();
    const timer = setTimeout(done, 5000);
    out.once('message', (answer) => {
      clearTimeout(timer);
      server.send(answer, from.port, from.address, done);
    });
    out.once('error', () => {
      clearTimeout(timer);
      done();
    });
    out.send(query, 53, upstream);
  });
  return { close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
