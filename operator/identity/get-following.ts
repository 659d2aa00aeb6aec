import { type HttpResponse, httpsRequest } from './http.ts';

const MAX_REDIRECTS = 3;

/** GET that follows a few https redirects (discovery and JWKS documents may move). */
export async function getFollowing(
  url: string,
  signal: AbortSignal,
  accept: string,
  ca: string | undefined,
): Promise<HttpResponse> {
  let current = url;
  for (let i = 0; ; i++) {
    const res = await httpsRequest(current, { ca, signal, headers: { accept } });
    const location = res.headers.location;
    if (res.status < 300 || res.status >= 400 || !location || i >= MAX_REDIRECTS) return res;
    current = new URL(location, current).href;
  }
}
