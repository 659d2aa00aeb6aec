import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { tenantOfSystemNamespace } from '../api/names.ts';
import { TenantResource } from '../api/v1alpha1/index.ts';
import type { Logger } from '../runtime/log.ts';
import { authenticate, type Headers, type Identity, type TokenReviewer } from './authenticate.ts';
import { apiGroup, apiResourceList } from './discovery.ts';
import { type FrontProxyConfig, isFrontProxy, type Peer } from './front-proxy.ts';
import { CLUSTER_HANDLERS, type ClusterRequest, HANDLERS, type HandlerContext } from './handlers.ts';
import {
  TENANT_API_CLUSTER_RESOURCES,
  TENANT_API_GROUP,
  TENANT_API_RESOURCES,
  TENANT_API_VERSION,
  type TenantApiClusterResourceName,
  type TenantApiResourceName,
  type TenantApiVerb,
} from './names.ts';
import type { RateLimiter } from './rate-limit.ts';
import type { Authorizer } from './reviews.ts';
import { forbidden, StatusError, statusBody } from './status.ts';

export interface PipelineDeps {
  ctx: HandlerContext;
  log: Logger;
  /** The front proxy's trust as it is now (it is re-read while the server runs). */
  frontProxy: () => FrontProxyConfig;
  reviewer: TokenReviewer;
  authorizer: Authorizer;
  /** Per authenticated user. */
  limiter: RateLimiter;
  /**
   * Per remote address, for connections that are not the front proxy's, before their token is
   * reviewed: so nobody unauthenticated makes the operator send the API server TokenReviews at will.
   */
  addressLimiter?: RateLimiter;
  /** Counts answers by resource, verb and code. */
  count?: (labels: { resource: string; verb: string; code: number }) => void;
  /** An answer not ready by then is a 504; nothing is recorded for it. */
  timeoutMs: number;
  maxBodyBytes: number;
}

type Route =
  | { kind: 'group' }
  | { kind: 'versions' }
  | { kind: 'resource'; namespace: string; resource: TenantApiResourceName; name: string }
  | { kind: 'cluster'; resource: TenantApiClusterResourceName };

const GROUP_PATH = `/apis/${TENANT_API_GROUP}`;
const VERSION_PATH = `${GROUP_PATH}/${TENANT_API_VERSION}`;

const segment = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new StatusError('BadRequest', `the path segment "${s}" is not valid percent-encoding`);
  }
};

function route(pathname: string): Route {
  if (pathname === GROUP_PATH || pathname === `${GROUP_PATH}/`) return { kind: 'group' };
  if (pathname === VERSION_PATH || pathname === `${VERSION_PATH}/`) return { kind: 'versions' };
  const rest = pathname.startsWith(`${VERSION_PATH}/`) ? pathname.slice(VERSION_PATH.length) : '';
  const collection = /^\/([^/]+)\/?$/.exec(rest)?.[1];
  if (collection && Object.hasOwn(TENANT_API_CLUSTER_RESOURCES, collection))
    return { kind: 'cluster', resource: collection as TenantApiClusterResourceName };
  const m = /^\/namespaces\/([^/]+)\/([^/]+)(?:\/([^/]+))?\/?$/.exec(rest);
  const resource = m?.[2];
  if (m?.[1] && resource && Object.hasOwn(TENANT_API_RESOURCES, resource)) {
    const namespace = segment(m[1]);
    if (m[3] === undefined)
      throw new StatusError(
        'NotFound',
        `${resource} are one document per tenant: ask for ${VERSION_PATH}/namespaces/<tenant>-system/${resource}/<tenant>`,
      );
    return { kind: 'resource', namespace, resource: resource as TenantApiResourceName, name: segment(m[3]) };
  }
  throw new StatusError('NotFound', `the server could not find the requested resource (${pathname})`);
}

const VERBS: Record<string, TenantApiVerb> = { GET: 'get', PUT: 'update', POST: 'create' };

/**
 * Reads the body, keeping at most `max` bytes: a longer one is a 413 once it has been read to
 * its end (answering mid-upload would leave the proxy writing into a closed connection), and
 * the server's request timeout bounds how long that may take.
 */
function readBody(req: http.IncomingMessage, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= max) chunks.push(c);
    });
    req.on('end', () =>
      size > max ? reject(tooLarge(max)) : resolve(Buffer.concat(chunks).toString('utf8')),
    );
    req.on('error', reject);
  });
}

const tooLarge = (max: number) =>
  new StatusError('RequestEntityTooLarge', `the request body is larger than ${max} bytes`);

/**
 * The tenant API's request pipeline, in the order that keeps each step cheap for whoever has
 * not passed the one before: bounded body, authentication (front proxy or TokenReview),
 * discovery, the per-user rate limit, a SubjectAccessReview for exactly the resource, verb and
 * namespace, the tenant, then the handler. Every failure is a Kubernetes `Status`; the log line
 * of a request has its method, path, code, the authenticated user and the time taken, never a
 * header or a credential.
 */
