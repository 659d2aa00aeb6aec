import type { AnyObject } from '../runtime/kube/object.ts';
import { TENANT_API_PORT } from '../tenantapi/names.ts';
import { OPERATOR_NAME } from './rbac.ts';

/** How the operator runs: what `tenantry run` takes that an install profile tunes. */
export interface OperatorRunSettings {
  replicas: number;
  /** `repository@sha256:...`: a digest, so what was validated is what runs. */
  image: string;
  leaseDuration: string;
  renewDeadline: string;
  retryPeriod: string;
  resync: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  resources: { requests: { cpu: string; memory: string }; limits: { memory: string } };
}

/** The Service in front of the operator's probe port (/healthz, /readyz, /metrics). */
export const METRICS_SERVICE = 'tenantry-metrics';
export const PROBE_PORT = 8081;
/** The Lease the unsharded operator's leader holds (`tenantry run` without --shard). */
export const LEADER_LEASE = 'tenantry-leader';

const selectorLabels = {
  'app.kubernetes.io/name': OPERATOR_NAME,
  'app.kubernetes.io/instance': OPERATOR_NAME,
};

/**
 * What the operator serves besides its probes. The pack serves the tenant API with a serving
 * certificate the operator issues itself (it has nothing else to get one from); the chart
 * renders its own listeners from values (templates/deployment.yaml), so it passes none.
 */
export interface OperatorListeners {
  tenantApi?: 'self-signed';
}

/** The arguments of `tenantry run`; the log level is last, so a patch can replace it by index. */
export function operatorArgs(s: OperatorRunSettings, listeners: OperatorListeners = {}): string[] {
  return [
    'run',
    `--lease-duration=${s.leaseDuration}`,
    `--renew-deadline=${s.renewDeadline}`,
    `--retry-period=${s.retryPeriod}`,
    `--resync=${s.resync}`,
    ...(listeners.tenantApi ? [`--tenant-api-address=:${TENANT_API_PORT}`, '--tenant-api-self-signed'] : []),
    `--log-level=${s.logLevel}`,
  ];
}

/**
 * The operator's Deployment, as the chart's templates/deployment.yaml renders it with the
 * optional listeners off (the pack's drift test compares the two): non-root, read-only root
 * filesystem, no capabilities, probes on the metrics port.
 */
export function operatorDeployment(
  namespace: string,
  s: OperatorRunSettings,
  listeners: OperatorListeners = {},
): AnyObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: OPERATOR_NAME, namespace, labels: { ...selectorLabels } },
    spec: {
      replicas: s.replicas,
      selector: { matchLabels: { ...selectorLabels } },
      template: {
        metadata: { labels: { ...selectorLabels } },
        spec: {
          serviceAccountName: OPERATOR_NAME,
          securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: 'operator',
              image: s.image,
              imagePullPolicy: 'IfNotPresent',
              args: operatorArgs(s, listeners),
              env: [
                { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                // The DistributionBundle controller runs the validation suite in this pod's
                // own image, read from the Pod (a mirrored image included).
                { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                { name: 'TENANTRY_FEATURES', value: '' },
              ],
              ports: [
                { name: 'probes', containerPort: PROBE_PORT },
                ...(listeners.tenantApi ? [{ name: 'tenant-api', containerPort: TENANT_API_PORT }] : []),
              ],
              livenessProbe: { httpGet: { path: '/healthz', port: 'probes' } },
              readinessProbe: { httpGet: { path: '/readyz', port: 'probes' } },
              resources: s.resources,
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
              },
            },
          ],
        },
      },
    },
  };
}

/** The Service Prometheus scrapes (job="tenantry-metrics", which the alerts select on). */
export function metricsService(namespace: string): AnyObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: METRICS_SERVICE, namespace, labels: { 'app.kubernetes.io/name': OPERATOR_NAME } },
    spec: {
      selector: { ...selectorLabels },
      ports: [{ name: 'metrics', port: PROBE_PORT, targetPort: 'probes' }],
    },
  };
}

/** The Prometheus Operator's ServiceMonitor of the metrics Service. */
export function serviceMonitor(namespace: string, interval = '30s'): AnyObject {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    metadata: { name: OPERATOR_NAME, namespace },
    spec: {
      selector: { matchLabels: { 'app.kubernetes.io/name': OPERATOR_NAME } },
      endpoints: [{ port: 'metrics', interval }],
    },
  };
}
