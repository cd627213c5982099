package safehttp

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// loopback allows the httptest servers of these tests.
var loopback = []string{"127.0.0.1/32"}

// newTestClient builds a Client from cfg or fails the test.
func newTestClient(t *testing.T, cfg Config) *Client {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

// countingServer starts a server on 127.0.0.1 that counts its requests and
// answers with h.
func countingServer(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func TestNewDefaults(t *testing.T) {
	t.Parallel()
	c := newTestClient(t, Config{})
	tr := c.transport
	checks := []struct {
		name      string
		got, want any
	}{
		{"timeout", c.timeout, 15 * time.Second},
		{"body cap", c.maxBody, int64(1 << 20)},
		{"dial timeout", c.dialer.Timeout, 5 * time.Second},
		{"TLS handshake timeout", tr.TLSHandshakeTimeout, 5 * time.Second},
		{"response header timeout", tr.ResponseHeaderTimeout, 15 * time.Second},
		{"idle per host", tr.MaxIdleConnsPerHost, 64},
		{"proxy ignored", tr.Proxy == nil, true},
		{"HTTP/2 kept", tr.ForceAttemptHTTP2, true},
		{"TLS config", tr.TLSClientConfig == nil, true},
		{"redirects", c.HTTPClient().CheckRedirect(nil, nil), http.ErrUseLastResponse},
		{"allow list", c.AllowList().String(), ""},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s = %v, want %v", ch.name, ch.got, ch.want)
		}
	}

	custom := newTestClient(t, Config{
		Timeout:             30 * time.Second,
		MaxResponseBytes:    10 << 20,
		MaxIdleConnsPerHost: 8,
		UseEnvironmentProxy: true,
		Allow:               []string{"10.0.0.0/8", "hooks.lan"},
		TLSConfig:           &tls.Config{ServerName: "hooks.lan"},
	})
	if custom.timeout != 30*time.Second || custom.transport.ResponseHeaderTimeout != 30*time.Second {
		t.Errorf("timeout = %v / header timeout %v, want 30s", custom.timeout, custom.transport.ResponseHeaderTimeout)
	}
	if custom.maxBody != 10<<20 || custom.transport.MaxIdleConnsPerHost != 8 {
		t.Errorf("body cap %d, idle per host %d; want %d, 8", custom.maxBody, custom.transport.MaxIdleConnsPerHost, 10<<20)
	}
	if got, want := reflect.ValueOf(custom.chooseProxy).Pointer(), reflect.ValueOf(http.ProxyFromEnvironment).Pointer(); got != want {
		t.Error("UseEnvironmentProxy does not install http.ProxyFromEnvironment")
	}
	if custom.transport.Proxy == nil {
		t.Error("UseEnvironmentProxy leaves the transport without a proxy")
	}
	if got := custom.transport.TLSClientConfig.ServerName; got != "hooks.lan" {
		t.Errorf("TLS ServerName = %q, want hooks.lan", got)
	}
	if got := custom.AllowList().String(); got != "10.0.0.0/8,hooks.lan" {
		t.Errorf("allow list = %q", got)
	}
}

func TestNewErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"negative timeout", Config{Timeout: -time.Second}, "safehttp: negative Timeout -1s"},
		{"negative cap", Config{MaxResponseBytes: -1}, "safehttp: negative MaxResponseBytes -1"},
		{"negative idle", Config{MaxIdleConnsPerHost: -1}, "safehttp: negative MaxIdleConnsPerHost -1"},
		{"bad entry", Config{Allow: []string{"10.0.0.0/8", "10.0.0.0/99"}}, `safehttp: allow entry "10.0.0.0/99": not a CIDR network`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := New(tt.cfg)
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("New = %v, %v; want error starting %q", c, err, tt.want)
			}
		})
	}
}

