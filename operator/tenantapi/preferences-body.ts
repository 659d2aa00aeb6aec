import { jsonObjectBody } from './json-body.ts';
import { TENANT_API_GROUP_VERSION } from './names.ts';
import { StatusError } from './status.ts';

/** What a tenant admin may set: all nudges off, or some of them, by name. */
export interface PreferencesChange {
  optOutAll: boolean;
  optOut: string[];
}

const NUDGE_NAME = /^[a-z][a-zA-Z0-9]{0,62}$/;
const MAX_OPT_OUT = 32;
const KNOWN = new Set(['apiVersion', 'kind', 'metadata', 'optOutAll', 'optOut']);

const invalid = (field: string, message: string) =>
  new StatusError('Invalid', `NudgePreferences is invalid: ${field}: ${message}`, {
    kind: 'NudgePreferences',
    causes: [{ reason: 'FieldValueInvalid', field, message }],
  });

/**
 * The body of a PUT of nudgepreferences (`{"optOutAll": false, "optOut": ["setQuotas"]}`; the
 * envelope of what a GET returned may come along, and must then be this tenant's
 * NudgePreferences). A field left out is its default, as a PUT replaces. Errors are 422 naming
 * the field and what it must be.
 */
export function parsePreferences(text: string, tenant?: string): PreferencesChange {
  const b = jsonObjectBody(text, '{"optOutAll": false, "optOut": ["setQuotas"]}');
  const unknown = Object.keys(b).filter((k) => !KNOWN.has(k));
  if (unknown.length) throw invalid(unknown[0] ?? '', `unknown field; known fields are optOutAll and optOut`);
  envelope(b, tenant);
  const optOutAll = b.optOutAll ?? false;
  if (typeof optOutAll !== 'boolean')
    throw invalid('optOutAll', `must be true or false, got ${JSON.stringify(optOutAll)}`);
  const optOut = b.optOut ?? [];
  if (!Array.isArray(optOut)) throw invalid('optOut', 'must be a list of nudge names');
  if (optOut.length > MAX_OPT_OUT)
    throw invalid('optOut', `at most ${MAX_OPT_OUT} names, got ${optOut.length}`);
  optOut.forEach((n, i) => {
    if (typeof n !== 'string' || !NUDGE_NAME.test(n))
      throw invalid(
        `optOut[${i}]`,
        `${JSON.stringify(n).slice(0, 80)} is not a nudge name (a lower-case letter, then letters and digits, at most 63, e.g. setQuotas)`,
      );
  });
  return { optOutAll, optOut: optOut as string[] };
}

/** What a GET handed out may be sent back, but not another kind's or another tenant's. */
function envelope(b: Record<string, unknown>, tenant: string | undefined): void {
  if (b.apiVersion !== undefined && b.apiVersion !== TENANT_API_GROUP_VERSION)
    throw invalid(
      'apiVersion',
      `must be ${TENANT_API_GROUP_VERSION}, got ${JSON.stringify(b.apiVersion).slice(0, 80)}`,
    );
  if (b.kind !== undefined && b.kind !== 'NudgePreferences')
    throw invalid('kind', `must be NudgePreferences, got ${JSON.stringify(b.kind).slice(0, 80)}`);
  const name = (b.metadata as { name?: unknown } | undefined)?.name;
  if (tenant !== undefined && name !== undefined && name !== tenant)
    throw invalid(
      'metadata.name',
      `must be the tenant's name, ${JSON.stringify(tenant)}, got ${JSON.stringify(name).slice(0, 80)}`,
    );
}
