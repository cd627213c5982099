package safehttp

import (
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/confab/confab/internal/testkit"
)

func TestProxyAllowedTarget(t *testing.T) {
	t.Parallel()
	target, targetHits := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "from the target at "+r.URL.Path)
	})
	_, port, _ := net.SplitHostPort(target.Listener.Addr().String())
	dns := newFakeDNS(map[string][]string{"hooks.test": {"127.0.0.1"}})
	proxy := testkit.NewForwardProxy(t, dns.resolver())

	tests := []struct {
		name  string
		allow []string
	}{
		// The network entry opens the target's address; it also covers
		// the proxy's, so the next case shows the proxy needs none.
		{"network entry", []string{"127.0.0.1/32"}},
		// The proxy on 127.0.0.1 is dialled although nothing lists it.
		{"host-name entry", []string{"hooks.test"}},
	}
	for i, tt := range tests {
		c := newTestClient(t, Config{Allow: tt.allow, Proxy: proxy.URL, Resolver: dns.resolver()})
		resp, err := c.Do(mustRequest(t, "http://hooks.test:"+port+"/order"))
		if err != nil {
			t.Fatalf("%s: Do: %v", tt.name, err)
		}
		body, _ := ReadBody(resp, 0)
		if string(body) != "from the target at /order" {
			t.Errorf("%s: body %q", tt.name, body)
		}
		want := "GET http://hooks.test:" + port + "/order"
		if seen := proxy.Requests(); len(seen) != i+1 || seen[i] != want {
			t.Errorf("%s: the proxy saw %q, want %q last", tt.name, seen, want)
		}
	}
	if targetHits.Load() != int64(len(tests)) {
		t.Errorf("target hits = %d, want %d", targetHits.Load(), len(tests))
	}
}

func TestProxyConnect(t *testing.T) {
	t.Parallel()
	target := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "secure")
	}))
	t.Cleanup(target.Close)
	proxy := testkit.NewForwardProxy(t, nil)
	roots := x509.NewCertPool()
	roots.AddCert(target.Certificate())
	tlsConfig := target.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
	tlsConfig.RootCAs = roots

	c := newTestClient(t, Config{Allow: loopback, Proxy: proxy.URL, TLSConfig: tlsConfig})
	resp, err := c.Do(mustRequest(t, target.URL+"/"))
	if err != nil {
		t.Fatalf("Do: %v", err)
	}
	body, _ := ReadBody(resp, 0)
	addr := target.Listener.Addr().String()
	if string(body) != "secure" || strings.Join(proxy.Requests(), ",") != "CONNECT "+addr {
		t.Errorf("body %q, the proxy saw %q; want secure through CONNECT %s", body, proxy.Requests(), addr)
	}
}

