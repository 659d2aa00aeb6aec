import { writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';

export const contextName = 'tenantry-local';

export interface KubeconfigParams {
  server: string;
  caCertPem: string;
  token: string;
  user: string;
}

export function renderKubeconfig(p: KubeconfigParams): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: contextName,
        cluster: {
          server: p.server,
          'certificate-authority-data': Buffer.from(p.caCertPem).toString('base64'),
        },
      },
    ],
    users: [{ name: p.user, user: { token: p.token } }],
    contexts: [{ name: contextName, context: { cluster: contextName, user: p.user } }],
    'current-context': contextName,
    preferences: {},
  });
}

export async function writeKubeconfig(path: string, p: KubeconfigParams): Promise<void> {
  // Carries a bearer token with cluster-admin rights.
  await writeFile(path, renderKubeconfig(p), { mode: 0o600 });
}
