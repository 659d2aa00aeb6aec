#!/usr/bin/env bash
# Builds kube-apiserver, kube-controller-manager, kube-scheduler, kubectl and etcd from the
# Go module proxy into a cache outside the repository, keyed by version. A second run with
# the binaries present does nothing. A cold build on two cores takes tens of minutes.
#
#   hack/build-controlplane.sh          build what is missing, print the bin directory
#   TENANTRY_CACHE=/some/dir ...        cache root (default ~/.cache/tenantry)
set -euo pipefail
hack=$(cd "$(dirname "$0")" && pwd)
. "$hack/versions.env"
cache=${TENANTRY_CACHE:-$HOME/.cache/tenantry}
bin="$cache/controlplane/kube-$KUBE_VERSION-etcd-$ETCD_VERSION/bin"
mkdir -p "$bin"
export GOFLAGS=-mod=mod GOTOOLCHAIN=local GOWORK=off CGO_ENABLED=0

log() { printf '[build-controlplane] %s\n' "$*" >&2; }

kube_ldflags() {
  local minor=${KUBE_VERSION#v1.}; minor=${minor%%.*}
  # Release builds stamp these; without them /version reports v0.0.0-master and kubectl
  # warns about skew, and Helm's kubeVersion checks fail.
  local date commit=$(printf '%s' "$KUBE_VERSION" | sha1sum | cut -c1-40)
  date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  local f=""
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    f+=" -X $pkg.gitVersion=$KUBE_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    f+=" -X $pkg.gitCommit=$commit -X $pkg.gitTreeState=clean -X $pkg.buildDate=$date"
  done
  printf '%s -s -w' "$f"
}

build_one() { # name module-dir package
  local name=$1 dir=$2 pkg=$3 ldflags=$4
  if [ -x "$bin/$name" ]; then log "$name: cached"; return; fi
  log "$name: building $pkg (this can take 5-15 minutes on two cores)"
  local start=$SECONDS
  (cd "$dir" && go build -trimpath -tags providerless -ldflags "$ldflags" -o "$bin/$name.tmp" "$pkg")
  mv "$bin/$name.tmp" "$bin/$name"
  log "$name: built in $((SECONDS - start))s"
}

kube_cmds=(kube-apiserver kube-controller-manager kube-scheduler kubectl)

# The warm path (every test run goes through it) says so in one line.
cached=1
for name in etcd "${kube_cmds[@]}"; do [ -x "$bin/$name" ] || cached=0; done
if [ $cached -eq 1 ]; then
  log "kube $KUBE_VERSION, etcd $ETCD_VERSION: cached in $bin"
  echo "$bin"
  exit 0
fi

total=$SECONDS
kl=$(kube_ldflags)
build_one etcd "$hack/etcd" go.etcd.io/etcd/server/v3 "-s -w"
for cmd in "${kube_cmds[@]}"; do
  build_one "$cmd" "$hack/k8s" "k8s.io/kubernetes/cmd/$cmd" "$kl"
done
log "control plane ready in $((SECONDS - total))s: $bin"
echo "$bin"
