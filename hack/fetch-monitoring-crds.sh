#!/usr/bin/env bash
# The Prometheus Operator's ServiceMonitor and PrometheusRule CRDs, as a partner cluster with
# the Prometheus Operator has them: from the operator's own module on the Go module proxy
# (its example/prometheus-operator-crd/), checked against the digests pinned here, into a
# cache outside the repository. The tests install them where the pack's observability is on.
# The last stdout line is the directory holding the two files.
set -euo pipefail
version=v0.94.0
module=github.com/prometheus-operator/prometheus-operator
declare -A pinned=(
  [monitoring.coreos.com_servicemonitors.yaml]=10a5f90038608d9a2758d5a8700e1be5adbaff5d6355a52fa7b6e8488b71156d
  [monitoring.coreos.com_prometheusrules.yaml]=2f2015458b5f70695efc918e2c5ca063563e1dd4c9b1324a28f7a0367de26e88
)
cache=${TENANTRY_CACHE:-$HOME/.cache/tenantry}
dir="$cache/tools/monitoring-crds-$version"
log() { printf '[monitoring-crds] %s\n' "$*" >&2; }
check() { for f in "${!pinned[@]}"; do echo "${pinned[$f]}  $1/$f"; done | sha256sum --quiet -c -; }

if [ -d "$dir" ] && check "$dir" 2>/dev/null; then
  log "$version: cached"
  echo "$dir"
  exit 0
fi
log "$version: downloading $module from the Go module proxy"
export GOFLAGS=-mod=mod GOTOOLCHAIN=local GOWORK=off
src=$(cd "$(mktemp -d)" && go mod download -json "$module@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[ -n "$src" ] || { log "go mod download gave no directory"; exit 1; }
tmp="$dir.tmp.$$"
mkdir -p "$tmp"
for f in "${!pinned[@]}"; do cp "$src/example/prometheus-operator-crd/$f" "$tmp/$f"; chmod 0644 "$tmp/$f"; done
check "$tmp"
rm -rf "$dir"
mv "$tmp" "$dir"
echo "$dir"
