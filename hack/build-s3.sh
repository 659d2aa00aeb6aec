#!/usr/bin/env bash
# Builds Versity Gateway (versitygw, Apache-2.0), an S3 server with Object Lock, from the
# Go module proxy into a cache outside the repository, keyed by version, through the
# wrapper module in hack/s3 (go.mod + go.sum pin every dependency). The AuditArchive
# integration tests run it with its posix backend. A second run with the binary present
# does nothing. A cold build on two cores takes a few minutes.
#
#   hack/build-s3.sh              build if missing; the last stdout line is the binary path
#   TENANTRY_CACHE=/some/dir ...  cache root (default ~/.cache/tenantry)
set -euo pipefail
hack=$(cd "$(dirname "$0")" && pwd)
# The version is the one hack/s3/go.mod pins.
VERSITYGW_VERSION=$(awk '{ for (i = 1; i < NF; i++) if ($i == "github.com/versity/versitygw") { print $(i + 1); exit } }' "$hack/s3/go.mod")
[ -n "$VERSITYGW_VERSION" ] || { echo "[build-s3] no versitygw version in hack/s3/go.mod" >&2; exit 1; }
cache=${TENANTRY_CACHE:-$HOME/.cache/tenantry}
dir="$cache/tools/versitygw-$VERSITYGW_VERSION"
bin="$dir/versitygw"
export GOFLAGS=-mod=mod GOTOOLCHAIN=local GOWORK=off CGO_ENABLED=0

log() { printf '[build-s3] %s\n' "$*" >&2; }

if [ -x "$bin" ]; then
  log "versitygw $VERSITYGW_VERSION: cached"
  echo "$bin"
  exit 0
fi

mkdir -p "$dir"
log "versitygw $VERSITYGW_VERSION: building (a few minutes on two cores)"
start=$SECONDS
# Build to a temporary name and rename, so an interrupted build never leaves a binary
# that the check above would take as complete.
(cd "$hack/s3" && go build -trimpath -ldflags "-s -w -X main.Version=$VERSITYGW_VERSION" -o "$bin.tmp.$$" github.com/versity/versitygw/cmd/versitygw)
mv "$bin.tmp.$$" "$bin"
log "versitygw $VERSITYGW_VERSION: built in $((SECONDS - start))s"
echo "$bin"
