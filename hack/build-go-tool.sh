#!/usr/bin/env bash
# Builds a Go command from the Go module proxy into a cache outside the repository, keyed by
# version, through a wrapper module under hack/ (its go.mod and go.sum pin every dependency).
# A second run with the binary present does nothing. Used by the hack/build-<tool>.sh scripts.
#
#   hack/build-go-tool.sh NAME WRAPPER_DIR MODULE PACKAGE [VERSION_LDFLAG_VAR]
#   TENANTRY_CACHE=/some/dir ...  cache root (default ~/.cache/tenantry)
#   GO_TOOL_TAGS=a,b ...          build tags (the caller's choice, part of what it pins)
# The last stdout line is the binary's path.
set -euo pipefail
[ $# -ge 4 ] || { echo "usage: $0 NAME WRAPPER_DIR MODULE PACKAGE [VERSION_LDFLAG_VAR]" >&2; exit 2; }
name=$1 wrapper=$2 module=$3 package=$4 version_var=${5:-}
hack=$(cd "$(dirname "$0")" && pwd)
version=$(awk -v m="$module" '{ for (i = 1; i < NF; i++) if ($i == m) { print $(i + 1); exit } }' "$hack/$wrapper/go.mod")
[ -n "$version" ] || { echo "[build-$name] no $module version in hack/$wrapper/go.mod" >&2; exit 1; }
cache=${TENANTRY_CACHE:-$HOME/.cache/tenantry}
dir="$cache/tools/$name-$version"
bin="$dir/$name"
export GOFLAGS=-mod=mod GOTOOLCHAIN=local GOWORK=off CGO_ENABLED=0

log() { printf '[build-%s] %s\n' "$name" "$*" >&2; }

if [ -x "$bin" ]; then
  log "$name $version: cached"
  echo "$bin"
  exit 0
fi

mkdir -p "$dir"
log "$name $version: building (a few minutes on two cores)"
start=$SECONDS
# Release builds stamp the version; without it the tool reports "devel".
ldflags="-s -w${version_var:+ -X $version_var=$version}"
# Build to a temporary name and rename, so an interrupted build never leaves a binary that
# the check above would take as complete.
(cd "$hack/$wrapper" && go build -trimpath -tags "${GO_TOOL_TAGS:-}" -ldflags "$ldflags" -o "$bin.tmp.$$" "$package")
mv "$bin.tmp.$$" "$bin"
log "$name $version: built in $((SECONDS - start))s"
echo "$bin"
