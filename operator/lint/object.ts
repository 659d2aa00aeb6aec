// One Kubernetes object (or each item of a v1 List): which CRD schema applies to it, if any.

import { type DocumentContext, report, type Subject } from './document.ts';
import type { PathSegment } from './field-path.ts';
import { isPlainObject } from './plain-object.ts';
import { validateObject } from './validate.ts';

export const NOT_AN_OBJECT = 'a Kubernetes object must be a mapping with apiVersion and kind';

export function lintObject(
  context: DocumentContext,
  object: Record<string, unknown>,
  prefix: PathSegment[],
): void {
  const kind = typeof object.kind === 'string' ? object.kind : '';
  const metadata = isPlainObject(object.metadata) ? object.metadata : {};
  const subject: Subject = { kind, name: String(metadata.name ?? metadata.generateName ?? '') };
  const problem = (path: PathSegment[], message: string) => report(context, subject, path, message);
  const apiVersion = object.apiVersion;
  if (typeof apiVersion !== 'string' || apiVersion === '') {
    problem([...prefix, 'apiVersion'], 'Required value');
    return;
  }
  if (kind === '') {
    problem([...prefix, 'kind'], 'Required value');
    return;
  }
  // A v1 List (what `kubectl get -o yaml` prints) holds objects to lint one by one.
  if (apiVersion === 'v1' && kind === 'List' && Array.isArray(object.items)) {
    for (const [i, item] of object.items.entries()) {
      if (isPlainObject(item)) lintObject(context, item, [...prefix, 'items', i]);
      else problem([...prefix, 'items', i], NOT_AN_OBJECT);
    }
    return;
  }
  const slash = apiVersion.indexOf('/');
  if (slash === -1) return; // core API group: not ours
  const group = apiVersion.slice(0, slash);
  const version = apiVersion.slice(slash + 1);
  if (!context.crds.hasGroup(group)) return;
  const entry = context.crds.get(group, version, kind);
  if (!entry?.served) {
    const known = context.crds.kinds(group);
    const versions = context.crds.versions(group, kind);
    if (versions.length === 0) {
      problem(
        [...prefix, 'kind'],
        `unknown kind ${kind} in API group ${group}; known kinds: ${known.join(', ')}`,
      );
    } else {
      problem(
        [...prefix, 'apiVersion'],
        `${apiVersion} is not a served version of ${kind}; use ${versions.map((v) => `${group}/${v}`).join(' or ')}`,
      );
    }
    return;
  }
  validateObject(context, subject, entry, object, prefix);
}
