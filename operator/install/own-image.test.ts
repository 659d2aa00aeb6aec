import { describe, expect, it } from 'vitest';
import { imageOf } from './own-image.ts';

const digest = `sha256:${'a'.repeat(64)}`;
const pod = (image: string, imageID?: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p' },
  spec: {
    containers: [
      { name: 'sidecar', image: 'other:1' },
      { name: 'operator', image },
    ],
  },
  status: { containerStatuses: imageID ? [{ name: 'operator', imageID }] : [] },
});

describe('imageOf', () => {
  it("takes the operator container's digest reference as written (a mirror's included)", () => {
    expect(imageOf(pod(`mirror.example/tenantry@${digest}`), 'operator')).toBe(
      `mirror.example/tenantry@${digest}`,
    );
  });

  it('pins a tag to the digest the node resolved', () => {
    expect(imageOf(pod('ghcr.io/t/t:0.1.0', `docker-pullable://ghcr.io/t/t@${digest}`), 'operator')).toBe(
      `ghcr.io/t/t@${digest}`,
    );
    expect(imageOf(pod('ghcr.io/t/t:0.1.0'), 'operator')).toBe('ghcr.io/t/t:0.1.0');
  });

  it('knows no image without the container', () => {
    expect(imageOf(pod('x:1'), 'validate')).toBeUndefined();
    expect(imageOf(undefined, 'operator')).toBeUndefined();
  });
});
