package safehttp

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Defaults applied by New to the zero fields of a Config, and the fixed
// limits of every Client.
const (
	DefaultTimeout             = 15 * time.Second
	DefaultMaxResponseBytes    = 1 << 20
	DefaultMaxIdleConnsPerHost = 64

	// DialTimeout bounds connecting one address.
	DialTimeout = 5 * time.Second
	// TLSHandshakeTimeout bounds the TLS handshake.
	TLSHandshakeTimeout = 5 * time.Second
	// maxResponseHeaderBytes caps the response headers a peer may send.
	maxResponseHeaderBytes = 64 << 10
)

// Config configures a Client. The zero Config is valid: it refuses every
// non-public address, times requests out after 15 s and caps ReadBody at
// 1 MiB.
type Config struct {
	// Allow lists networks (CIDR, or a single IP) and host names that are
	// allowed even though they are private, loopback and so on; see
	// ParseAllow for the forms. Listing one entry never disables the checks
	// for others. Nil allows nothing beyond public addresses.
	Allow []string
	// Timeout is the per-request time-out used when the request's context
	// has no deadline; it covers the whole exchange, body included. It is
	// also the transport's response header time-out, so it caps the wait
	// for headers even under a longer context deadline. Zero means 15 s.
	Timeout time.Duration
	// MaxResponseBytes caps the bodies read through ReadBody with no
	// explicit limit. Zero means 1 MiB.
	MaxResponseBytes int64
	// UseEnvironmentProxy sends requests through the proxy named by
	// HTTP_PROXY, HTTPS_PROXY and NO_PROXY (read once per process by
	// net/http). When false, the default, those variables are ignored.
	// See Proxy for what is checked through a proxy.
	UseEnvironmentProxy bool
	// Proxy, when set, sends every request through this http:// or
	// https:// proxy (see ParseProxy); it cannot be combined with
	// UseEnvironmentProxy. Through a proxy, the proxy's own address is
	// dialled whatever it is (the operator configured it), and the target
	// is checked before the request is handed over: an IP literal must
	// pass Check, and a name is resolved and every address must pass it
	// (a host-name allow entry skips the check, as it does when dialling).
	// The proxy resolves the name again, so a name whose answer changes
	// in between (DNS rebinding) can still reach a private address: only
	// the proxy's own egress rules close that window.
	Proxy *url.URL
	// Resolver looks host names up. Nil means net.DefaultResolver.
	Resolver *net.Resolver
	// MaxIdleConnsPerHost is how many idle connections are kept per host.
	// Zero means 64 (Go's default of 2 churns connections under load).
	MaxIdleConnsPerHost int
	// TLSConfig is the TLS client configuration, cloned by New; set RootCAs
	// to trust a private CA. Nil means Go's defaults (the system roots).
	TLSConfig *tls.Config
}

// Client sends HTTP requests to user-configured URLs under the rules of
// this package. It is safe for concurrent use; make one per configuration
// and share it, so that connections are reused.
type Client struct {
	allow     *AllowList
	timeout   time.Duration
	maxBody   int64
	dialer    net.Dialer
	transport *http.Transport
	http      *http.Client

	// chooseProxy is the transport's choice of proxy before proxyFunc
	// wraps it (nil when there is none), and proxyAddrs the "host:port"
	// of every proxy it chose, dialled without the address check.
	chooseProxy func(*http.Request) (*url.URL, error)
	proxyAddrs  sync.Map

	// beforeConnect, when set (by tests only), runs for every address that
	// passed the check, just before the socket connects; an error aborts
	// that connection attempt.
	beforeConnect func(network, address string) error
}

