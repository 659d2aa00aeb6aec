//go:build tools

// Package tools pins the prometheus and promtool commands this wrapper module builds.
package tools

import (
	_ "github.com/prometheus/prometheus/cmd/prometheus"
	_ "github.com/prometheus/prometheus/cmd/promtool"
)
