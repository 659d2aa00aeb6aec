#!/usr/bin/env bash
# Builds the container image without a Docker engine (umoci and skopeo, from
# hack/install-test-deps.sh), with the project's own Node 24. See hack/build-image.ts.
# The last stdout line is the output directory.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
exec "$root/node_modules/.bin/node" "$root/hack/build-image.ts" "$@"
