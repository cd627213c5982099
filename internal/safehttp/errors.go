package safehttp

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"syscall"
)

// ErrUnsupportedScheme is returned, wrapped, for a URL whose scheme is not
// http or https. Nothing is dialled for such a URL.
var ErrUnsupportedScheme = errors.New("safehttp: unsupported URL scheme")

// ErrTooLarge is returned, wrapped with the limit, by ReadBody when a body
// is larger than the limit.
var ErrTooLarge = errors.New("safehttp: response body too large")

// BlockedError is the error when a connection to an address is refused. It
// reaches callers wrapped (in *url.Error and *net.OpError); use errors.As.
type BlockedError struct {
	// Host is the host of the URL (after IDNA mapping), or the IP itself
	// when the URL held an IP literal.
	Host string
	// IP is the address that was refused; it is the zero Addr when the
	// host was refused before any address was known.
	IP netip.Addr
	// Reason says which rule refused it, for example "loopback".
	Reason string
}

// Error names the address, the reason and the host, and says how to open
// an exception, for example:
//
//	refused 127.0.0.1 (loopback) for host "localhost": add it to --allow-net to allow
func (e *BlockedError) Error() string {
	var b strings.Builder
	if !e.IP.IsValid() {
		fmt.Fprintf(&b, "refused host %q (%s)", e.Host, e.Reason)
	} else {
		fmt.Fprintf(&b, "refused %s (%s)", e.IP, e.Reason)
	}
	if e.IP.IsValid() && e.Host != "" && e.Host != e.IP.String() {
		fmt.Fprintf(&b, " for host %q", e.Host)
	}
	b.WriteString(": add it to --allow-net to allow")
	return b.String()
}

// Error classes returned by Classify.
const (
	ClassBlocked  = "blocked"   // refused address or URL scheme
	ClassTimeout  = "timeout"   // a deadline passed: dial, TLS, headers or body
	ClassDNS      = "dns"       // the host name did not resolve
	ClassRefused  = "refused"   // connection refused by the peer
	ClassTLS      = "tls"       // TLS handshake or certificate failure
	ClassTooLarge = "too_large" // body over the limit (ErrTooLarge)
	ClassNetwork  = "network"   // any other failure
	ClassCanceled = "canceled"  // the caller's context was canceled
)

// Classify returns a short class for err, one of the Class constants, for
// logs and for the error variable a flow sees; it returns "" for a nil
// error. A DNS failure caused by a passed deadline is "timeout".
func Classify(err error) string {
	if err == nil {
		return ""
	}
	var blocked *BlockedError
	var dnsErr *net.DNSError
	var netErr net.Error
	switch {
	case errors.As(err, &blocked), errors.Is(err, ErrUnsupportedScheme):
		return ClassBlocked
	case errors.Is(err, ErrTooLarge):
		return ClassTooLarge
	case errors.Is(err, context.Canceled):
		return ClassCanceled
	case errors.Is(err, context.DeadlineExceeded):
		return ClassTimeout
	case errors.As(err, &dnsErr) && !dnsErr.IsTimeout:
		return ClassDNS
	case errors.As(err, &netErr) && netErr.Timeout():
		return ClassTimeout
	case errors.Is(err, syscall.ECONNREFUSED):
		return ClassRefused
	case isTLS(err):
		return ClassTLS
	}
	return ClassNetwork
}

// isTLS reports whether err comes from a TLS handshake or from verifying
// the peer's certificate.
func isTLS(err error) bool {
	var (
		record    tls.RecordHeaderError
		alert     tls.AlertError
		verify    *tls.CertificateVerificationError
		authority x509.UnknownAuthorityError
		hostname  x509.HostnameError
		invalid   x509.CertificateInvalidError
	)
	switch {
	case errors.As(err, &record), errors.As(err, &alert), errors.As(err, &verify),
		errors.As(err, &authority), errors.As(err, &hostname), errors.As(err, &invalid):
		return true
	}
	// Most of crypto/tls's handshake errors are untyped; they all start
	// with "tls: ". net/http replaces the record-header error of a
	// plain-HTTP server with an untyped error of its own.
	msg := err.Error()
	return strings.Contains(msg, "tls: ") || strings.Contains(msg, "server gave HTTP response to HTTPS client")
}
