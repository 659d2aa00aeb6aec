#!/usr/bin/env bash
# Builds the Prometheus server (hack/prometheus pins the version). The integration test runs
# it against a live operator and runs every dashboard query and alert expression through its
# HTTP API. `remove_all_sd` leaves out the cloud service discoveries (the test scrapes a
# static target); without the `builtinassets` tag the web UI is not compiled in, which the
# test does not need: it only talks to the HTTP API.
GO_TOOL_TAGS=remove_all_sd exec "$(dirname "$0")/build-go-tool.sh" prometheus prometheus \
  github.com/prometheus/prometheus github.com/prometheus/prometheus/cmd/prometheus \
  github.com/prometheus/common/version.Version
