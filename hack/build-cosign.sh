#!/usr/bin/env bash
# Builds the cosign CLI from the Go module proxy into a cache outside the repository, keyed
# by version, through the wrapper module in hack/cosign (go.mod + go.sum pin every
# dependency). The integration tests use it as an independent verifier of our evidence
# bundles. A second run with the binary present does nothing. A cold build on two cores
# takes a few minutes.
#
#   hack/build-cosign.sh          build if missing; the last stdout line is the binary path
#   TENANTRY_CACHE=/some/dir ...  cache root (default ~/.cache/tenantry)
set -euo pipefail
hack=$(cd "$(dirname "$0")" && pwd)
# The version is the one hack/cosign/go.mod pins (v3.1.x is the newest line on Go 1.26).
COSIGN_VERSION=$(awk '{ for (i = 1; i < NF; i++) if ($i == "github.com/sigstore/cosign/v3") { print $(i + 1); exit } }' "$hack/cosign/go.mod")
[ -n "$COSIGN_VERSION" ] || { echo "[build-cosign] no cosign version in hack/cosign/go.mod" >&2; exit 1; }
cache=${TENANTRY_CACHE:-$HOME/.cache/tenantry}
dir="$cache/tools/cosign-$COSIGN_VERSION"
bin="$dir/cosign"
export GOFLAGS=-mod=mod GOTOOLCHAIN=local GOWORK=off CGO_ENABLED=0

log() { printf '[build-cosign] %s\n' "$*" >&2; }

if [ -x "$bin" ]; then
  log "cosign $COSIGN_VERSION: cached"
  echo "$bin"
  exit 0
fi

mkdir -p "$dir"
log "cosign $COSIGN_VERSION: building (a few minutes on two cores)"
start=$SECONDS
# Release builds stamp the version; without it `cosign version` says "devel".
ldflags="-s -w -X sigs.k8s.io/release-utils/version.gitVersion=$COSIGN_VERSION"
# Build to a temporary name and rename, so an interrupted build never leaves a binary
# that the check above would take as complete.
(cd "$hack/cosign" && go build -trimpath -ldflags "$ldflags" -o "$bin.tmp.$$" github.com/sigstore/cosign/v3/cmd/cosign)
mv "$bin.tmp.$$" "$bin"
log "cosign $COSIGN_VERSION: built in $((SECONDS - start))s"
echo "$bin"
