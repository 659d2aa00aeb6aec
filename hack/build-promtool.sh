#!/usr/bin/env bash
# Builds promtool (hack/prometheus pins the version). The tests check the operator's live
# /metrics with it and unit-test every alert rule (`promtool test rules`). `remove_all_sd`
# leaves out the cloud service discoveries: the tests only use static targets.
GO_TOOL_TAGS=remove_all_sd exec "$(dirname "$0")/build-go-tool.sh" promtool prometheus \
  github.com/prometheus/prometheus github.com/prometheus/prometheus/cmd/promtool \
  github.com/prometheus/common/version.Version
