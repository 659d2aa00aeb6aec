import { withDeadline } from './deadline.ts';
import { type HttpResponse, httpsRequest } from './http.ts';
import { type CheckResult, fail, pass, redact, toResult, type Verdict, warn } from './result.ts';
import { transportVerdict } from './transport-verdict.ts';

export interface ScimProbe {
  /** Base URL of the SCIM 2.0 service, e.g. `https://idp.example.com/scim/v2`. */
  baseUrl: string;
  /** Bearer token; never appears in results. */
  token: string;
  /** Extra CA certificates (PEM) to trust. */
  ca?: string | undefined;
  /** Per probe. Default 5000. */
  timeoutMs?: number | undefined;
}

/** The SCIM probes, in the order results are returned. */
export const SCIM_CHECKS = [
  { id: 'scimServiceProviderConfig', title: 'SCIM service capabilities' },
  { id: 'scimUsers', title: 'SCIM users readable' },
] as const;

const SPC_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';
const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
/** RFC 7643 §5 capabilities, in the order they are reported. */
const CAPABILITIES = ['patch', 'bulk', 'filter', 'etag', 'changePassword', 'sort'] as const;

export type ScimCapabilities = Record<(typeof CAPABILITIES)[number], boolean> & {
  filterMaxResults?: number;
  bulkMaxOperations?: number;
};

const TOKEN_FIX =
  'Create a new SCIM bearer token in the identity provider and store it in the Secret referenced by spec.identity.scim.tokenSecretRef (HTTP 403: give the token permission to read users)';
const BASE_URL_FIX =
  'Set spec.identity.scim.baseUrl to the SCIM 2.0 base URL the provider documents (it usually ends in /scim/v2); /ServiceProviderConfig and /Users must be under it';

/**
 * Probes a SCIM 2.0 service (RFC 7644): what it supports, and whether the token may read users.
 * Both probes run in parallel with their own deadline; never throws.
 */
export async function probeScim(probe: ScimProbe): Promise<CheckResult[]> {
  const base = probe.baseUrl.replace(/\/+$/, '');
  const ms = probe.timeoutMs ?? 5000;
  const get = (path: string, signal: AbortSignal) =>
    httpsRequest(`${base}${path}`, {
      ca: probe.ca,
      signal,
      headers: { accept: 'application/scim+json, application/json', authorization: `Bearer ${probe.token}` },
    });
  const onError = (what: string) => (err: unknown) => transportVerdict(err, `cannot fetch ${base}${what}`);
  const [spc, users] = await Promise.all([
    withDeadline(
      ms,
      async (s) => assessServiceProviderConfig(await get('/ServiceProviderConfig', s)),
      onError('/ServiceProviderConfig'),
    ),
    withDeadline(ms, async (s) => assessUsers(await get('/Users?count=1', s)), onError('/Users')),
  ]);
  const results = [spc, users].map((v, i) => {
    const c = SCIM_CHECKS[i] as (typeof SCIM_CHECKS)[number];
    return toResult(c.id, c.title, v);
  });
  return redact(results, [probe.token]);
}

/** Judges the /ServiceProviderConfig response. Pure. */
export function assessServiceProviderConfig(res: Pick<HttpResponse, 'status' | 'body'>): Verdict {
  if (res.status === 401 || res.status === 403) {
    return fail(`/ServiceProviderConfig refused the token (HTTP ${res.status})`, TOKEN_FIX);
  }
  if (res.status !== 200) return fail(`/ServiceProviderConfig answered HTTP ${res.status}`, BASE_URL_FIX);
  const doc = parseObject(res.body);
  if (!doc) return fail('/ServiceProviderConfig is not a JSON object', BASE_URL_FIX);
  const caps = scimCapabilities(doc);
  const listed = CAPABILITIES.map((c) => {
    const extra =
      c === 'filter' && caps.filterMaxResults !== undefined
        ? ` (max ${caps.filterMaxResults})`
        : c === 'bulk' && caps.bulkMaxOperations !== undefined
          ? ` (max ${caps.bulkMaxOperations} operations)`
          : '';
    return `${c} ${caps[c] ? 'yes' : 'no'}${caps[c] ? extra : ''}`;
  }).join(', ');
  const schemas = Array.isArray(doc.schemas) ? doc.schemas : [];
  if (!schemas.includes(SPC_SCHEMA)) {
    return warn(
      `the response lacks the ServiceProviderConfig schema URN; capabilities read anyway: ${listed}`,
    );
  }
  // Looking users up by userName or externalId needs filtering; without it every sync lists everyone.
  if (!caps.filter) {
    return warn(
      `SCIM 2.0 service without filter support: ${listed}`,
      'Enable filtering in the SCIM service if the provider offers it; without it Tenantry has to list all users on each sync',
    );
  }
  return pass(`SCIM 2.0 service: ${listed}`);
}

/** Reads RFC 7643 §5 capability flags; anything not stated is unsupported. */
export function scimCapabilities(doc: Record<string, unknown>): ScimCapabilities {
  const flag = (name: string) => {
    const v = doc[name];
    return typeof v === 'object' && v !== null && (v as { supported?: unknown }).supported === true;
  };
  const num = (name: string, field: string) => {
    const v = (doc[name] as Record<string, unknown> | undefined)?.[field];
    return typeof v === 'number' ? v : undefined;
  };
  const caps: ScimCapabilities = {
    patch: flag('patch'),
    bulk: flag('bulk'),
    filter: flag('filter'),
    etag: flag('etag'),
    changePassword: flag('changePassword'),
    sort: flag('sort'),
  };
  const maxResults = num('filter', 'maxResults');
  const maxOperations = num('bulk', 'maxOperations');
  if (maxResults !== undefined) caps.filterMaxResults = maxResults;
  if (maxOperations !== undefined) caps.bulkMaxOperations = maxOperations;
  return caps;
}

/** Judges the /Users?count=1 response: the token works and the answer is a SCIM list of users. Pure. */
export function assessUsers(res: Pick<HttpResponse, 'status' | 'body'>): Verdict {
  if (res.status === 401 || res.status === 403) {
    return fail(`/Users refused the token (HTTP ${res.status})`, TOKEN_FIX);
  }
  if (res.status !== 200) return fail(`/Users answered HTTP ${res.status}`, BASE_URL_FIX);
  const doc = parseObject(res.body);
  if (!doc) return fail('/Users did not answer with a JSON object', BASE_URL_FIX);
  const schemas = Array.isArray(doc.schemas) ? doc.schemas : [];
  if (!schemas.includes(LIST_SCHEMA) || typeof doc.totalResults !== 'number') {
    return fail('/Users did not answer with a SCIM ListResponse (schemas, totalResults)', BASE_URL_FIX);
  }
  const resources = Array.isArray(doc.Resources) ? (doc.Resources as unknown[]) : [];
  const first = resources[0] as Record<string, unknown> | undefined;
  if (first) {
    const userSchemas = Array.isArray(first.schemas) ? first.schemas : [];
    if (!userSchemas.includes(USER_SCHEMA) || typeof first.userName !== 'string') {
      return warn(
        `the token can read users (${doc.totalResults} in total), but they lack the core User schema or userName`,
        "Map userName and the core User schema in the provider's SCIM attribute mappings",
      );
    }
  }
  return pass(`the token can read users: ${doc.totalResults} in total, core User schema`);
}

function parseObject(body: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(body) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
