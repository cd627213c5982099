package safehttp

import (
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Outcomes of one request in the spelling tests.
const (
	outReached = "reached"     // the test server on 127.0.0.1 answered
	outStopped = "stopped"     // passed the check; stopped just before connecting (never dial the Internet)
	outBlocked = ClassBlocked  // refused by the address check
	outDNS     = ClassDNS      // the name did not resolve
	outInvalid = "invalid URL" // net/url rejects the spelling; nothing is sent
)

// errStop aborts a connection that passed the check and is not to the test
// server.
var errStop = errors.New("test: stopped before connecting")

// spellingRecords are the names the fake DNS answers in the spelling tests.
var spellingRecords = map[string][]string{
	"localhost":                {"127.0.0.1"}, // a DNS that answers localhost. (RFC 6761)
	"127.0.0.1.nip.io":         {"127.0.0.1"},
	"10.0.0.1.nip.io":          {"10.0.0.1"},
	"169.254.169.254.nip.io":   {"169.254.169.254"},
	"metadata.google.internal": {"169.254.169.254"},
	"localtest.me":             {"127.0.0.1"},
	"rebind.test":              {"127.0.0.1", "::1"},
	"private.test":             {"10.0.0.1", "192.168.0.1"},
	"v6only.test":              {"::1"},
	"mapped.test":              {"::ffff:127.0.0.1"}, // an AAAA record holding a mapped address
	"public.test":              {"93.184.216.34"},
	"public6.test":             {"2606:4700::1111"},
	"cgnat.test":               {"100.64.0.1"},
	"mapped-private.test":      {"::ffff:10.0.0.1"},
	"ula.test":                 {"fd12:3456:789a::1"},
}

// spelling is one way of writing a host in a URL, and what becomes of it.
type spelling struct {
	host   string   // between "http://" and ":port"
	want   string   // outcome under the default rules
	ip     string   // for outBlocked: the refused IP ("" when several are possible)
	reason string   // for outBlocked: the reason ("" to skip)
	dns    bool     // the name reaches the DNS server
	passes []string // IPs that pass the check under the default rules
	// allowed is the outcome with 127.0.0.1/32 allowed; "" means want.
	allowed string
}

// spellings are resolved the way net/url, net/http and net.Dialer see them,
// with Go's own resolver talking to a fake DNS server.
var spellings = []spelling{
	// Dotted-quad and other numeric IPv4 forms. Go parses only the
	// dotted-quad; its resolver answers "no such host" for an all-numeric
	// name without asking DNS, and asks DNS about hexadecimal ones, which
	// the fake DNS answers the way inet_aton would.
	{host: "127.0.0.1", want: outBlocked, ip: "127.0.0.1", reason: "loopback", allowed: outReached},
	{host: "127.0.0.2", want: outBlocked, ip: "127.0.0.2", reason: "loopback"},
	{host: "127.255.255.254", want: outBlocked, ip: "127.255.255.254", reason: "loopback"},
	{host: "127.1", want: outDNS},
	{host: "127.0.1", want: outDNS},
	{host: "0x7f000001", want: outBlocked, ip: "127.0.0.1", reason: "loopback", dns: true, allowed: outReached},
	{host: "0x7f.0.0.1", want: outBlocked, ip: "127.0.0.1", reason: "loopback", dns: true, allowed: outReached},
	{host: "0X7F000001", want: outBlocked, ip: "127.0.0.1", reason: "loopback", dns: true, allowed: outReached},
	{host: "2130706433", want: outDNS},
	{host: "017700000001", want: outDNS},
	{host: "0177.0.0.1", want: outDNS},
	{host: "127.000.000.001", want: outDNS},
	{host: "127.0.0.1.", want: outDNS},
	{host: "0", want: outDNS},
	{host: "0x0", want: outBlocked, ip: "0.0.0.0", reason: "unspecified", dns: true},
	{host: "0.0.0.0", want: outBlocked, ip: "0.0.0.0", reason: "unspecified"},
	{host: "0.1.2.3", want: outBlocked, ip: "0.1.2.3", reason: "this network"},
	// IPv6 literals, mapped and embedded forms.
	{host: "[::1]", want: outBlocked, ip: "::1", reason: "loopback"},
	{host: "[0:0:0:0:0:0:0:1]", want: outBlocked, ip: "::1", reason: "loopback"},
	{host: "[::]", want: outBlocked, ip: "::", reason: "unspecified"},
	{host: "[::ffff:127.0.0.1]", want: outBlocked, ip: "::ffff:127.0.0.1", reason: "IPv4-mapped 127.0.0.1: loopback", allowed: outReached},
	{host: "[::ffff:7f00:1]", want: outBlocked, ip: "::ffff:127.0.0.1", reason: "IPv4-mapped 127.0.0.1: loopback", allowed: outReached},
	{host: "[0:0:0:0:0:ffff:127.0.0.1]", want: outBlocked, ip: "::ffff:127.0.0.1", reason: "IPv4-mapped 127.0.0.1: loopback", allowed: outReached},
	{host: "[::FFFF:7F00:0001]", want: outBlocked, ip: "::ffff:127.0.0.1", reason: "IPv4-mapped 127.0.0.1: loopback", allowed: outReached},
	{host: "[::ffff:7f00:2]", want: outBlocked, ip: "::ffff:127.0.0.2", reason: "IPv4-mapped 127.0.0.2: loopback"},
	{host: "[::ffff:0.0.0.0]", want: outBlocked, ip: "::ffff:0.0.0.0", reason: "IPv4-mapped 0.0.0.0: unspecified"},
	{host: "[::ffff:169.254.169.254]", want: outBlocked, ip: "::ffff:169.254.169.254", reason: "IPv4-mapped 169.254.169.254: cloud metadata"},
	{host: "[::ffff:1.1.1.1]", want: outBlocked, ip: "::ffff:1.1.1.1", reason: "IPv4-mapped form of 1.1.1.1"},
	{host: "[::ffff:0:7f00:1]", want: outBlocked, ip: "::ffff:0:7f00:1", reason: "IPv4-translated"},
	{host: "[::127.0.0.1]", want: outBlocked, ip: "::7f00:1", reason: "IPv4-compatible (deprecated)"},
	{host: "[64:ff9b::7f00:1]", want: outBlocked, ip: "64:ff9b::7f00:1", reason: "NAT64 of 127.0.0.1: loopback"},
	{host: "[64:ff9b::127.0.0.1]", want: outBlocked, ip: "64:ff9b::7f00:1", reason: "NAT64 of 127.0.0.1: loopback"},
	{host: "[2002:7f00:1::]", want: outBlocked, ip: "2002:7f00:1::", reason: "6to4 of 127.0.0.1: loopback"},
	{host: "[2002:a9fe:a9fe::1]", want: outBlocked, ip: "2002:a9fe:a9fe::1", reason: "6to4 of 169.254.169.254: cloud metadata"},
	// Metadata, private and other refused ranges.
	{host: "169.254.169.254", want: outBlocked, ip: "169.254.169.254", reason: "cloud metadata"},
	{host: "100.100.100.200", want: outBlocked, ip: "100.100.100.200", reason: "cloud metadata"},
	{host: "[fd00:ec2::254]", want: outBlocked, ip: "fd00:ec2::254", reason: "cloud metadata"},
	{host: "[fe80::1]", want: outBlocked, ip: "fe80::1", reason: "link-local"},
	{host: "[fe80::1%25eth0]", want: outBlocked, ip: "fe80::1", reason: "link-local"},
	{host: "169.254.1.1", want: outBlocked, ip: "169.254.1.1", reason: "link-local"},
	{host: "10.0.0.1", want: outBlocked, ip: "10.0.0.1", reason: "private"},
	{host: "172.16.0.1", want: outBlocked, ip: "172.16.0.1", reason: "private"},
	{host: "172.31.255.255", want: outBlocked, ip: "172.31.255.255", reason: "private"},
	{host: "192.168.1.1", want: outBlocked, ip: "192.168.1.1", reason: "private"},
	{host: "[fc00::1]", want: outBlocked, ip: "fc00::1", reason: "private"},
	{host: "100.64.0.1", want: outBlocked, ip: "100.64.0.1", reason: "CGNAT"},
	{host: "224.0.0.1", want: outBlocked, ip: "224.0.0.1", reason: "multicast"},
	{host: "[ff02::1]", want: outBlocked, ip: "ff02::1", reason: "multicast"},
	{host: "255.255.255.255", want: outBlocked, ip: "255.255.255.255", reason: "broadcast"},
	{host: "240.0.0.1", want: outBlocked, ip: "240.0.0.1", reason: "reserved"},
	{host: "192.0.2.1", want: outBlocked, ip: "192.0.2.1", reason: "documentation"},
	{host: "[2001:db8::1]", want: outBlocked, ip: "2001:db8::1", reason: "documentation"},
	{host: "198.18.0.1", want: outBlocked, ip: "198.18.0.1", reason: "benchmarking"},
	// The edges of the private ranges: the last refused address and the
	// first public one after it.
	{host: "10.255.255.255", want: outBlocked, ip: "10.255.255.255", reason: "private"},
	{host: "11.0.0.1", want: outStopped, passes: []string{"11.0.0.1"}},
	{host: "172.15.255.254", want: outStopped, passes: []string{"172.15.255.254"}},
	{host: "172.32.0.1", want: outStopped, passes: []string{"172.32.0.1"}},
	{host: "192.167.255.254", want: outStopped, passes: []string{"192.167.255.254"}},
	{host: "192.168.255.255", want: outBlocked, ip: "192.168.255.255", reason: "private"},
	{host: "192.169.0.1", want: outStopped, passes: []string{"192.169.0.1"}},
	{host: "100.63.255.254", want: outStopped, passes: []string{"100.63.255.254"}},
	{host: "100.127.255.254", want: outBlocked, ip: "100.127.255.254", reason: "CGNAT"},
	{host: "100.128.0.1", want: outStopped, passes: []string{"100.128.0.1"}},
	{host: "169.254.170.2", want: outBlocked, ip: "169.254.170.2", reason: "cloud metadata"},
	{host: "239.255.255.250", want: outBlocked, ip: "239.255.255.250", reason: "multicast"},
	// Embedded private addresses in other IPv6 forms.
	{host: "[::ffff:10.0.0.1]", want: outBlocked, ip: "::ffff:10.0.0.1", reason: "IPv4-mapped 10.0.0.1: private"},
	{host: "[::ffff:192.168.0.1]", want: outBlocked, ip: "::ffff:192.168.0.1", reason: "IPv4-mapped 192.168.0.1: private"},
	{host: "[::10.0.0.1]", want: outBlocked, ip: "::a00:1", reason: "IPv4-compatible (deprecated)"},
	{host: "[2002:c0a8:1::1]", want: outBlocked, ip: "2002:c0a8:1::1", reason: "6to4 of 192.168.0.1: private"},
	{host: "[2002:6440:1::]", want: outBlocked, ip: "2002:6440:1::", reason: "6to4 of 100.64.0.1: CGNAT"},
	{host: "[2002:101:101::1]", want: outStopped, passes: []string{"2002:101:101::1"}},
	{host: "[64:ff9b::a00:1]", want: outBlocked, ip: "64:ff9b::a00:1", reason: "NAT64 of 10.0.0.1: private"},
	{host: "[64:ff9b::a9fe:a9fe]", want: outBlocked, ip: "64:ff9b::a9fe:a9fe", reason: "NAT64 of 169.254.169.254: cloud metadata"},
	// Teredo (2001::/32) embeds the server and the client's obfuscated
	// address; it is refused whatever they are.
	{host: "[2001:0:4136:e378:8000:63bf:3fff:fdd2]", want: outBlocked, ip: "2001:0:4136:e378:8000:63bf:3fff:fdd2", reason: "Teredo"},
	{host: "[2001:0:a00:1::1]", want: outBlocked, ip: "2001:0:a00:1::1", reason: "Teredo"},
	{host: "[fec0::1]", want: outBlocked, ip: "fec0::1", reason: "site-local (deprecated)"},
	{host: "[100::1]", want: outBlocked, ip: "100::1", reason: "discard-only"},
	// Names: the hosts file, DNS, and names built to resolve to loopback.
	{host: "localhost", want: outBlocked, reason: "loopback", allowed: outReached},
	{host: "LocalHost", want: outBlocked, reason: "loopback", allowed: outReached},
	{host: "LOCALHOST.", want: outBlocked, ip: "127.0.0.1", reason: "loopback", dns: true, allowed: outReached},
	{host: "127.0.0.1.nip.io", want: outBlocked, ip: "127.0.0.1", reason: "loopback", dns: true, allowed: outReached},
	{host: "localtest.me", want: outBlocked, ip: "127.0.0.1", reason: "loopback", dns: true, allowed: outReached},
	{host: "10.0.0.1.nip.io", want: outBlocked, ip: "10.0.0.1", reason: "private", dns: true},
	{host: "169.254.169.254.nip.io", want: outBlocked, ip: "169.254.169.254", reason: "cloud metadata", dns: true},
	{host: "metadata.google.internal", want: outBlocked, ip: "169.254.169.254", reason: "cloud metadata", dns: true},
	{host: "rebind.test", want: outBlocked, reason: "loopback", dns: true, allowed: outReached},
	{host: "private.test", want: outBlocked, reason: "private", dns: true},
	{host: "v6only.test", want: outBlocked, ip: "::1", reason: "loopback", dns: true},
	{host: "mapped.test", want: outBlocked, ip: "127.0.0.1", reason: "loopback", dns: true, allowed: outReached},
	{host: "nxdomain.test", want: outDNS, dns: true},
	{host: "cgnat.test", want: outBlocked, ip: "100.64.0.1", reason: "CGNAT", dns: true},
	{host: "mapped-private.test", want: outBlocked, ip: "10.0.0.1", reason: "private", dns: true},
	{host: "ula.test", want: outBlocked, ip: "fd12:3456:789a::1", reason: "private", dns: true},
	// Unicode spellings: net/http maps the host through IDNA (NFKC) before
	// dialling, so these become 127.0.0.1 and 0x7f000001.
	{host: "127。0。0。1", want: outBlocked, ip: "127.0.0.1", reason: "loopback", allowed: outReached},
	{host: "①②⑦.0.0.1", want: outBlocked, ip: "127.0.0.1", reason: "loopback", allowed: outReached},
	{host: "０ｘ７ｆ０００００１", want: outBlocked, ip: "127.0.0.1", reason: "loopback", dns: true, allowed: outReached},
	// URL tricks.
	{host: "1.1.1.1@127.0.0.1", want: outBlocked, ip: "127.0.0.1", reason: "loopback", allowed: outReached},
	{host: " 127.0.0.1", want: outInvalid},
	{host: "%31%32%37.0.0.1", want: outInvalid},
	{host: "127.0.0.1\x00.public.test", want: outInvalid},
	{host: "127.0.0.1\\@public.test", want: outInvalid},
	// Public addresses pass the check and are stopped before connecting.
	{host: "93.184.216.34", want: outStopped, passes: []string{"93.184.216.34"}},
	{host: "1.1.1.1", want: outStopped, passes: []string{"1.1.1.1"}},
	{host: "8.8.8.8", want: outStopped, passes: []string{"8.8.8.8"}},
	{host: "[2606:4700::1111]", want: outStopped, passes: []string{"2606:4700::1111"}},
	{host: "[64:ff9b::101:101]", want: outStopped, passes: []string{"64:ff9b::101:101"}},
	{host: "public.test", want: outStopped, dns: true, passes: []string{"93.184.216.34"}},
	{host: "public6.test", want: outStopped, dns: true, passes: []string{"2606:4700::1111"}},
}

// spellingResult is what became of one request.
type spellingResult struct {
	outcome string
	blocked *BlockedError // for outBlocked
	passed  []string      // IPs that passed the check, in order
	hits    int64         // requests the test server answered
	err     error
}

// trySpelling requests http://host:port/ with a client built from cfg and
// reports the outcome. Only the test server's own address is ever
// connected to; every other address that passes the check is stopped.
func trySpelling(t *testing.T, cfg Config, host string) spellingResult {
	t.Helper()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	serverAddr := srv.Listener.Addr().String()
	_, port, _ := net.SplitHostPort(serverAddr)

	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(c.CloseIdleConnections)
	var mu sync.Mutex
	var res spellingResult
	c.beforeConnect = func(_, address string) error {
		ap := netip.MustParseAddrPort(address)
		mu.Lock()
		res.passed = append(res.passed, ap.Addr().String())
		mu.Unlock()
		if address == serverAddr {
			return nil
		}
		return errStop
	}

	req, err := http.NewRequest(http.MethodGet, "http://"+host+":"+port+"/", nil)
	if err != nil {
		res.outcome, res.err = outInvalid, err
		return res
	}
	resp, err := c.Do(req)
	res.err = err
	switch {
	case err == nil:
		resp.Body.Close()
		res.outcome = outReached
	case errors.Is(err, errStop):
		res.outcome = outStopped
	default:
		res.outcome = Classify(err)
		errors.As(err, &res.blocked)
	}
	res.hits = hits.Load()
	return res
}

func TestSpellings(t *testing.T) {
	t.Parallel()
	if len(spellings) < 60 {
		t.Fatalf("only %d spellings; the bar is 60", len(spellings))
	}
	for _, sp := range spellings {
		t.Run(sp.host, func(t *testing.T) {
			t.Parallel()
			dns := newFakeDNS(spellingRecords)
			cfg := Config{Resolver: dns.resolver(), Timeout: 5 * time.Second}
			got := trySpelling(t, cfg, sp.host)
			if got.outcome != sp.want {
				t.Fatalf("default rules: outcome %q (err %v), want %q", got.outcome, got.err, sp.want)
			}
			if got.hits != 0 {
				t.Errorf("default rules: the test server was reached %d times", got.hits)
			}
			if !slices.Equal(got.passed, sp.passes) {
				t.Errorf("default rules: addresses that passed the check = %q, want %q", got.passed, sp.passes)
			}
			if sp.want == outBlocked {
				if got.blocked == nil {
					t.Fatalf("error %v is not a *BlockedError", got.err)
				}
				if sp.ip != "" && got.blocked.IP.String() != sp.ip {
					t.Errorf("refused IP %s, want %s", got.blocked.IP, sp.ip)
				}
				if sp.reason != "" && got.blocked.Reason != sp.reason {
					t.Errorf("reason %q, want %q", got.blocked.Reason, sp.reason)
				}
				if !strings.Contains(got.err.Error(), "add it to --allow-net to allow") {
					t.Errorf("error %q does not say how to allow the address", got.err)
				}
			}
			if sp.want != outInvalid {
				name := strings.TrimSuffix(strings.ToLower(hostOf(t, sp.host)), ".")
				if asked := dns.queried(name); asked != sp.dns {
					t.Errorf("DNS asked about %q: %v, want %v", name, asked, sp.dns)
				}
			}

			allowedWant := sp.allowed
			if allowedWant == "" {
				allowedWant = sp.want
			}
			cfg = Config{Resolver: newFakeDNS(spellingRecords).resolver(), Timeout: 5 * time.Second, Allow: []string{"127.0.0.1/32"}}
			got = trySpelling(t, cfg, sp.host)
			if got.outcome != allowedWant {
				t.Fatalf("with 127.0.0.1/32 allowed: outcome %q (err %v), want %q", got.outcome, got.err, allowedWant)
			}
			wantHits := int64(0)
			if allowedWant == outReached {
				wantHits = 1
			}
			if got.hits != wantHits {
				t.Errorf("with 127.0.0.1/32 allowed: the test server was reached %d times, want %d", got.hits, wantHits)
			}
		})
	}
}

// hostOf returns the host name net/http dials for host as written in a
// URL: the URL's host, mapped through IDNA as the transport maps it.
func hostOf(t *testing.T, host string) string {
	t.Helper()
	u, err := url.Parse("http://" + host + "/")
	if err != nil {
		t.Fatalf("parse %q: %v", host, err)
	}
	h := u.Hostname()
	if folded, ok := idnaFold[h]; ok {
		return folded
	}
	return h
}

// idnaFold lists the IDNA mappings the spelling table relies on.
var idnaFold = map[string]string{
	"０ｘ７ｆ０００００１": "0x7f000001",
}

func TestHostNameAllow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		host string
		want string
	}{
		{"localhost", outReached},
		{"LOCALHOST.", outReached},
		{"LocalHost", outReached},
		{"127.0.0.1", outBlocked},
		{"127.0.0.1.nip.io", outBlocked},
		{"localtest.me", outBlocked},
		{"[::ffff:127.0.0.1]", outBlocked},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			t.Parallel()
			cfg := Config{Resolver: newFakeDNS(spellingRecords).resolver(), Allow: []string{"localhost"}}
			got := trySpelling(t, cfg, tt.host)
			if got.outcome != tt.want {
				t.Fatalf("allow localhost: %s: outcome %q (err %v), want %q", tt.host, got.outcome, got.err, tt.want)
			}
		})
	}
}

