package safehttp

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"net/url"
	"os"
	"syscall"
	"testing"
)

func TestClassify(t *testing.T) {
	t.Parallel()
	blocked := &BlockedError{Host: "localhost", IP: netip.MustParseAddr("127.0.0.1"), Reason: "loopback"}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"nil", nil, ""},
		{"blocked", blocked, ClassBlocked},
		{"blocked at dial", &url.Error{Op: "Get", URL: "http://localhost/", Err: &net.OpError{Op: "dial", Net: "tcp", Err: blocked}}, ClassBlocked},
		{"scheme", &url.Error{Op: "Get", URL: "file:///", Err: fmt.Errorf("%w %q", ErrUnsupportedScheme, "file")}, ClassBlocked},
		{"too large", fmt.Errorf("%w: more than 10 bytes", ErrTooLarge), ClassTooLarge},
		{"canceled", &url.Error{Op: "Get", URL: "http://x/", Err: context.Canceled}, ClassCanceled},
		{"deadline", &url.Error{Op: "Get", URL: "http://x/", Err: context.DeadlineExceeded}, ClassTimeout},
		{"socket deadline", &net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}, ClassTimeout},
		{"no such host", &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "x.test", IsNotFound: true}}, ClassDNS},
		{"DNS time-out", &net.DNSError{Err: "i/o timeout", Name: "x.test", IsTimeout: true}, ClassTimeout},
		{"connection refused", &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}, ClassRefused},
		{"record header", &url.Error{Op: "Get", URL: "https://x/", Err: tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"}}, ClassTLS},
		{"alert", tls.AlertError(40), ClassTLS},
		{"unknown authority", &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}, ClassTLS},
		{"hostname", x509.HostnameError{Certificate: &x509.Certificate{}, Host: "x"}, ClassTLS},
		{"untyped tls", errors.New("remote error: tls: handshake failure"), ClassTLS},
		{"plain HTTP server", &url.Error{Op: "Get", URL: "https://x/", Err: errors.New("http: server gave HTTP response to HTTPS client")}, ClassTLS},
		{"reset", &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}, ClassNetwork},
		{"unexpected EOF", io.ErrUnexpectedEOF, ClassNetwork},
	}
	for _, tt := range tests {
		if got := Classify(tt.err); got != tt.want {
			t.Errorf("%s: Classify(%v) = %q, want %q", tt.name, tt.err, got, tt.want)
		}
	}
}

func TestBlockedErrorMessage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  BlockedError
		want string
	}{
		{BlockedError{Host: "localhost", IP: netip.MustParseAddr("127.0.0.1"), Reason: "loopback"},
			`refused 127.0.0.1 (loopback) for host "localhost": add it to --allow-net to allow`},
		{BlockedError{Host: "127.0.0.1", IP: netip.MustParseAddr("127.0.0.1"), Reason: "loopback"},
			`refused 127.0.0.1 (loopback): add it to --allow-net to allow`},
		{BlockedError{Host: "0:0:0:0:0:ffff:127.0.0.1", IP: netip.MustParseAddr("::ffff:127.0.0.1"), Reason: "IPv4-mapped 127.0.0.1: loopback"},
			`refused ::ffff:127.0.0.1 (IPv4-mapped 127.0.0.1: loopback) for host "0:0:0:0:0:ffff:127.0.0.1": add it to --allow-net to allow`},
		{BlockedError{Host: "metadata.google.internal", IP: netip.MustParseAddr("169.254.169.254"), Reason: "cloud metadata"},
			`refused 169.254.169.254 (cloud metadata) for host "metadata.google.internal": add it to --allow-net to allow`},
		{BlockedError{Host: "bücher.test", Reason: "not ASCII"},
			`refused host "bücher.test" (not ASCII): add it to --allow-net to allow`},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}
