//go:build !cgo || netgo

package safehttp

// haveLibcResolver reports whether this test binary can resolve through the
// C library (GODEBUG=netdns=cgo).
const haveLibcResolver = false
