import { createSocket } from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ManagedProcess, removeOnExit } from '../../devcluster/process.ts';

const DNSMASQ = '/usr/sbin/dnsmasq';

/**
 * TXT records by name. Each entry is one record: a string, or its character-strings as an array
 * (a "multi-string" TXT record, as DNS consoles make for long values).
 */
export type TxtRecords = Record<string, Array<string | string[]>>;

export interface DnsmasqOptions {
  records?: TxtRecords;
  /** A records by name, for names that exist without a TXT record. */
  addresses?: Record<string, string>;
  /**
   * Zones answered only from the records above: a name under them without a record gets
   * NXDOMAIN (or NODATA if it exists with another type) instead of being forwarded. Names
   * outside every zone are REFUSED, as there is no upstream. Default `['test.example']`.
   */
  zones?: string[];
  /** UDP and TCP port on 127.0.0.1; default a free one. */
  port?: number;
}

export interface Dnsmasq {
  /** `127.0.0.1:PORT`, for Resolver.setServers / verifyDomain's `servers`. */
  server: string;
  port: number;
  /** Replaces the TXT records; resolves once the server answers with them. */
  setRecords(records: TxtRecords): Promise<void>;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 10_000;

/**
 * A real dnsmasq in the foreground on loopback. It is killed when the test process exits, also
 * by a signal (the control-plane harness's exit hook and watchdog).
 */
export async function startDnsmasq(opts: DnsmasqOptions = {}): Promise<Dnsmasq> {
  if (!existsSync(DNSMASQ)) {
    throw new Error(
      `${DNSMASQ} not found: run hack/setup-test-env.sh (npm test does; installs Debian's dnsmasq-base)`,
    );
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tenantry-dnsmasq-'));
  removeOnExit(dir);
  const zones = opts.zones ?? ['test.example'];
  const addresses = opts.addresses ?? {};
  let records = opts.records ?? {};
  let generation = 0;

  const launch = async (port: number): Promise<ManagedProcess> => {
    generation++;
    const conf = path.join(dir, `dnsmasq-${generation}.conf`);
    writeFileSync(conf, configFile(records, addresses));
    const proc = new ManagedProcess(
      'dnsmasq',
      DNSMASQ,
      [
        '--keep-in-foreground',
        `--conf-file=${conf}`,
        '--no-resolv',
        '--no-hosts',
        '--bind-interfaces',
        '--listen-address=127.0.0.1',
        `--port=${port}`,
        ...zones.map((z) => `--local=/${z}/`),
        // Nothing outside the temp dir: no pid file under /run, logs to stderr (the log file).
        '--pid-file=',
        '--log-facility=-',
        '--log-queries',
      ],
      path.join(dir, 'dnsmasq.log'),
    );
    try {
      await proc.waitUntil(`answering on port ${port}`, () => answers(port), READY_TIMEOUT_MS);
    } catch (err) {
      await proc.stop(1000);
      throw err;
    }
    return proc;
  };

  // A free port can be taken between the probe and dnsmasq's bind: try a few when we chose it.
  let port = opts.port ?? (await freeUdpTcpPort());
  let proc: ManagedProcess | undefined;
  for (let attempt = 1; proc === undefined; attempt++) {
    try {
      proc = await launch(port);
    } catch (err) {
      if (opts.port !== undefined || attempt >= 3) throw err;
      port = await freeUdpTcpPort();
    }
  }

  let current: ManagedProcess = proc;
  // setRecords and stop run one at a time, in call order.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = queue.then(fn);
    queue = next.catch(() => {});
    return next;
  };
  let stopped = false;

  return {
    server: `127.0.0.1:${port}`,
    port,
    // dnsmasq re-reads only /etc/hosts-style files on SIGHUP, not txt-record options, so new
    // records mean a new process on the same port.
    setRecords: (next) =>
      serial(async () => {
        if (stopped) throw new Error('dnsmasq was stopped');
        records = next;
        await current.stop();
        current = await launch(port);
      }),
    stop: () =>
      serial(async () => {
        stopped = true;
        await current.stop();
      }),
  };
}

/** The dnsmasq configuration for the records. */
function configFile(records: TxtRecords, addresses: Record<string, string>): string {
  const lines: string[] = [];
  for (const [name, values] of Object.entries(records)) {
    checkName(name);
    for (const value of values) {
      const strings = typeof value === 'string' ? [value] : value;
      lines.push(`txt-record=${name},${strings.map(quote).join(',')}`);
    }
  }
  for (const [name, address] of Object.entries(addresses)) {
    checkName(name);
    if (!/^[0-9.]+$|^[0-9a-f:]+$/i.test(address)) throw new Error(`not an IP address: ${address}`);
    lines.push(`host-record=${name},${address}`);
  }
  return `${lines.join('\n')}\n`;
}

function checkName(name: string): void {
  if (!/^[A-Za-z0-9_.-]+$/.test(name))
    throw new Error(`dnsmasq record names are DNS names: ${JSON.stringify(name)}`);
}

// dnsmasq's option parser understands \" and \\ inside double quotes; a newline would end the
// option, so it is refused rather than silently cut.
function quote(s: string): string {
  if (/[\r\n]/.test(s))
    throw new Error(`TXT strings for dnsmasq cannot hold line breaks: ${JSON.stringify(s)}`);
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** True once anything answers DNS on the port: any rcode counts, only silence or a closed port do not. */
async function answers(port: number): Promise<boolean> {
  const resolver = new Resolver({ timeout: 200, tries: 1, maxTimeout: 200 });
  resolver.setServers([`127.0.0.1:${port}`]);
  try {
    await resolver.resolveTxt('tenantry-probe.invalid');
    return true;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    return code !== 'ECONNREFUSED' && code !== 'ETIMEOUT';
  }
}

/** A port free for both UDP and TCP on 127.0.0.1 (DNS uses both). */
async function freeUdpTcpPort(): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const tcp = createServer();
    const port = await new Promise<number>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(0, '127.0.0.1', () => {
        const address = tcp.address();
        if (address === null || typeof address === 'string') reject(new Error('unexpected listen address'));
        else resolve(address.port);
      });
    });
    const udp = createSocket('udp4');
    const udpFree = await new Promise<boolean>((resolve) => {
      udp.once('error', () => resolve(false));
      udp.bind(port, '127.0.0.1', () => resolve(true));
    });
    await Promise.all([
      new Promise<void>((resolve) => tcp.close(() => resolve())),
      new Promise<void>((resolve) => {
        try {
          udp.close(() => resolve());
        } catch {
          resolve(); // never bound
        }
      }),
    ]);
    if (udpFree) return port;
  }
  throw new Error('no port free for both UDP and TCP on 127.0.0.1');
}
