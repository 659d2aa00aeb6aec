/**
 * How an exported evidence directory names its files: each bundle with the blob its subject
 * digest covers beside it, so `evidence verify` can find one from the other.
 */
const BUNDLE_SUFFIX = '.bundle.json';
const SUBJECT_SUFFIX = '.subject.json';

export const bundleFileName = (name: string): string => `${name}${BUNDLE_SUFFIX}`;
export const subjectFileName = (name: string): string => `${name}${SUBJECT_SUFFIX}`;

/** The subject file beside a bundle file (NAME.bundle.json → NAME.subject.json); undefined for other names. */
export function subjectFileOf(bundlePath: string): string | undefined {
  if (!bundlePath.endsWith(BUNDLE_SUFFIX)) return undefined;
  return `${bundlePath.slice(0, -BUNDLE_SUFFIX.length)}${SUBJECT_SUFFIX}`;
}
