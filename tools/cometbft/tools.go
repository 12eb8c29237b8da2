//go:build tools

// Package tools pins the CometBFT command that devicechain runs under. Build it with
// `go build -o ../../.cache/bin/cometbft github.com/cometbft/cometbft/cmd/cometbft`
// from this folder (the CLI and the test harness do it when the binary is missing).
package tools

import _ "github.com/cometbft/cometbft/cmd/cometbft"