export function tenantApiPipeline(deps: PipelineDeps) {
  return async (req: http.IncomingMessage, res: http.ServerResponse, peer: Peer): Promise<void> => {
    const started = Date.now();
    const url = new URL(req.url ?? '/', 'https://tenant-api.invalid');
    let who: Identity | undefined;
    let labels = { resource: 'unknown', verb: (req.method ?? '').toLowerCase() };
    let timedOut = false;
    const reply = (code: number, body: object, headers: Record<string, string> = {}) => {
      if (res.headersSent) return;
      res.writeHead(code, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers });
      res.end(`${JSON.stringify(body)}\n`);
      deps.count?.({ ...labels, code });
      const line = {
        method: req.method,
        path: url.pathname,
        code,
        user: who?.user,
        ms: Date.now() - started,
      };
      if (code >= 500) deps.log.warn(line, 'tenant API request failed');
      else deps.log.info(line, 'tenant API request');
    };
    const fail = (e: unknown) => {
      let err: StatusError;
      if (e instanceof StatusError) err = e;
      else {
        // What went wrong inside (an API server's message, the operator's identity) stays in the
        // log; the caller gets an id to quote.
        const id = randomUUID();
        deps.log.error(
          { id, err: (e as Error)?.message ?? String(e), path: url.pathname },
          'tenant API error',
        );
        err = new StatusError(
          'InternalError',
          `internal error (id ${id}); the operator's log has the details`,
        );
      }
      const retry = err.details?.retryAfterSeconds;
      reply(err.code, statusBody(err), retry ? { 'Retry-After': String(retry) } : {});
    };
    const serve = async () => {
      const trust = deps.frontProxy();
      if (deps.addressLimiter && !isFrontProxy(peer, trust)) {
        const wait = deps.addressLimiter.take(peer.address ?? 'unknown');
        if (wait > 0)
          throw new StatusError(
            'TooManyRequests',
            `too many requests from this address; retry after ${wait}s`,
            {
              retryAfterSeconds: wait,
            },
          );
      }
      const declared = Number(req.headers['content-length'] ?? 0);
      if (declared > deps.maxBodyBytes) throw tooLarge(deps.maxBodyBytes);
      // Authenticated first: no one unknown gets the operator to read a body.
      who = await authenticate(req.headersDistinct as Headers, peer, trust, deps.reviewer);
      const body = await readBody(req, deps.maxBodyBytes);
      const r = route(url.pathname);
      if (r.kind === 'group' || r.kind === 'versions') {
        labels = { ...labels, resource: 'discovery' };
        if (req.method !== 'GET')
          throw new StatusError('MethodNotAllowed', `${req.method} is not allowed on discovery documents`);
        return reply(200, r.kind === 'group' ? apiGroup() : apiResourceList());
      }
      const verb = VERBS[req.method ?? ''];
      const handlers: Partial<Record<TenantApiVerb, unknown>> =
        r.kind === 'cluster' ? CLUSTER_HANDLERS[r.resource] : HANDLERS[r.resource];
      labels = { resource: r.resource, verb: verb ?? labels.verb };
      if (!verb || !handlers[verb]) {
        const allowed = Object.keys(VERBS).filter((m) => handlers[VERBS[m] as TenantApiVerb]);
        throw new StatusError(
          'MethodNotAllowed',
          `${req.method} is not allowed on ${r.resource}: use ${allowed.join(' or ')}`,
        );
      }
      const wait = deps.limiter.take(who.user);
      if (wait > 0) {
        const { burst, perSecond } = deps.limiter.limit;
        throw new StatusError(
          'TooManyRequests',
          `too many requests from "${who.user}": the tenant API allows ${burst} at once and ${perSecond} a second; retry after ${wait}s`,
          { retryAfterSeconds: wait },
        );
      }
      // A cluster-scoped resource is authorized with no namespace and no name: cluster-wide.
      const scope = r.kind === 'cluster' ? { namespace: '', name: '' } : r;
      const decision = await deps.authorizer.decide(who, verb, r.resource, scope.namespace, scope.name);
      if (!decision.allowed)
        throw forbidden(who.user, { ...scope, resource: r.resource, verb }, decision.reason);
      // `kubectl replace --raw` sends no Content-Type: a body without one is read as JSON too.
      const type = req.headers['content-type'];
      if (verb !== 'get' && type !== undefined && !/^application\/json\b/i.test(type))
        throw new StatusError(
          'UnsupportedMediaType',
          `the body of a ${req.method} must be JSON (application/json), not ${type.split(';')[0]}`,
        );
      const request: ClusterRequest = {
        who,
        query: url.searchParams,
        body,
        checkDeadline: () => {
          if (timedOut) throw new StatusError('Timeout', 'the request took too long');
        },
      };
      if (r.kind === 'cluster') {
        const handler = CLUSTER_HANDLERS[r.resource][verb];
        return handler && reply(verb === 'create' ? 201 : 200, await handler(deps.ctx, request));
      }
      // Checked above: the lookup only narrows the type.
      const handler = HANDLERS[r.resource][verb];
      if (!handler) return;
      // The tenant is the namespace's, by name; a Tenant must exist for it (only the platform creates them).
      const tenant = tenantOfSystemNamespace(r.namespace);
      if (tenant !== r.name || !(await deps.ctx.client.find(TenantResource, tenant)))
        throw new StatusError(
          'NotFound',
          tenant === undefined || tenant !== r.name
            ? `${r.resource} "${r.name}" not found in ${r.namespace}: the one there is named after the tenant whose system namespace it is${tenant ? ` ("${tenant}")` : ''}`
            : `${r.resource} "${r.name}" not found: there is no Tenant "${tenant}"`,
          { name: r.name, group: TENANT_API_GROUP, kind: r.resource },
        );
      reply(200, await handler(deps.ctx, { ...request, tenant }));
    };
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        timedOut = true;
        fail(
          new StatusError(
            'Timeout',
            `the tenant API did not answer within ${deps.timeoutMs / 1000}s; try again`,
          ),
        );
        resolve();
      }, deps.timeoutMs);
    });
    const work = serve().catch(fail);
    await Promise.race([work, deadline]);
    clearTimeout(timer);
    // Settles when the work has, also after a timeout's answer (tests wait on it).
    await work;
  };
}
