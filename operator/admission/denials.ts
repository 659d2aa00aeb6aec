/**
 * Admission denials, read from the API server's audit events. The API server decides on
 * Tenantry's ValidatingAdmissionPolicies by itself; the only record of a refusal is the audit
 * event of the request, which carries the failure when the binding's validationActions
 * include `Audit`. Tenantry receives those events (an audit webhook backend) and turns each
 * denial by one of its policies into a Kubernetes Event and a metric.
 */

/** Validation actions of every Tenantry binding: refuse, and put the failure in the audit event. */
export const DENY_AND_AUDIT: readonly string[] = ['Deny', 'Audit'];

/** The audit annotation the API server writes for a failed validation with the Audit action. */
export const VALIDATION_FAILURE = 'validation.policy.admission.k8s.io/validation_failure';
/** Every Tenantry policy name starts with this. */
export const POLICY_PREFIX = 'tenantry.dev-';

/** The fields of an audit.k8s.io/v1 Event that denials need. */
export interface AuditEvent {
  auditID?: string;
  stage?: string;
  verb?: string;
  user?: { username?: string };
  impersonatedUser?: { username?: string };
  objectRef?: {
    resource?: string;
    subresource?: string;
    namespace?: string;
    name?: string;
    apiGroup?: string;
    apiVersion?: string;
  };
  responseStatus?: { code?: number };
  annotations?: Record<string, string>;
  stageTimestamp?: string;
}

export interface Denial {
  auditID: string;
  policy: string;
  binding: string;
  message: string;
  /** Who was refused: the impersonated user when there is one, as the API server authorized it. */
  user: string;
  verb: string;
  resource: string;
  namespace?: string;
  name?: string;
  apiGroup: string;
  time?: string;
}

interface Failure {
  message?: string;
  policy?: string;
  binding?: string;
  validationActions?: string[];
}

/**
 * The denials by Tenantry policies in a batch of audit events. A failure whose actions do not
 * include Deny (audit-only) and a request that was not refused are not denials.
 */
export function denialsOf(events: readonly AuditEvent[]): Denial[] {
  const out: Denial[] = [];
  for (const e of events) {
    const raw = e.annotations?.[VALIDATION_FAILURE];
    if (!raw || (e.responseStatus?.code ?? 0) < 400) continue;
    let failures: Failure[];
    try {
      failures = JSON.parse(raw) as Failure[];
    } catch {
      continue;
    }
    if (!Array.isArray(failures)) continue;
    for (const f of failures) {
      if (!f.policy?.startsWith(POLICY_PREFIX) || !f.validationActions?.includes('Deny')) continue;
      const ref = e.objectRef ?? {};
      out.push({
        auditID: e.auditID ?? '',
        policy: f.policy,
        binding: f.binding ?? '',
        message: f.message ?? '',
        user: e.impersonatedUser?.username ?? e.user?.username ?? 'unknown',
        verb: e.verb ?? '',
        resource: ref.subresource ? `${ref.resource}/${ref.subresource}` : (ref.resource ?? ''),
        ...(ref.namespace ? { namespace: ref.namespace } : {}),
        ...(ref.name ? { name: ref.name } : {}),
        apiGroup: ref.apiGroup ?? '',
        ...(e.stageTimestamp ? { time: e.stageTimestamp } : {}),
      });
    }
  }
  return out;
}

/** One line a person can act on: who was refused what, and the policy's own message. */
export function describeDenial(d: Denial): string {
  const what = [d.resource, d.name].filter(Boolean).join(' ');
  return `${d.user} was refused ${d.verb} ${what}: ${d.message} (policy ${d.policy})`;
}

/**
 * Keeps denial Events from flooding the API server (and the operator's own request budget):
 * one Event per user, policy and namespace a minute, mentioning how many similar refusals it
 * stands for, and at most `perSecond` (burst `burst`) Events overall. The metric counts every
 * denial regardless.
 */
export class DenialThrottle {
  private readonly last = new Map<string, { at: number; suppressed: number }>();
  private tokens: number;
  private refilled: number;
  private readonly now: () => number;
  private readonly opts: { perKeyMs: number; perSecond: number; burst: number };

  constructor(now: () => number, opts: Partial<DenialThrottle['opts']> = {}) {
    this.now = now;
    this.opts = { perKeyMs: 60_000, perSecond: 1, burst: 20, ...opts };
    this.tokens = this.opts.burst;
    this.refilled = now();
  }

  /** Undefined: do not record an Event now. A number: record one, standing for that many more. */
  admit(d: Denial): number | undefined {
    const now = this.now();
    const key = `${d.user}\u0000${d.policy}\u0000${d.namespace ?? ''}`;
    const seen = this.last.get(key);
    if (seen && now - seen.at < this.opts.perKeyMs) {
      seen.suppressed++;
      return undefined;
    }
    this.tokens = Math.min(
      this.opts.burst,
      this.tokens + ((now - this.refilled) / 1000) * this.opts.perSecond,
    );
    this.refilled = now;
    if (this.tokens < 1) {
      if (seen) seen.suppressed++;
      return undefined;
    }
    this.tokens -= 1;
    const suppressed = seen?.suppressed ?? 0;
    this.last.set(key, { at: now, suppressed: 0 });
    if (this.last.size > 10_000) {
      for (const [k, v] of this.last) if (now - v.at >= this.opts.perKeyMs) this.last.delete(k);
    }
    return suppressed;
  }
}
