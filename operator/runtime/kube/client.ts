import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { ApiError } from './errors.ts';
import type { KubeObject, ObjectList } from './object.ts';
import { apiVersionOf, type ResourceType, resourcePath } from './resource.ts';

export type PatchType = 'merge' | 'json' | 'strategic' | 'apply';

const patchContentType: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
}

export interface ListOptions {
  namespace?: string | undefined;
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
}

export interface WatchOptions {
  namespace?: string | undefined;
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
  resourceVersion?: string | undefined;
  /** The server ends the watch after this long; the informer then resumes from its last version. */
  timeoutSeconds?: number;
  signal?: AbortSignal;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';
export interface WatchEvent<T extends KubeObject = KubeObject> {
  type: WatchEventType;
  object: T;
}

export interface Impersonation {
  user: string;
  groups?: string[];
}

/**
 * A small REST client over the kubeconfig's transport and credentials. It exists because the
 * runtime needs control over watches (bookmarks, resume, 410 Gone, inactivity) and patch
 * content types that the generated clients hide; @kubernetes/client-node still provides
 * the kubeconfig loading and authentication.
 */
export class KubeClient {
  readonly server: URL;
  private readonly kc: KubeConfig;
  private readonly agent: http.Agent;
  private readonly userAgent: string;
  private readonly impersonate: Impersonation | undefined;

  private constructor(kc: KubeConfig, agent: http.Agent, userAgent: string, impersonate?: Impersonation) {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster (set a current-context)');
    this.kc = kc;
    this.server = new URL(cluster.server);
    this.agent = agent;
    this.userAgent = userAgent;
    this.impersonate = impersonate;
  }

  static async fromKubeConfig(
    kc: KubeConfig,
    opts: { userAgent?: string; impersonate?: Impersonation } = {},
  ): Promise<KubeClient> {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster (set a current-context)');
    const tls: https.RequestOptions = {};
    await kc.applyToHTTPSOptions(tls);
    const agent = cluster.server.startsWith('https:')
      ? new https.Agent({
          keepAlive: true,
          maxSockets: 32,
          ...(tls.ca ? { ca: tls.ca } : {}),
          ...(tls.cert ? { cert: tls.cert } : {}),
          ...(tls.key ? { key: tls.key } : {}),
          rejectUnauthorized: tls.rejectUnauthorized ?? true,
          ...(tls.servername ? { servername: tls.servername } : {}),
        })
      : new http.Agent({ keepAlive: true, maxSockets: 32 });
    return new KubeClient(kc, agent, opts.userAgent ?? 'tenantry', opts.impersonate);
  }

  /** The same connection and credentials, acting as another user (needs impersonate rights). */
  as(impersonate: Impersonation): KubeClient {
    return new KubeClient(this.kc, this.agent, this.userAgent, impersonate);
  }

  close(): void {
    this.agent.destroy();
  }

  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.send(method, path, opts);
    const text = await readBody(res);
    const status = res.statusCode ?? 0;
    if (status >= 400) throw toApiError(status, text);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  get<T extends KubeObject>(type: ResourceType, name: string, namespace?: string): Promise<T> {
    return this.request<T>('GET', resourcePath(type, { namespace, name }));
  }

  /** Like get, but a missing object is undefined rather than an error. */
  async find<T extends KubeObject>(
    type: ResourceType,
    name: string,
    namespace?: string,
  ): Promise<T | undefined> {
    try {
      return await this.get<T>(type, name, namespace);
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) return undefined;
      throw e;
    }
  }

  list<T extends KubeObject>(type: ResourceType, opts: ListOptions = {}): Promise<ObjectList<T>> {
    return this.request<ObjectList<T>>('GET', resourcePath(type, { namespace: opts.namespace }), {
      query: {
        labelSelector: opts.labelSelector,
        fieldSelector: opts.fieldSelector,
        limit: opts.limit,
        continue: opts.continue,
        resourceVersion: opts.resourceVersion,
      },
    });
  }

  create<T extends KubeObject>(type: ResourceType, obj: T, opts: { fieldManager?: string } = {}): Promise<T> {
    return this.request<T>('POST', resourcePath(type, { namespace: obj.metadata.namespace }), {
      body: { apiVersion: apiVersionOf(type), kind: type.kind, ...obj },
      query: { fieldManager: opts.fieldManager },
    });
  }

  update<T extends KubeObject>(type: ResourceType, obj: T): Promise<T> {
    const { namespace, name = '' } = obj.metadata;
    return this.request<T>('PUT', resourcePath(type, { namespace, name }), {
      body: { apiVersion: apiVersionOf(type), kind: type.kind, ...obj },
    });
  }

  patch<T extends KubeObject>(
    type: ResourceType,
    name: string,
    namespace: string | undefined,
    patch: unknown,
    patchType: PatchType,
    opts: { subresource?: string; fieldManager?: string; force?: boolean } = {},
  ): Promise<T> {
    return this.request<T>('PATCH', resourcePath(type, { namespace, name, ...opts }), {
      body: patch,
      contentType: patchContentType[patchType],
      query: { fieldManager: opts.fieldManager, force: opts.force },
    });
  }

