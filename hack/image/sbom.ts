// The image's SBOM: `npm sbom` (CycloneDX) of the production dependencies, made reproducible
// (npm stamps a random serial number and the current time) and completed with what npm does
// not know about: the Node runtime and the host's shared libraries copied beside it.
import { createHash } from 'node:crypto';

export interface CycloneDx {
  serialNumber?: string;
  metadata?: {
    timestamp?: string;
    lifecycles?: Array<{ phase: string }>;
    component?: Record<string, unknown> & { name?: string };
  };
  components?: Array<Record<string, unknown> & { name: string; version?: string; purl?: string }>;
  [key: string]: unknown;
}

/** A binary in the image that no package manager of ours describes. */
export interface ExtraComponent {
  name: string;
  version: string;
  purl: string;
  /** Path in the image. */
  path: string;
  sha256: string;
}

export function imageSbom(
  npm: CycloneDx,
  opts: { name: string; epochSeconds: number; extra: ExtraComponent[] },
): CycloneDx {
  const components = [
    ...(npm.components ?? []),
    ...opts.extra.map((c) => ({
      'bom-ref': c.purl,
      type: c.name === 'node' ? 'platform' : 'library',
      name: c.name,
      version: c.version,
      scope: 'required',
      purl: c.purl,
      hashes: [{ alg: 'SHA-256', content: c.sha256 }],
      properties: [{ name: 'tenantry:image:path', value: c.path }],
    })),
  ];
  const sbom: CycloneDx = {
    ...npm,
    metadata: {
      ...npm.metadata,
      timestamp: new Date(opts.epochSeconds * 1000).toISOString(),
      // What is described is the built image, not a source tree before its build.
      lifecycles: [{ phase: 'build' }],
      ...(npm.metadata?.component ? { component: { ...npm.metadata.component, name: opts.name } } : {}),
    },
    components,
  };
  delete sbom.serialNumber;
  // CycloneDX wants a UUID URN; one derived from the content is the same for the same image.
  const hex = createHash('sha256').update(JSON.stringify(sbom)).digest('hex');
  const uuid = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  return { ...sbom, serialNumber: `urn:uuid:${uuid}` };
}
