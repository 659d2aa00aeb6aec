#!/usr/bin/env bash
# Builds the cosign CLI (hack/cosign pins the version; v3.1.x is the newest line on Go 1.26).
# The integration tests use it as an independent verifier of our evidence bundles.
exec "$(dirname "$0")/build-go-tool.sh" cosign cosign github.com/sigstore/cosign/v3 \
  github.com/sigstore/cosign/v3/cmd/cosign sigs.k8s.io/release-utils/version.gitVersion
