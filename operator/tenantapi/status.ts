import { TENANT_API_GROUP } from './names.ts';

/** The reasons the tenant API answers with, as Kubernetes names them (metav1.StatusReason). */
export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'MethodNotAllowed'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType'
  | 'Invalid'
  | 'TooManyRequests'
  | 'InternalError'
  | 'Timeout'
  | 'ServiceUnavailable';

const CODES: Record<StatusReason, number> = {
  BadRequest: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  MethodNotAllowed: 405,
  RequestEntityTooLarge: 413,
  UnsupportedMediaType: 415,
  Invalid: 422,
  TooManyRequests: 429,
  InternalError: 500,
  ServiceUnavailable: 503,
  Timeout: 504,
};

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  causes?: Array<{ reason?: string; message: string; field?: string }>;
  retryAfterSeconds?: number;
}

/**
 * An error the tenant API answers with a Kubernetes `Status`, so kubectl and client libraries
 * print its message as they print the API server's own. Messages name the field or header and
 * what was expected, never a credential or a header's value.
 */
export class StatusError extends Error {
  readonly reason: StatusReason;
  readonly details: StatusDetails | undefined;
  constructor(reason: StatusReason, message: string, details?: StatusDetails) {
    super(message);
    this.name = 'StatusError';
    this.reason = reason;
    this.details = details;
  }
  get code(): number {
    return CODES[this.reason];
  }
}

/** The `Status` document of an error. */
export function statusBody(e: StatusError): Record<string, unknown> {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: e.message,
    reason: e.reason,
    ...(e.details ? { details: e.details } : {}),
    code: e.code,
  };
}

/** As the API server words a refusal: `evidence.api.tenantry.dev "acme" is forbidden: User "bob" cannot get ...`. */
export function forbidden(
  user: string,
  request: { verb: string; resource: string; namespace: string; name: string },
  why?: string,
): StatusError {
  const { verb, resource, namespace, name } = request;
  return new StatusError(
    'Forbidden',
    `${resource}.${TENANT_API_GROUP}${name ? ` "${name}"` : ''} is forbidden: User "${user}" cannot ${verb} resource "${resource}" in API group "${TENANT_API_GROUP}" ${namespace ? `in the namespace "${namespace}"` : 'at the cluster scope'}${why ? `: ${why}` : ''}`,
    { name, group: TENANT_API_GROUP, kind: resource },
  );
}