func TestAllowedCall(t *testing.T) {
	t.Parallel()
	srv, hits := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"method":%q,"path":%q,"got":%q}`, r.Method, r.URL.Path, b)
	})
	c := newTestClient(t, Config{Allow: loopback})

	req, err := http.NewRequest(http.MethodPost, srv.URL+"/hook", strings.NewReader("hello"))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("Do: %v", err)
	}
	body, err := ReadBody(resp, 0)
	if err != nil {
		t.Fatalf("ReadBody: %v", err)
	}
	if resp.StatusCode != http.StatusOK || string(body) != `{"method":"POST","path":"/hook","got":"hello"}` {
		t.Errorf("got %d %s", resp.StatusCode, body)
	}

	// The *http.Client follows the same rules.
	resp, err = c.HTTPClient().Get(srv.URL + "/again")
	if err != nil {
		t.Fatalf("HTTPClient().Get: %v", err)
	}
	body, _ = ReadBody(resp, 0)
	if string(body) != `{"method":"GET","path":"/again","got":""}` {
		t.Errorf("second body %s", body)
	}
	if hits.Load() != 2 {
		t.Errorf("server hits = %d, want 2", hits.Load())
	}
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	srv, hits := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.URL.Path)
	})
	c := newTestClient(t, Config{Allow: loopback})
	const n = 32
	errs := make(chan error, n)
	for i := range n {
		req := mustRequest(t, fmt.Sprintf("%s/%d", srv.URL, i))
		go func() {
			resp, err := c.Do(req)
			if err != nil {
				errs <- err
				return
			}
			body, err := ReadBody(resp, 0)
			if err == nil && string(body) != fmt.Sprintf("/%d", i) {
				err = fmt.Errorf("request %d got %q", i, body)
			}
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if hits.Load() != n {
		t.Errorf("server hits = %d, want %d", hits.Load(), n)
	}
}

func TestRefusedByDefault(t *testing.T) {
	t.Parallel()
	srv, hits := countingServer(t, func(w http.ResponseWriter, _ *http.Request) {})
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	dns := newFakeDNS(nil)
	tests := []struct {
		url  string
		want string
	}{
		{srv.URL + "/", fmt.Sprintf(`Get "%s/": refused 127.0.0.1 (loopback): add it to --allow-net to allow`, srv.URL)},
		{"http://localhost:" + port + "/", fmt.Sprintf(`Get "http://localhost:%s/": dial tcp 127.0.0.1:%s: refused 127.0.0.1 (loopback) for host "localhost": add it to --allow-net to allow`, port, port)},
		{"http://[::ffff:127.0.0.1]:" + port + "/", fmt.Sprintf(`Get "http://[::ffff:127.0.0.1]:%s/": refused ::ffff:127.0.0.1 (IPv4-mapped 127.0.0.1: loopback): add it to --allow-net to allow`, port)},
	}
	for _, tt := range tests {
		c := newTestClient(t, Config{Resolver: dns.resolver()})
		resp, err := c.HTTPClient().Get(tt.url)
		if err == nil {
			resp.Body.Close()
			t.Fatalf("GET %s succeeded", tt.url)
		}
		if err.Error() != tt.want {
			t.Errorf("GET %s:\n got  %v\n want %s", tt.url, err, tt.want)
		}
		if Classify(err) != ClassBlocked {
			t.Errorf("Classify = %q, want blocked", Classify(err))
		}
	}
	if hits.Load() != 0 {
		t.Errorf("server reached %d times", hits.Load())
	}
}

func TestDialCheck(t *testing.T) {
	t.Parallel()
	// Dial directly, skipping the URL check, to show the dial-time check
	// alone refuses literal addresses; IPv4-mapped addresses are dialled
	// (and so checked) as the IPv4 address.
	tests := []struct {
		addr   string
		ip     string
		reason string
	}{
		{"127.0.0.1:1", "127.0.0.1", "loopback"},
		{"[::ffff:127.0.0.1]:1", "127.0.0.1", "loopback"},
		{"[::1]:1", "::1", "loopback"},
		{"0.0.0.0:1", "0.0.0.0", "unspecified"},
		{"[::]:1", "::", "unspecified"},
		{"169.254.169.254:80", "169.254.169.254", "cloud metadata"},
		{"[fe80::1%25lo]:1", "fe80::1", "link-local"},
	}
	c := newTestClient(t, Config{})
	for _, tt := range tests {
		conn, err := c.dialContext(context.Background(), "tcp", tt.addr)
		if err == nil {
			conn.Close()
			t.Fatalf("dial %s succeeded", tt.addr)
		}
		var blocked *BlockedError
		if !errors.As(err, &blocked) {
			t.Fatalf("dial %s: %v is not a *BlockedError", tt.addr, err)
		}
		if blocked.IP.String() != tt.ip || blocked.Reason != tt.reason {
			t.Errorf("dial %s: refused %s (%s), want %s (%s)", tt.addr, blocked.IP, blocked.Reason, tt.ip, tt.reason)
		}
	}
}

func TestRedirectNotFollowed(t *testing.T) {
	t.Parallel()
	target, targetHits := countingServer(t, func(w http.ResponseWriter, _ *http.Request) {})
	for _, code := range []int{301, 302, 303, 307, 308} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			t.Parallel()
			src, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, target.URL+"/secret", code)
			})
			c := newTestClient(t, Config{Allow: loopback})
			for name, do := range map[string]func() (*http.Response, error){
				"Do":  func() (*http.Response, error) { return c.Do(mustRequest(t, src.URL)) },
				"Get": func() (*http.Response, error) { return c.HTTPClient().Get(src.URL) },
			} {
				resp, err := do()
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				resp.Body.Close()
				if resp.StatusCode != code || resp.Header.Get("Location") != target.URL+"/secret" {
					t.Errorf("%s: got %d Location %q, want %d %q", name, resp.StatusCode, resp.Header.Get("Location"), code, target.URL+"/secret")
				}
			}
		})
	}
	t.Cleanup(func() {
		if n := targetHits.Load(); n != 0 {
			t.Errorf("the redirect target was hit %d times", n)
		}
	})
}

// mustRequest builds a GET request for url.
func mustRequest(t *testing.T, url string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func TestSchemes(t *testing.T) {
	t.Parallel()
	srv, hits := countingServer(t, func(w http.ResponseWriter, _ *http.Request) {})
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	tests := []struct {
		url  string
		want string // "" means allowed
	}{
		{"file:///etc/passwd", `unsupported URL scheme "file"`},
		{"gopher://127.0.0.1:" + port + "/_GET%20/", `unsupported URL scheme "gopher"`},
		{"ftp://127.0.0.1:" + port + "/", `unsupported URL scheme "ftp"`},
		{"dict://127.0.0.1:" + port + "/", `unsupported URL scheme "dict"`},
		{"ws://127.0.0.1:" + port + "/", `unsupported URL scheme "ws"`},
		{"unix:///var/run/docker.sock", `unsupported URL scheme "unix"`},
		{"data:text/plain,hi", `unsupported URL scheme "data"`},
		{"javascript:alert(1)", `unsupported URL scheme "javascript"`},
		{"//127.0.0.1:" + port + "/", `unsupported URL scheme ""`},
		{"http:///path", "URL has no host"},
		{"HTTP://127.0.0.1:" + port + "/", ""},
		{"http://127.0.0.1:" + port + "/", ""},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			t.Parallel()
			c := newTestClient(t, Config{Allow: loopback})
			var dials atomic.Int64
			c.beforeConnect = func(string, string) error { dials.Add(1); return nil }
			resp, err := c.Do(mustRequest(t, tt.url))
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Do: %v", err)
				}
				resp.Body.Close()
				return
			}
			if err == nil {
				resp.Body.Close()
				t.Fatal("Do succeeded")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			if strings.HasPrefix(tt.want, "unsupported") && (!errors.Is(err, ErrUnsupportedScheme) || Classify(err) != ClassBlocked) {
				t.Errorf("error %v: Is(ErrUnsupportedScheme) = %v, class %q", err, errors.Is(err, ErrUnsupportedScheme), Classify(err))
			}
			if n := dials.Load(); n != 0 {
				t.Errorf("%d connections attempted", n)
			}
		})
	}
	t.Cleanup(func() {
		if n := hits.Load(); n != 2 {
			t.Errorf("server hits = %d, want 2 (the two http URLs)", n)
		}
	})
}

func TestTimeouts(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	slowHeaders, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	slowBody, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("first part"))
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	t.Cleanup(func() { close(release) })

	tests := []struct {
		name     string
		timeout  time.Duration // Config.Timeout
		deadline time.Duration // context deadline; 0 means none
		url      string
		inBody   bool // the time-out hits while reading the body
	}{
		{"default timeout, slow headers", 150 * time.Millisecond, 0, slowHeaders.URL, false},
		{"context deadline, slow headers", 10 * time.Second, 150 * time.Millisecond, slowHeaders.URL, false},
		{"default timeout, slow body", 150 * time.Millisecond, 0, slowBody.URL, true},
		{"context deadline, slow body", 10 * time.Second, 150 * time.Millisecond, slowBody.URL, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newTestClient(t, Config{Allow: loopback, Timeout: tt.timeout})
			ctx := context.Background()
			if tt.deadline > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.deadline)
				defer cancel()
			}
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, tt.url, nil)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			resp, err := c.Do(req)
			if err == nil {
				if !tt.inBody {
					resp.Body.Close()
					t.Fatalf("Do succeeded with status %d", resp.StatusCode)
				}
				var body []byte
				body, err = ReadBody(resp, 0)
				if string(body) != "first part" {
					t.Errorf("body before the time-out = %q, want %q", body, "first part")
				}
			}
			elapsed := time.Since(start)
			if got := Classify(err); got != ClassTimeout {
				t.Errorf("Classify(%v) = %q, want timeout", err, got)
			}
			if elapsed < 100*time.Millisecond || elapsed > 3*time.Second {
				t.Errorf("took %v, want about 150ms", elapsed)
			}
		})
	}
}

// TestEnvironmentProxyIgnored sets HTTP_PROXY, so it cannot run in
// parallel with other tests.
func TestEnvironmentProxyIgnored(t *testing.T) {
	proxy, proxyHits := countingServer(t, func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "from the proxy")
	})
	target, targetHits := countingServer(t, func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "from the target")
	})
	for _, name := range []string{"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY"} {
		t.Setenv(name, proxy.URL)
	}
	t.Setenv("NO_PROXY", "")
	t.Setenv("no_proxy", "")

	// A host name, not 127.0.0.1: Go never proxies requests to loopback
	// addresses, so only a name shows that the proxy is ignored.
	_, port, _ := net.SplitHostPort(target.Listener.Addr().String())
	dns := newFakeDNS(map[string][]string{"hooks.test": {"127.0.0.1"}})
	c := newTestClient(t, Config{Allow: []string{"hooks.test", "127.0.0.1/32"}, Resolver: dns.resolver()})
	resp, err := c.Do(mustRequest(t, "http://hooks.test:"+port+"/"))
	if err != nil {
		t.Fatalf("Do: %v", err)
	}
	body, _ := ReadBody(resp, 0)
	if string(body) != "from the target" || targetHits.Load() != 1 || proxyHits.Load() != 0 {
		t.Errorf("body %q, target hits %d, proxy hits %d; want the target only", body, targetHits.Load(), proxyHits.Load())
	}
}

func TestTLS(t *testing.T) {
	t.Parallel()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "secure")
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	srv.StartTLS()
	t.Cleanup(srv.Close)

	untrusting := newTestClient(t, Config{Allow: loopback})
	var resp *http.Response
	var err error
	// On a machine loaded by the race detector the handshake itself can
	// outlast its time-out; that says nothing of the certificate, so
	// such an attempt is tried again.
	for range 3 {
		resp, err = untrusting.Do(mustRequest(t, srv.URL))
		if err == nil {
			resp.Body.Close()
			t.Fatal("a self-signed certificate was accepted")
		}
		if Classify(err) != ClassTimeout {
			break
		}
	}
	if got := Classify(err); got != ClassTLS {
		t.Errorf("Classify(%v) = %q, want tls", err, got)
	}

	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	trusting := newTestClient(t, Config{Allow: loopback, TLSConfig: &tls.Config{RootCAs: roots}})
	resp, err = trusting.Do(mustRequest(t, srv.URL))
	if err != nil {
		t.Fatalf("Do with the server's CA: %v", err)
	}
	body, _ := ReadBody(resp, 0)
	if string(body) != "secure" {
		t.Errorf("body %q", body)
	}

	// A plain-HTTP server answering a TLS client.
	plain, _ := countingServer(t, func(http.ResponseWriter, *http.Request) {})
	resp, err = trusting.Do(mustRequest(t, strings.Replace(plain.URL, "http://", "https://", 1)))
	if err == nil {
		resp.Body.Close()
		t.Fatal("TLS to a plain-HTTP server succeeded")
	}
	if got := Classify(err); got != ClassTLS {
		t.Errorf("Classify(%v) = %q, want tls", err, got)
	}
}

func TestClassifyEndToEnd(t *testing.T) {
	t.Parallel()
	// A port with nothing listening: bind one, then close it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedPort := ln.Addr().String()
	ln.Close()
	srv, _ := countingServer(t, func(http.ResponseWriter, *http.Request) {})
	canceled, cancel := context.WithCancel(context.Background())
	cancel()

	tests := []struct {
		name string
		ctx  context.Context
		url  string
		want string
	}{
		{"connection refused", context.Background(), "http://" + closedPort + "/", ClassRefused},
		{"unknown name", context.Background(), "http://nxdomain.test/", ClassDNS},
		{"canceled", canceled, srv.URL, ClassCanceled},
		{"blocked", context.Background(), "http://10.0.0.1/", ClassBlocked},
		{"scheme", context.Background(), "file:///etc/passwd", ClassBlocked},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newTestClient(t, Config{Allow: loopback, Resolver: newFakeDNS(nil).resolver()})
			req, err := http.NewRequestWithContext(tt.ctx, http.MethodGet, tt.url, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := c.Do(req)
			if err == nil {
				resp.Body.Close()
				t.Fatal("Do succeeded")
			}
			if got := Classify(err); got != tt.want {
				t.Errorf("Classify(%v) = %q, want %q", err, got, tt.want)
			}
		})
	}
}
