import type { V1Container, V1EnvVar, V1Pod } from '@kubernetes/client-node';

/** What a container takes from its image's config (OCI image config `config`). */
export interface ImageConfig {
  user: string;
  entrypoint: string[];
  cmd: string[];
  /** KEY=value lines. */
  env: string[];
}

/** A reason the container cannot be created from this pod spec: the kubelet's CreateContainerConfigError. */
export class ContainerConfigError extends Error {}

/**
 * The command line the kubelet would run: `command` replaces the image's entrypoint, `args`
 * its cmd, and `$(VAR)` names an environment variable (`$$(` stays literal), as in Kubernetes.
 */
export function containerArgv(c: V1Container, image: ImageConfig, env: Record<string, string>): string[] {
  const argv = c.command?.length
    ? [...c.command, ...(c.args ?? [])]
    : [...image.entrypoint, ...(c.args?.length ? c.args : image.cmd)];
  if (argv.length === 0)
    throw new ContainerConfigError(`container ${c.name}: no command, and the image has none`);
  return argv.map((a) => expand(a, env));
}

/** Kubernetes' `$(VAR)` expansion: defined names are replaced, undefined ones left as written. */
export function expand(text: string, env: Record<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name: string | undefined) => {
    if (m === '$$') return '$';
    return name !== undefined && name in env ? (env[name] as string) : m;
  });
}

export interface PodFacts {
  podIp: string;
  hostIp: string;
  /** Where the pod reaches the API server (the `kubernetes` Service, here the node's proxy). */
  apiServer: { host: string; port: number };
}

/** Looks up a key of a Secret or ConfigMap in the pod's namespace (undefined: no such key). */
export type KeyLookup = (
  kind: 'Secret' | 'ConfigMap',
  name: string,
  key: string,
) => Promise<string | undefined>;

/**
 * The container's environment: the image's, then the kubelet's service variables and
 * HOSTNAME, then the container's own `env` in order (each may refer to earlier ones).
 */
export async function containerEnv(
  pod: V1Pod,
  c: V1Container,
  image: ImageConfig,
  facts: PodFacts,
  lookup: KeyLookup,
): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  for (const line of image.env) {
    const at = line.indexOf('=');
    if (at > 0) env[line.slice(0, at)] = line.slice(at + 1);
  }
  env.HOSTNAME = pod.metadata?.name ?? '';
  env.KUBERNETES_SERVICE_HOST = facts.apiServer.host;
  env.KUBERNETES_SERVICE_PORT = String(facts.apiServer.port);
  env.KUBERNETES_SERVICE_PORT_HTTPS = String(facts.apiServer.port);
  for (const v of c.env ?? []) env[v.name] = await envValue(pod, c, v, facts, lookup, env);
  return env;
}

async function envValue(
  pod: V1Pod,
  c: V1Container,
  v: V1EnvVar,
  facts: PodFacts,
  lookup: KeyLookup,
  env: Record<string, string>,
): Promise<string> {
  if (!v.valueFrom) return expand(v.value ?? '', env);
  const where = `container ${c.name} env ${v.name}`;
  const { fieldRef, secretKeyRef, configMapKeyRef } = v.valueFrom;
  if (fieldRef) return fieldValue(pod, fieldRef.fieldPath, facts, where);
  const ref = secretKeyRef ?? configMapKeyRef;
  if (ref) {
    const kind = secretKeyRef ? 'Secret' : 'ConfigMap';
    const value = await lookup(kind, ref.name ?? '', ref.key);
    if (value !== undefined) return value;
    if (ref.optional) return '';
    throw new ContainerConfigError(`${where}: ${kind} ${ref.name} has no key ${ref.key}`);
  }
  throw new ContainerConfigError(
    `${where}: this node supports value, fieldRef, secretKeyRef and configMapKeyRef only`,
  );
}

function fieldValue(pod: V1Pod, path: string, facts: PodFacts, where: string): string {
  const meta = pod.metadata ?? {};
  const keyed = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (keyed) return (keyed[1] === 'labels' ? meta.labels : meta.annotations)?.[keyed[2] as string] ?? '';
  const fields: Record<string, string | undefined> = {
    'metadata.name': meta.name,
    'metadata.namespace': meta.namespace,
    'metadata.uid': meta.uid,
    'spec.nodeName': pod.spec?.nodeName,
    'spec.serviceAccountName': pod.spec?.serviceAccountName,
    'status.podIP': facts.podIp,
    'status.hostIP': facts.hostIp,
  };
  if (!(path in fields)) throw new ContainerConfigError(`${where}: fieldRef ${path} is not supported here`);
  return fields[path] ?? '';
}

/**
 * The uid and gid the process runs as: the container's securityContext, then the pod's, then
 * the image's numeric USER. runAsNonRoot with uid 0 is refused, as the kubelet refuses it.
 */
export function containerUser(pod: V1Pod, c: V1Container, image: ImageConfig): { uid: number; gid: number } {
  const own = c.securityContext ?? {};
  const podSc = pod.spec?.securityContext ?? {};
  const [imageUid, imageGid] = image.user.split(':');
  const numeric = (s: string | undefined) => (s !== undefined && /^\d+$/.test(s) ? Number(s) : undefined);
  const uid = own.runAsUser ?? podSc.runAsUser ?? numeric(imageUid || '0');
  if (uid === undefined)
    throw new ContainerConfigError(
      `container ${c.name}: image user "${image.user}" is not numeric; set runAsUser`,
    );
  const gid = own.runAsGroup ?? podSc.runAsGroup ?? numeric(imageGid) ?? uid;
  if ((own.runAsNonRoot ?? podSc.runAsNonRoot) && uid === 0)
    throw new ContainerConfigError(`container ${c.name} has runAsNonRoot and image will run as root`);
  return { uid, gid };
}

/** A volume mount this node can provide: emptyDir volumes (a directory of the pod's). */
export interface MountPlan {
  volume: string;
  mountPath: string;
  readOnly: boolean;
}

export function containerMounts(pod: V1Pod, c: V1Container): MountPlan[] {
  const volumes = new Map((pod.spec?.volumes ?? []).map((v) => [v.name, v]));
  return (c.volumeMounts ?? [])
    .filter((m) => m.mountPath !== SERVICE_ACCOUNT_DIR)
    .map((m) => {
      const v = volumes.get(m.name);
      if (!v) throw new ContainerConfigError(`container ${c.name}: volumeMount ${m.name} names no volume`);
      if (!v.emptyDir)
        throw new ContainerConfigError(
          `container ${c.name}: volume ${m.name} is not an emptyDir, the only kind this node mounts`,
        );
      if (m.subPath)
        throw new ContainerConfigError(`container ${c.name}: volumeMount ${m.name} subPath is not supported`);
      return { volume: m.name, mountPath: m.mountPath, readOnly: !!m.readOnly };
    });
}

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** The pod gets a service account token unless it or its ServiceAccount opts out (we see only the pod's field). */
export function mountsServiceAccountToken(pod: V1Pod): boolean {
  return pod.spec?.automountServiceAccountToken !== false;
}
