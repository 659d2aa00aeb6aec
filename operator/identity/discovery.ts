/** The fields of an OpenID Provider Configuration that the checks use. */
export interface DiscoveryDocument {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
  scopes_supported?: string[];
  claims_supported?: string[];
  response_types_supported?: string[];
  token_endpoint_auth_methods_supported?: string[];
  code_challenge_methods_supported?: string[];
  id_token_signing_alg_values_supported?: string[];
}

export interface ParsedDiscovery {
  /** Present when nothing fatal was found. */
  doc?: DiscoveryDocument;
  /** Reasons the document can't be used. */
  errors: string[];
  /** Deviations from the spec that sign-in may survive. */
  warnings: string[];
}

/**
 * Where the configuration lives: OpenID Connect Discovery 1.0 §4 says to remove a trailing
 * slash from the issuer before appending the path, so Auth0's `https://x.auth0.com/` works.
 */
export function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
}

const ENDPOINTS = ['authorization_endpoint', 'token_endpoint', 'jwks_uri'] as const;
const LISTS = [
  'scopes_supported',
  'claims_supported',
  'response_types_supported',
  'token_endpoint_auth_methods_supported',
  'code_challenge_methods_supported',
  'id_token_signing_alg_values_supported',
] as const;
/** REQUIRED by the spec but not needed by Tenantry's checks: missing ones only warn. */
const SPEC_REQUIRED = [
  'response_types_supported',
  'subject_types_supported',
  'id_token_signing_alg_values_supported',
];

/** Validates a discovery response body. Pure. */
export function parseDiscovery(body: string): ParsedDiscovery {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    return { errors: ['the response is not JSON'], warnings: [] };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { errors: ['the response is not a JSON object'], warnings: [] };
  }
  const o = raw as Record<string, unknown>;
  const errors: string[] = [];
  const warnings: string[] = [];
  if (typeof o.issuer !== 'string' || o.issuer === '') errors.push('issuer is missing');
  for (const f of ENDPOINTS) {
    const v = o[f];
    if (typeof v !== 'string' || v === '') errors.push(`${f} is missing`);
    else if (!isHttps(v)) errors.push(`${f} '${v}' is not an https:// URL`);
  }
  const doc: Record<string, unknown> = {
    issuer: o.issuer,
    authorization_endpoint: o.authorization_endpoint,
    token_endpoint: o.token_endpoint,
    jwks_uri: o.jwks_uri,
  };
  for (const f of LISTS) {
    const v = o[f];
    if (v === undefined) continue;
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) doc[f] = v;
    else warnings.push(`${f} is not a list of strings; ignored`);
  }
  for (const f of SPEC_REQUIRED) if (o[f] === undefined) warnings.push(`${f} is missing`);
  const rt = doc.response_types_supported as string[] | undefined;
  if (rt && !rt.includes('code'))
    warnings.push("response_types_supported lacks 'code' (the authorization code flow)");
  if (errors.length > 0) return { errors, warnings };
  return { doc: doc as unknown as DiscoveryDocument, errors, warnings };
}

function isHttps(url: string): boolean {
  try {
    return new URL(url).protocol === 'https:';
  } catch {
    return false;
  }
}
