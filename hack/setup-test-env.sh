#!/usr/bin/env bash
# Everything the test suites need beyond node_modules, so that `npm test` (which runs this as
# its pretest step) works on a fresh machine: the Debian packages, the control plane (unless
# KUBECONFIG names a cluster for the tests to use) and the tools the tests run (cosign,
# Versity Gateway, helm, promtool, Prometheus). Each step is idempotent and prints one line; a
# step that did work also says how long it took. With everything in place the whole script
# takes a fraction of a second.
#
#   hack/setup-test-env.sh              install and build what is missing
#   TENANTRY_CACHE=/some/dir ...        cache root of the builds (default ~/.cache/tenantry)
set -euo pipefail
hack=$(cd "$(dirname "$0")" && pwd)

log() { printf '[setup-test-env] %s\n' "$*" >&2; }

# Before anything else: every build below needs Go, and finding out after the package
# install (or halfway through the builds) helps nobody.
if ! command -v go >/dev/null 2>&1; then
  log "Go not found on PATH. Go 1.26 builds the control plane, cosign, Versity Gateway, helm and Prometheus"
  log "from the Go module proxy: install it (https://go.dev/dl/) and run this again."
  exit 1
fi
log "Go: $(go env GOVERSION) ($(command -v go))"

bash "$hack/install-test-deps.sh"

# The build scripts print the binary's path on stdout (for their callers in code); here only
# their progress on stderr matters.
if [ -n "${KUBECONFIG:-}" ]; then
  log "KUBECONFIG is set: the integration tests use that cluster, no local control plane needed"
else
  bash "$hack/build-controlplane.sh" >/dev/null
fi
for tool in cosign s3 helm promtool prometheus; do
  bash "$hack/build-$tool.sh" >/dev/null
done
