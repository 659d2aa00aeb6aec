import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import {
  ContainerConfigError,
  containerArgv,
  containerEnv,
  containerMounts,
  containerUser,
  expand,
  type ImageConfig,
} from './container-spec.ts';

const image: ImageConfig = {
  user: '65532:65532',
  entrypoint: ['/usr/local/bin/node', '/app/cmd/main.ts'],
  cmd: ['run'],
  env: ['PATH=/usr/local/bin:/usr/bin:/bin', 'HOME=/tmp'],
};
const pod = (spec: Partial<V1Pod['spec']> = {}): V1Pod => ({
  metadata: { name: 'p-1', namespace: 'ns', uid: 'u-1', labels: { app: 'x' } },
  spec: { containers: [], serviceAccountName: 'sa', nodeName: 'node-a', ...spec },
});
const facts = { podIp: '10.244.0.2', hostIp: '10.1.0.2', apiServer: { host: '169.254.77.1', port: 6443 } };
const none = async () => undefined;

describe('containerArgv', () => {
  it('follows Kubernetes: command replaces the entrypoint, args the cmd', () => {
    expect(containerArgv({ name: 'c' }, image, {})).toEqual([
      '/usr/local/bin/node',
      '/app/cmd/main.ts',
      'run',
    ]);
    expect(containerArgv({ name: 'c', args: ['validate'] }, image, {})).toEqual([
      '/usr/local/bin/node',
      '/app/cmd/main.ts',
      'validate',
    ]);
    expect(containerArgv({ name: 'c', command: ['/bin/sh'] }, image, {})).toEqual(['/bin/sh']);
  });

  it('expands $(VAR), keeps unknown names and $$ escapes', () => {
    expect(expand('--ns=$(NS) $(NOPE) $$(NS)', { NS: 'a' })).toBe('--ns=a $(NOPE) $(NS)');
  });

  it('refuses a container with nothing to run', () => {
    expect(() => containerArgv({ name: 'c' }, { ...image, entrypoint: [], cmd: [] }, {})).toThrow(
      ContainerConfigError,
    );
  });
});

describe('containerEnv', () => {
  it('layers the image, the service variables and the container env, with field refs', async () => {
    const c: V1Container = {
      name: 'c',
      env: [
        { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
        { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
        { name: 'HOME', value: '/home/$(POD_NAMESPACE)' },
      ],
    };
    const env = await containerEnv(pod(), c, image, facts, none);
    expect(env).toMatchObject({
      PATH: '/usr/local/bin:/usr/bin:/bin',
      HOME: '/home/ns',
      HOSTNAME: 'p-1',
      POD_NAMESPACE: 'ns',
      IP: '10.244.0.2',
      APP: 'x',
      KUBERNETES_SERVICE_HOST: '169.254.77.1',
      KUBERNETES_SERVICE_PORT: '6443',
    });
  });

  it('reads secret keys through the lookup and names a missing one', async () => {
    const c: V1Container = {
      name: 'c',
      env: [{ name: 'K', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }],
    };
    const env = await containerEnv(pod(), c, image, facts, async (kind, name, key) =>
      kind === 'Secret' && name === 's' && key === 'k' ? 'v' : undefined,
    );
    expect(env.K).toBe('v');
    await expect(containerEnv(pod(), c, image, facts, none)).rejects.toThrow('Secret s has no key k');
  });

  it('refuses a field path it cannot fill', async () => {
    const c: V1Container = {
      name: 'c',
      env: [{ name: 'X', valueFrom: { fieldRef: { fieldPath: 'status.podIPs' } } }],
    };
    await expect(containerEnv(pod(), c, image, facts, none)).rejects.toThrow('fieldRef status.podIPs');
  });
});

describe('containerUser', () => {
  it("takes the container's, then the pod's, then the image's user", () => {
    expect(containerUser(pod(), { name: 'c' }, image)).toEqual({ uid: 65532, gid: 65532 });
    expect(containerUser(pod({ securityContext: { runAsUser: 1000 } }), { name: 'c' }, image)).toEqual({
      uid: 1000,
      gid: 65532,
    });
    expect(
      containerUser(
        pod({ securityContext: { runAsUser: 1000 } }),
        { name: 'c', securityContext: { runAsUser: 7 } },
        image,
      ),
    ).toMatchObject({ uid: 7 });
  });

  it('refuses root under runAsNonRoot, as the kubelet does', () => {
    expect(() =>
      containerUser(pod({ securityContext: { runAsNonRoot: true } }), { name: 'c' }, { ...image, user: '' }),
    ).toThrow('runAsNonRoot');
  });
});

describe('containerMounts', () => {
  it('mounts emptyDirs and leaves the service account volume to the runtime', () => {
    const p = pod({
      volumes: [
        { name: 'tmp', emptyDir: {} },
        { name: 'kube-api-access', projected: { sources: [] } },
      ],
    });
    const c: V1Container = {
      name: 'c',
      volumeMounts: [
        { name: 'tmp', mountPath: '/tmp' },
        {
          name: 'kube-api-access',
          mountPath: '/var/run/secrets/kubernetes.io/serviceaccount',
          readOnly: true,
        },
      ],
    };
    expect(containerMounts(p, c)).toEqual([{ volume: 'tmp', mountPath: '/tmp', readOnly: false }]);
  });

  it('refuses volume kinds it cannot provide, naming them', () => {
    const p = pod({ volumes: [{ name: 'cfg', configMap: { name: 'x' } }] });
    expect(() =>
      containerMounts(p, { name: 'c', volumeMounts: [{ name: 'cfg', mountPath: '/etc/x' }] }),
    ).toThrow('volume cfg is not an emptyDir');
  });
});