// New builds a Client from cfg. It reports an error for a bad allow entry
// (naming it) or a negative limit.
func New(cfg Config) (*Client, error) {
	switch {
	case cfg.Timeout < 0:
		return nil, fmt.Errorf("safehttp: negative Timeout %v", cfg.Timeout)
	case cfg.MaxResponseBytes < 0:
		return nil, fmt.Errorf("safehttp: negative MaxResponseBytes %d", cfg.MaxResponseBytes)
	case cfg.MaxIdleConnsPerHost < 0:
		return nil, fmt.Errorf("safehttp: negative MaxIdleConnsPerHost %d", cfg.MaxIdleConnsPerHost)
	case cfg.Proxy != nil && cfg.UseEnvironmentProxy:
		return nil, fmt.Errorf("safehttp: both Proxy and UseEnvironmentProxy are set")
	}
	if cfg.Proxy != nil {
		if err := checkProxyURL(cfg.Proxy); err != nil {
			return nil, fmt.Errorf("safehttp: proxy %s: %w", cfg.Proxy.Redacted(), err)
		}
	}
	allow, err := ParseAllow(cfg.Allow)
	if err != nil {
		return nil, err
	}
	c := &Client{
		allow:   allow,
		timeout: orDefault(cfg.Timeout, DefaultTimeout),
		maxBody: orDefault(cfg.MaxResponseBytes, DefaultMaxResponseBytes),
		dialer: net.Dialer{
			Timeout:   DialTimeout,
			KeepAlive: 30 * time.Second,
			Resolver:  cfg.Resolver,
		},
	}
	perHost := orDefault(cfg.MaxIdleConnsPerHost, DefaultMaxIdleConnsPerHost)
	c.transport = &http.Transport{
		DialContext:            c.dialContext,
		TLSClientConfig:        cfg.TLSConfig.Clone(),
		TLSHandshakeTimeout:    TLSHandshakeTimeout,
		ResponseHeaderTimeout:  c.timeout,
		ExpectContinueTimeout:  time.Second,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           max(100, 4*perHost),
		MaxIdleConnsPerHost:    perHost,
		IdleConnTimeout:        90 * time.Second,
		MaxResponseHeaderBytes: maxResponseHeaderBytes,
	}
	switch {
	case cfg.UseEnvironmentProxy:
		c.chooseProxy = http.ProxyFromEnvironment
	case cfg.Proxy != nil:
		c.chooseProxy = http.ProxyURL(cfg.Proxy)
	}
	if c.chooseProxy != nil {
		c.transport.Proxy = c.proxyFunc(c.chooseProxy)
	}
	c.http = &http.Client{
		Transport: &guard{c: c, next: c.transport},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	return c, nil
}

// orDefault returns v, or def when v is zero.
func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// Do sends req and returns the response. A 3xx response is returned as it
// is, never followed. The caller must close the response body, or read it
// with ReadBody. Errors are wrapped in *url.Error; see Classify.
func (c *Client) Do(req *http.Request) (*http.Response, error) {
	return c.http.Do(req)
}

// HTTPClient returns the underlying *http.Client, for code that needs one
// (its CheckRedirect returns http.ErrUseLastResponse). Every rule of the
// Client holds for requests sent through it. Callers must not modify it.
func (c *Client) HTTPClient() *http.Client {
	return c.http
}

// AllowList returns the parsed Config.Allow, for validating URLs with
// AllowList.CheckURL before they are used.
func (c *Client) AllowList() *AllowList {
	return c.allow
}

// CloseIdleConnections closes the connections kept for reuse. Connections
// in use are not interrupted.
func (c *Client) CloseIdleConnections() {
	c.transport.CloseIdleConnections()
}

// dialContext dials addr ("host:port") with a Control hook that checks the
// address of every connection attempt, so the IP that is checked is the IP
// that is connected to, whatever resolved it. A host on the allow list by
// name, and a proxy the transport chose, are dialled with no address check.
func (c *Client) dialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	_, isProxy := c.proxyAddrs.Load(addr)
	byName := isProxy || c.allow.AllowsHost(host)
	d := c.dialer
	d.Control = func(network, address string, _ syscall.RawConn) error {
		if !byName {
			if err := c.checkAddress(host, address); err != nil {
				return err
			}
		}
		if c.beforeConnect != nil {
			return c.beforeConnect(network, address)
		}
		return nil
	}
	return d.DialContext(ctx, network, addr)
}

// checkAddress checks the "ip:port" a socket is about to connect to on
// behalf of host. An address that does not parse is refused.
func (c *Client) checkAddress(host, address string) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return &BlockedError{Host: host, Reason: "unparseable address " + address}
	}
	if reason := c.allow.Check(ap.Addr()); reason != "" {
		return &BlockedError{Host: host, IP: ap.Addr().WithZone(""), Reason: reason}
	}
	return nil
}

// CheckURL reports whether u may be requested: its scheme must be http or
// https (else the error wraps ErrUnsupportedScheme), it must have a host,
// and a host that is an IP literal must pass Check (else a *BlockedError).
// A host name is not resolved here: its addresses are checked when they
// are dialled. CheckURL is safe on a nil *AllowList.
func (a *AllowList) CheckURL(u *url.URL) error {
	if u == nil {
		return fmt.Errorf("safehttp: nil URL")
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
	default:
		return fmt.Errorf("%w %q: only http and https are allowed", ErrUnsupportedScheme, u.Scheme)
	}
	host := u.Hostname()
	if host == "" {
		return fmt.Errorf("safehttp: URL has no host")
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return nil
	}
	if reason := a.Check(ip); reason != "" {
		return &BlockedError{Host: host, IP: ip.WithZone(""), Reason: reason}
	}
	return nil
}

// guard is the Client's http.RoundTripper: it checks the URL, applies the
// default time-out and marks the body with the Client's cap before and
// after the transport's round trip.
type guard struct {
	c    *Client
	next http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (g *guard) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := g.c.allow.CheckURL(req.URL); err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	var cancel context.CancelFunc
	if _, ok := req.Context().Deadline(); !ok {
		var ctx context.Context
		ctx, cancel = context.WithTimeout(req.Context(), g.c.timeout)
		req = req.WithContext(ctx)
	}
	resp, err := g.next.RoundTrip(req)
	if err != nil {
		if cancel != nil {
			cancel()
		}
		return nil, err
	}
	resp.Body = &body{ReadCloser: resp.Body, limit: g.c.maxBody, cancel: cancel}
	return resp, nil
}
