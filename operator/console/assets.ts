import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { SECURITY_HEADERS } from './http.ts';

// Everything the pages load comes from the operator itself (no CDN: the console works without
// a network): chart.js's own UMD bundle from the installed package, and the console's few files.
const chartJs = new URL('chart.umd.min.js', import.meta.resolve('chart.js'));
const own = (file: string) => new URL(`assets/${file}`, import.meta.url);

const ASSETS: Record<string, { url: URL; type: string }> = {
  'chart.umd.min.js': { url: chartJs, type: 'text/javascript; charset=utf-8' },
  'charts.js': { url: own('charts.js'), type: 'text/javascript; charset=utf-8' },
  'console.css': { url: own('console.css'), type: 'text/css; charset=utf-8' },
};

const loaded = new Map<string, Buffer>();

export function serveAsset(res: ServerResponse, name: string): void {
  const asset = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
  if (!asset) {
    res.writeHead(404, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain' });
    res.end('not found');
    return;
  }
  let body = loaded.get(name);
  if (!body) {
    body = readFileSync(asset.url);
    loaded.set(name, body);
  }
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'Content-Type': asset.type,
    'Cache-Control': 'public, max-age=3600',
  });
  res.end(body);
}