  async delete(
    type: ResourceType,
    name: string,
    namespace?: string,
    opts: { propagationPolicy?: 'Foreground' | 'Background' | 'Orphan'; uid?: string } = {},
  ): Promise<void> {
    await this.request('DELETE', resourcePath(type, { namespace, name }), {
      body: {
        kind: 'DeleteOptions',
        apiVersion: 'v1',
        ...(opts.propagationPolicy ? { propagationPolicy: opts.propagationPolicy } : {}),
        ...(opts.uid ? { preconditions: { uid: opts.uid } } : {}),
      },
    });
  }

  /**
   * Streams watch events to onEvent until the server ends the watch, the signal aborts, or
   * the stream goes quiet for longer than the server's timeout allows. An ERROR event
   * (e.g. 410 Gone) rejects with an ApiError.
   */
  watch<T extends KubeObject>(
    type: ResourceType,
    opts: WatchOptions,
    onEvent: (e: WatchEvent<T>) => void,
  ): Promise<void> {
    const timeoutSeconds = opts.timeoutSeconds ?? 300;
    const path = resourcePath(type, { namespace: opts.namespace });
    if (opts.signal?.aborted) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const query = {
        watch: true,
        allowWatchBookmarks: true,
        resourceVersion: opts.resourceVersion,
        labelSelector: opts.labelSelector,
        fieldSelector: opts.fieldSelector,
        timeoutSeconds,
      };
      let settled = false;
      const finish = (err?: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(idle);
        opts.signal?.removeEventListener('abort', stop);
        if (err) reject(err);
        else resolve();
      };
      const watchdog = new AbortController();
      let response: http.IncomingMessage | undefined;
      // Aborting the request does not end a response already streaming: end both ourselves.
      const stop = () => {
        watchdog.abort();
        response?.destroy();
        finish();
      };
      opts.signal?.addEventListener('abort', stop, { once: true });
      // A half-open TCP connection would otherwise look like a quiet, healthy watch forever.
      let idle = setTimeout(stop, (timeoutSeconds + 30) * 1000);
      this.send('GET', path, { query, signal: watchdog.signal })
        .then(async (res) => {
          response = res;
          if (watchdog.signal.aborted) {
            res.destroy();
            return finish();
          }
          const status = res.statusCode ?? 0;
          if (status >= 400) return finish(toApiError(status, await readBody(res)));
          res.setEncoding('utf8');
          let buffer = '';
          res.on('data', (chunk: string) => {
            clearTimeout(idle);
            idle = setTimeout(stop, (timeoutSeconds + 30) * 1000);
            buffer += chunk;
            let nl = buffer.indexOf('\n');
            while (nl >= 0) {
              const line = buffer.slice(0, nl).trim();
              buffer = buffer.slice(nl + 1);
              nl = buffer.indexOf('\n');
              if (!line) continue;
              const event = JSON.parse(line) as { type: string; object: Record<string, unknown> };
              if (event.type === 'ERROR') {
                const s = event.object as { code?: number; reason?: string; message?: string };
                res.destroy();
                return finish(
                  new ApiError(s.code ?? 500, s.reason ?? 'WatchError', s.message ?? 'watch error', s),
                );
              }
              try {
                onEvent(event as unknown as WatchEvent<T>);
              } catch (e) {
                res.destroy();
                return finish(e);
              }
            }
          });
          res.on('end', () => finish());
          res.on('error', (e) => finish(watchdog.signal.aborted ? undefined : e));
          res.on('close', () => finish());
        })
        .catch((e: unknown) => finish(watchdog.signal.aborted ? undefined : e));
    });
  }

  private async send(method: string, path: string, opts: RequestOptions): Promise<http.IncomingMessage> {
    const url = new URL(path, this.server);
    // A kubeconfig server may carry a path prefix (e.g. behind a proxy).
    if (this.server.pathname !== '/') url.pathname = this.server.pathname.replace(/\/$/, '') + path;
    for (const [k, v] of Object.entries(opts.query ?? {})) {
      if (v !== undefined) url.searchParams.set(k, String(v));
    }
    const auth: https.RequestOptions = { headers: {} };
    // Re-applied per request so that expiring credentials (exec plugins, bound tokens) refresh.
    await this.kc.applyToHTTPSOptions(auth);
    const headers: Record<string, string | string[]> = {
      Accept: 'application/json',
      'User-Agent': this.userAgent,
    };
    for (const [k, v] of Object.entries(auth.headers ?? {})) {
      if (typeof v === 'string' || Array.isArray(v)) headers[k] = v;
    }
    if (this.impersonate) {
      headers['Impersonate-User'] = this.impersonate.user;
      if (this.impersonate.groups?.length) headers['Impersonate-Group'] = this.impersonate.groups;
    }
    let payload: string | undefined;
    if (opts.body !== undefined) {
      payload = JSON.stringify(opts.body);
      headers['Content-Type'] = opts.contentType ?? 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(payload));
    }
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = transport.request(
        url,
        { method, headers, agent: this.agent, signal: opts.signal },
        resolve,
      );
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }
}

function readBody(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}

function toApiError(code: number, text: string): ApiError {
  try {
    const s = JSON.parse(text) as { reason?: string; message?: string; details?: unknown };
    return new ApiError(code, s.reason ?? 'Unknown', s.message ?? text, s.details);
  } catch {
    return new ApiError(code, 'Unknown', text.slice(0, 500) || `HTTP ${code}`);
  }
}
