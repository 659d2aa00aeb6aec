import { runBuildScript } from './build-script.ts';

// Each tool is built from the Go module proxy into the tool cache by its hack/ script: a few
// minutes on a cold cache, well under a second once built. The script's progress goes to our
// stderr; its last stdout line is the path.

/** Path of the cosign binary that hack/build-cosign.sh builds (the outside verifier of evidence). */
export function ensureCosign(): Promise<string> {
  return runBuildScript('build-cosign.sh');
}

/**
 * Path of the Versity Gateway (versitygw) S3 server that hack/build-s3.sh builds (about a minute
 * with a warm Go module cache). The AuditArchive integration tests run it as a real Object Lock server.
 */
export function ensureS3Server(): Promise<string> {
  return runBuildScript('build-s3.sh');
}

/** Path of the helm CLI that hack/build-helm.sh builds. The chart tests lint and render the chart with it. */
export function ensureHelm(): Promise<string> {
  return runBuildScript('build-helm.sh');
}

/** Path of promtool that hack/build-promtool.sh builds: checks /metrics and unit-tests the alert rules. */
export function ensurePromtool(): Promise<string> {
  return runBuildScript('build-promtool.sh');
}

/** Path of the Prometheus server that hack/build-prometheus.sh builds (no web UI compiled in). */
export function ensurePrometheus(): Promise<string> {
  return runBuildScript('build-prometheus.sh');
}
