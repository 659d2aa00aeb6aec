#!/usr/bin/env bash
# Builds the helm CLI (hack/helm pins the version). The tests render and lint the chart with
# it, and apply what it renders to the real API server.
exec "$(dirname "$0")/build-go-tool.sh" helm helm helm.sh/helm/v4 helm.sh/helm/v4/cmd/helm \
  helm.sh/helm/v4/internal/version.version
