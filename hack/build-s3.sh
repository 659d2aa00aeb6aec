#!/usr/bin/env bash
# Builds Versity Gateway (versitygw, Apache-2.0), an S3 server with Object Lock (hack/s3 pins
# the version). The audit-archive integration tests run it with its posix backend.
exec "$(dirname "$0")/build-go-tool.sh" versitygw s3 github.com/versity/versitygw \
  github.com/versity/versitygw/cmd/versitygw main.Version
