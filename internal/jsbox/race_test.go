//go:build race

package jsbox_test

// raceDetector reports whether the tests run under the race detector,
// which slows QuickJS (Go code transpiled from C) some thirty times.
const raceDetector = true
