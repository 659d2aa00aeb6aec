// Fixtures of the tenant API's unit tests.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { KubeClient } from '../runtime/kube/client.ts';
import type { ConfigMap } from '../runtime/kube/core.ts';
import { localClient } from '../runtime/testing/local-client.ts';

/** A throwaway self-signed CA (no key kept), as kube-system/extension-apiserver-authentication carries one. */
export const FIXTURE_CA = readFileSync(new URL('./testdata/front-proxy-ca.pem', import.meta.url), 'utf8');
export const FIXTURE_CA_FINGERPRINT =
  '3F:DC:3B:3E:E5:A6:43:BE:CA:8D:9B:7B:64:7E:02:3C:20:08:1F:CF:09:29:1A:94:0C:5E:CB:A0:90:5B:5F:74';

/** The ConfigMap's data as kube-apiserver writes it with the usual front-proxy flags. */
export const AUTHENTICATION_DATA = {
  'client-ca-file': 'not read',
  'requestheader-client-ca-file': FIXTURE_CA,
  'requestheader-allowed-names': '["front-proxy-client"]',
  'requestheader-username-headers': '["X-Remote-User"]',
  'requestheader-group-headers': '["X-Remote-Group"]',
  'requestheader-extra-headers-prefix': '["X-Remote-Extra-"]',
};

/** Just enough of the Kubernetes API for the handlers: Tenants by name and ConfigMaps. */
export interface FakeKubeApi {
  client: KubeClient;
  configMaps: Map<string, ConfigMap>;
  /** Method and path of every write, in order. */
  writes: string[];
  close(): void;
}

function matches(selector: string, labels: Record<string, string> = {}): boolean {
  return selector
    .split(',')
    .filter(Boolean)
    .every((term) => {
      const [key = '', value] = term.split('=');
      return value === undefined ? key in labels : labels[key] === value;
    });
}

/** What else the fake cluster has: its kube-system uid and DistributionBundles (name → spec). */
export interface FakeCluster {
  kubeSystemUid?: string;
  distributionBundles?: Record<string, unknown>;
}

export async function fakeKubeApi(tenants: string[], cluster: FakeCluster = {}): Promise<FakeKubeApi> {
  const configMaps = new Map<string, ConfigMap>();
  const writes: string[] = [];
  let version = 1;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const send = (code: number, body: unknown) => {
      res.writeHead(code, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const status = (code: number, reason: string) =>
      send(code, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, code, message: reason });
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const tenant = /^\/apis\/tenantry\.dev\/v1alpha1\/tenants\/([^/]+)$/.exec(url.pathname)?.[1];
      if (tenant)
        return tenants.includes(tenant) ? send(200, { metadata: { name: tenant } }) : status(404, 'NotFound');
      if (url.pathname === '/apis/tenantry.dev/v1alpha1/entitlements') return send(200, { items: [] });
      if (url.pathname === '/api/v1/namespaces/kube-system' && cluster.kubeSystemUid)
        return send(200, { metadata: { name: 'kube-system', uid: cluster.kubeSystemUid } });
      const bundle = /^\/apis\/tenantry\.dev\/v1alpha1\/distributionbundles\/([^/]+)$/.exec(
        url.pathname,
      )?.[1];
      const spec = bundle === undefined ? undefined : cluster.distributionBundles?.[bundle];
      if (bundle) return spec ? send(200, { metadata: { name: bundle }, spec }) : status(404, 'NotFound');
      const m = /^\/api\/v1\/namespaces\/([^/]+)\/configmaps(?:\/([^/]+))?$/.exec(url.pathname);
      if (!m) return status(404, 'NotFound');
      const [, ns, name] = m;
      const key = (n: string | undefined) => `${ns}/${n}`;
      if (req.method === 'GET' && name) {
        const cm = configMaps.get(key(name));
        return cm ? send(200, cm) : status(404, 'NotFound');
      }
      if (req.method === 'GET') {
        const selector = url.searchParams.get('labelSelector') ?? '';
        const items = [...configMaps.values()].filter(
          (c) => c.metadata.namespace === ns && matches(selector, c.metadata.labels),
        );
        return send(200, { items });
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ConfigMap;
      writes.push(`${req.method} ${url.pathname}`);
      const existing = configMaps.get(key(body.metadata.name));
      if (req.method === 'POST' && existing) return status(409, 'AlreadyExists');
      if (req.method === 'PUT' && existing?.metadata.resourceVersion !== body.metadata.resourceVersion)
        return status(409, 'Conflict');
      const stored = { ...body, metadata: { ...body.metadata, resourceVersion: String(version++) } };
      configMaps.set(key(body.metadata.name), stored);
      return send(req.method === 'POST' ? 201 : 200, stored);
    });
  });
  const client = await localClient(server);
  return {
    client,
    configMaps,
    writes,
    close: () => {
      client.close();
      server.close();
      server.closeAllConnections();
    },
  };
}