func TestRebinding(t *testing.T) {
	t.Parallel()
	// The name answers a public address, then 127.0.0.1: every connection
	// checks the address it connects to, so the second request is refused
	// (nothing is remembered from the first).
	srv, hits := countingServer(t, func(http.ResponseWriter, *http.Request) {})
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	dns := newFakeDNS(map[string][]string{"rebind.test": {"93.184.216.34"}})
	c := newTestClient(t, Config{Resolver: dns.resolver()})
	var passed []string
	c.beforeConnect = func(_, address string) error {
		passed = append(passed, address)
		return errStop
	}
	url := "http://rebind.test:" + port + "/"

	_, err := c.Do(mustRequest(t, url))
	if !errors.Is(err, errStop) {
		t.Fatalf("first request: %v, want it stopped before connecting to the public address", err)
	}
	dns.set("rebind.test", "127.0.0.1")
	_, err = c.Do(mustRequest(t, url))
	var blocked *BlockedError
	if !errors.As(err, &blocked) || blocked.IP.String() != "127.0.0.1" || blocked.Host != "rebind.test" {
		t.Fatalf("second request: %v, want 127.0.0.1 refused for rebind.test", err)
	}
	if want := []string{"93.184.216.34:" + port}; !slices.Equal(passed, want) || hits.Load() != 0 {
		t.Errorf("addresses that passed the check %q (want %q), server hits %d", passed, want, hits.Load())
	}
}
