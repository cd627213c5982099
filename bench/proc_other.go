//go:build !linux

package main

import "os/exec"

// setDeathSignal does nothing off Linux (where the benchmark cannot read
// /proc anyway).
func setDeathSignal(*exec.Cmd) {}