func TestProxyRefusedTargets(t *testing.T) {
	t.Parallel()
	dns := newFakeDNS(map[string][]string{
		"private.test":  {"127.0.0.1"},
		"metadata.test": {"169.254.169.254"},
		"mixed.test":    {"93.184.216.34", "10.1.2.3"},
		"mapped.test":   {"::ffff:192.168.1.1"},
		"public.test":   {"93.184.216.34"},
	})
	proxy := testkit.NewForwardProxy(t, dns.resolver())

	tests := []struct {
		url    string
		host   string // the request's Host field, when set
		reason string // "" for a failed lookup
		ip     string
	}{
		{"http://10.0.0.1/", "", "private", "10.0.0.1"},
		{"http://169.254.169.254/latest/meta-data/", "", "cloud metadata", "169.254.169.254"},
		{"http://[::ffff:127.0.0.1]/", "", "IPv4-mapped 127.0.0.1: loopback", "::ffff:127.0.0.1"},
		{"http://private.test/", "", "loopback", "127.0.0.1"},
		{"https://private.test/", "", "loopback", "127.0.0.1"},
		{"http://metadata.test/", "", "cloud metadata", "169.254.169.254"},
		{"http://mixed.test/", "", "private", "10.1.2.3"},
		{"http://mapped.test/", "", "private", "192.168.1.1"},
		{"http://public.test/", "169.254.169.254", "cloud metadata", "169.254.169.254"},
		{"http://public.test/", "private.test:8080", "loopback", "127.0.0.1"},
		{"http://xn--bcher-kva.test/", "", "", ""},
		{"http://bücher.test/", "", "a name that is not plain ASCII, through a proxy: write it in its xn-- form", ""},
	}
	// An allow entry for one network does not open the others.
	c := newTestClient(t, Config{Allow: []string{"192.0.2.0/24"}, Proxy: proxy.URL, Resolver: dns.resolver()})
	for _, tt := range tests {
		req := mustRequest(t, tt.url)
		req.Host = tt.host
		resp, err := c.Do(req)
		if err == nil {
			resp.Body.Close()
			t.Errorf("%s (Host %q): reached, want refused", tt.url, tt.host)
			continue
		}
		var blocked *BlockedError
		switch {
		case tt.reason == "":
			if Classify(err) != ClassDNS {
				t.Errorf("%s: %v is %s, want dns", tt.url, err, Classify(err))
			}
		case !errors.As(err, &blocked) || Classify(err) != ClassBlocked:
			t.Errorf("%s (Host %q): %v, want a *BlockedError", tt.url, tt.host, err)
		case blocked.Reason != tt.reason || (tt.ip != "" && blocked.IP.String() != tt.ip):
			t.Errorf("%s (Host %q): refused %v (%s), want %s (%s)", tt.url, tt.host, blocked.IP, blocked.Reason, tt.ip, tt.reason)
		}
	}
	if seen := proxy.Requests(); len(seen) != 0 {
		t.Errorf("the proxy was sent %q, want nothing", seen)
	}
}

func TestParseProxy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		value   string
		env     bool
		proxy   string
		wantErr string
	}{
		{"", false, "", ""},
		{"  ", false, "", ""},
		{"env", true, "", ""},
		{"http://proxy.lan:3128", false, "http://proxy.lan:3128", ""},
		{"https://user:pass@10.0.0.5:8443/", false, "https://user:pass@10.0.0.5:8443/", ""},
		{"http://[::1]:3128", false, "http://[::1]:3128", ""},
		{"socks5://proxy.lan:1080", false, "", `scheme "socks5": only http and https proxies are supported`},
		{"proxy.lan:3128", false, "", `scheme "proxy.lan"`},
		{"ENV", false, "", `scheme ""`},
		{"http://", false, "", "no host"},
		{"http://proxy.lan:3128/path", false, "", "no path, query or fragment"},
		{"http://proxy.lan:3128?x=1", false, "", "no path, query or fragment"},
		{"http://proxy.lan:", false, "", "empty port"},
		{"http://proxy lan", false, "", "not a URL"},
	}
	for _, tt := range tests {
		env, proxy, err := ParseProxy(tt.value)
		switch {
		case tt.wantErr != "":
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseProxy(%q) = %v, %v, %v; want error containing %q", tt.value, env, proxy, err, tt.wantErr)
			}
		case err != nil:
			t.Errorf("ParseProxy(%q): %v", tt.value, err)
		case env != tt.env || (proxy == nil) != (tt.proxy == "") || (proxy != nil && proxy.String() != tt.proxy):
			t.Errorf("ParseProxy(%q) = %v, %v; want %v, %q", tt.value, env, proxy, tt.env, tt.proxy)
		}
	}
}

func TestNewProxyErrors(t *testing.T) {
	t.Parallel()
	good, _ := url.Parse("http://proxy.lan:3128")
	bad, _ := url.Parse("ftp://proxy.lan")
	if _, err := New(Config{Proxy: good, UseEnvironmentProxy: true}); err == nil || err.Error() != "safehttp: both Proxy and UseEnvironmentProxy are set" {
		t.Errorf("both set: %v", err)
	}
	if _, err := New(Config{Proxy: bad}); err == nil || !strings.HasPrefix(err.Error(), `safehttp: proxy ftp://proxy.lan: scheme "ftp"`) {
		t.Errorf("ftp proxy: %v", err)
	}
}
