package safehttp

import (
	"net/netip"
	"strings"
	"testing"
)

func TestCheckDefaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		ip   string
		want string // "" means allowed
	}{
		// Public addresses pass.
		{"93.184.216.34", ""},
		{"1.1.1.1", ""},
		{"8.8.8.8", ""},
		{"172.15.255.255", ""},
		{"172.32.0.1", ""},
		{"100.63.255.255", ""},
		{"100.128.0.1", ""},
		{"192.169.0.1", ""},
		{"198.20.0.1", ""},
		{"223.255.255.255", ""},
		{"2606:4700::1111", ""},
		{"2a00:1450:4001:81c::200e", ""},
		{"64:ff9b::101:101", ""},       // NAT64 of 1.1.1.1
		{"2002:5db8:d822::1", ""},      // 6to4 of 93.184.216.34
		{"2001:4860:4860::8888", ""},   // outside 2001::/23
		{"2001:200::1", ""},            // first allocation after 2001::/23
		{"3fff:1000::1", ""},           // just outside 3fff::/20
		{"2001:db9::1", ""},            // just outside 2001:db8::/32
		{"2003::1", ""},                // just outside 2002::/16
		{"fe80::1%eth0", "link-local"}, // zones are ignored
		{"169.254.169.254", "cloud metadata"},
		{"169.254.170.2", "cloud metadata"},
		{"100.100.100.200", "cloud metadata"},
		{"fd00:ec2::254", "cloud metadata"},
		{"127.0.0.1", "loopback"},
		{"127.0.0.2", "loopback"},
		{"127.255.255.255", "loopback"},
		{"::1", "loopback"},
		{"10.0.0.1", "private"},
		{"10.255.255.255", "private"},
		{"172.16.0.1", "private"},
		{"172.31.255.255", "private"},
		{"192.168.1.1", "private"},
		{"fc00::1", "private"},
		{"fd12:3456:789a::1", "private"},
		{"169.254.0.1", "link-local"},
		{"fe80::1", "link-local"},
		{"febf::1", "link-local"},
		{"100.64.0.1", "CGNAT"},
		{"100.127.255.255", "CGNAT"},
		{"224.0.0.1", "multicast"},
		{"239.255.255.250", "multicast"},
		{"ff02::1", "multicast"},
		{"ff0e::1", "multicast"},
		{"0.0.0.0", "unspecified"},
		{"::", "unspecified"},
		{"255.255.255.255", "broadcast"},
		{"0.1.2.3", "this network"},
		{"0.255.255.255", "this network"},
		{"192.0.2.1", "documentation"},
		{"198.51.100.7", "documentation"},
		{"203.0.113.9", "documentation"},
		{"2001:db8::1", "documentation"},
		{"3fff::1", "documentation"},
		{"198.18.0.1", "benchmarking"},
		{"198.19.255.255", "benchmarking"},
		{"240.0.0.1", "reserved"},
		{"254.255.255.255", "reserved"},
		{"192.0.0.8", "IETF protocol assignments"},
		{"192.88.99.1", "6to4 relay anycast (deprecated)"},
		{"::ffff:127.0.0.1", "IPv4-mapped 127.0.0.1: loopback"},
		{"::ffff:10.1.2.3", "IPv4-mapped 10.1.2.3: private"},
		{"::ffff:169.254.169.254", "IPv4-mapped 169.254.169.254: cloud metadata"},
		{"::ffff:1.1.1.1", "IPv4-mapped form of 1.1.1.1"},
		{"::127.0.0.1", "IPv4-compatible (deprecated)"},
		{"::1.1.1.1", "IPv4-compatible (deprecated)"},
		{"::ffff:0:7f00:1", "IPv4-translated"},
		{"64:ff9b::7f00:1", "NAT64 of 127.0.0.1: loopback"},
		{"64:ff9b::a9fe:a9fe", "NAT64 of 169.254.169.254: cloud metadata"},
		{"64:ff9b::c0a8:101", "NAT64 of 192.168.1.1: private"},
		{"64:ff9b:1::7f00:1", "local-use NAT64"},
		{"2002:7f00:1::", "6to4 of 127.0.0.1: loopback"},
		{"2002:a00:1::1", "6to4 of 10.0.0.1: private"},
		{"2002:a9fe:a9fe::", "6to4 of 169.254.169.254: cloud metadata"},
		{"2001::1", "Teredo"},
		{"2001:2::1", "IETF protocol assignments"},
		{"2001:20::1", "IETF protocol assignments"},
		{"100::1", "discard-only"},
		{"fec0::1", "site-local (deprecated)"},
		{"4000::1", "reserved"},
		{"1::1", "reserved"},
		{"5f00::1", "reserved"},
	}
	var list *AllowList // nil: the default rules only
	for _, tt := range tests {
		t.Run(tt.ip, func(t *testing.T) {
			t.Parallel()
			if got := list.Check(netip.MustParseAddr(tt.ip)); got != tt.want {
				t.Errorf("Check(%s) = %q, want %q", tt.ip, got, tt.want)
			}
		})
	}
}

func TestCheckInvalid(t *testing.T) {
	t.Parallel()
	if got := (*AllowList)(nil).Check(netip.Addr{}); got != "invalid address" {
		t.Errorf("Check(zero Addr) = %q, want %q", got, "invalid address")
	}
}

func TestCheckWithAllowList(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		allow []string
		ip    string
		want  string
	}{
		{"exact v4 allows itself", []string{"127.0.0.1/32"}, "127.0.0.1", ""},
		{"exact v4 not its neighbour", []string{"127.0.0.1/32"}, "127.0.0.2", "loopback"},
		{"exact v4 not other ranges", []string{"127.0.0.1/32"}, "10.0.0.1", "private"},
		{"exact v4 not ::1", []string{"127.0.0.1/32"}, "::1", "loopback"},
		{"exact v4 opens its mapped form", []string{"127.0.0.1/32"}, "::ffff:127.0.0.1", ""},
		{"exact v4 not a mapped neighbour", []string{"127.0.0.1/32"}, "::ffff:127.0.0.2", "IPv4-mapped 127.0.0.2: loopback"},
		{"exact v4 not its NAT64 form", []string{"127.0.0.1/32"}, "64:ff9b::7f00:1", "NAT64 of 127.0.0.1: loopback"},
		{"exact v4 not its 6to4 form", []string{"127.0.0.1/32"}, "2002:7f00:1::", "6to4 of 127.0.0.1: loopback"},
		{"exact v4 not metadata", []string{"127.0.0.1/32"}, "169.254.169.254", "cloud metadata"},
		{"bare IP", []string{"127.0.0.1"}, "127.0.0.1", ""},
		{"bare IP is one address", []string{"127.0.0.1"}, "127.0.0.0", "loopback"},
		{"network inside", []string{"10.0.0.0/8"}, "10.255.255.255", ""},
		{"network outside", []string{"10.0.0.0/8"}, "172.16.0.1", "private"},
		{"network host bits masked", []string{"192.168.1.77/24"}, "192.168.1.200", ""},
		{"network host bits masked outside", []string{"192.168.1.77/24"}, "192.168.2.1", "private"},
		{"v6 loopback", []string{"::1/128"}, "::1", ""},
		{"v6 loopback not v4 loopback", []string{"::1/128"}, "127.0.0.1", "loopback"},
		{"mapped entry reads as v4", []string{"::ffff:10.0.0.0/104"}, "10.1.2.3", ""},
		{"mapped bare entry reads as v4", []string{"::ffff:127.0.0.1"}, "127.0.0.1", ""},
		{"metadata explicitly", []string{"169.254.169.254"}, "169.254.169.254", ""},
		{"metadata not the rest of link-local", []string{"169.254.169.254"}, "169.254.169.253", "link-local"},
		{"ULA network", []string{"fd00::/8"}, "fd12::1", ""},
		{"ULA network not fc00", []string{"fd00::/8"}, "fc00::1", "private"},
		{"NAT64 opened by its v6 entry", []string{"64:ff9b::/96"}, "64:ff9b::7f00:1", ""},
		{"several entries each", []string{"10.0.0.0/8", "192.168.0.0/16"}, "192.168.3.4", ""},
		{"several entries not others", []string{"10.0.0.0/8", "192.168.0.0/16"}, "172.16.0.1", "private"},
		{"host name allows no IP", []string{"localhost"}, "127.0.0.1", "loopback"},
		{"public stays allowed", []string{"10.0.0.0/8"}, "1.1.1.1", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			list, err := ParseAllow(tt.allow)
			if err != nil {
				t.Fatalf("ParseAllow(%q): %v", tt.allow, err)
			}
			if got := list.Check(netip.MustParseAddr(tt.ip)); got != tt.want {
				t.Errorf("allow %q: Check(%s) = %q, want %q", tt.allow, tt.ip, got, tt.want)
			}
		})
	}
}

func TestParseAllow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		entries []string
		want    string // String() of the list
		wantErr string // substring of the error; "" means no error
	}{
		{"empty list", nil, "", ""},
		{"forms", []string{"127.0.0.1/32", "10.0.0.0/8", "::1/128", "192.168.1.1", "fd00::1"}, "127.0.0.1,10.0.0.0/8,::1,192.168.1.1,fd00::1", ""},
		{"spaces trimmed", []string{"  10.0.0.0/8 "}, "10.0.0.0/8", ""},
		{"host bits masked", []string{"192.168.1.77/24"}, "192.168.1.0/24", ""},
		{"mapped unmapped", []string{"::ffff:10.0.0.0/104", "::ffff:127.0.0.1"}, "10.0.0.0/8,127.0.0.1", ""},
		{"host names normalized and sorted", []string{"Hooks.LAN.", "localhost"}, "hooks.lan,localhost", ""},
		{"underscore name", []string{"my_service.internal"}, "my_service.internal", ""},
		{"empty entry", []string{"10.0.0.0/8", ""}, "", `allow entry "": empty entry`},
		{"bad CIDR", []string{"10.0.0.0/33"}, "", `allow entry "10.0.0.0/33": not a CIDR network`},
		{"bad CIDR address", []string{"10.0.0/8"}, "", `allow entry "10.0.0/8": not a CIDR network`},
		{"URL", []string{"http://10.0.0.1/"}, "", `allow entry "http://10.0.0.1/": write a host name`},
		{"port", []string{"10.0.0.1:8080"}, "", `allow entry "10.0.0.1:8080": not an IP address or host name`},
		{"bracketed", []string{"[::1]"}, "", `allow entry "[::1]": not an IP address or host name`},
		{"wildcard", []string{"*.example.com"}, "", `allow entry "*.example.com": wildcards are not supported`},
		{"zone", []string{"fe80::1%eth0"}, "", `allow entry "fe80::1%eth0": IPv6 zones are not supported`},
		{"short IPv4", []string{"127.1"}, "", `allow entry "127.1": looks like a numeric address`},
		{"decimal IPv4", []string{"2130706433"}, "", `allow entry "2130706433": looks like a numeric address`},
		{"hex IPv4", []string{"0x7f000001"}, "", `allow entry "0x7f000001": looks like a numeric address`},
		{"octal IPv4", []string{"0177.0.0.1"}, "", `allow entry "0177.0.0.1": looks like a numeric address`},
		{"bad character", []string{"hooks lan"}, "", `allow entry "hooks lan": not a valid host name (character ' '`},
		{"unicode name", []string{"bücher.example"}, "", `write internationalized names in their xn-- form`},
		{"empty label", []string{"hooks..lan"}, "", `empty or over-long label`},
		{"names the first bad entry", []string{"10.0.0.0/8", "nope/x", "also bad/"}, "", `allow entry "nope/x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			list, err := ParseAllow(tt.entries)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseAllow(%q) error = %v, want one containing %q", tt.entries, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseAllow(%q): %v", tt.entries, err)
			}
			if got := list.String(); got != tt.want {
				t.Errorf("ParseAllow(%q).String() = %q, want %q", tt.entries, got, tt.want)
			}
		})
	}
}

func TestAllowsHost(t *testing.T) {
	t.Parallel()
	list, err := ParseAllow([]string{"LocalHost", "hooks.lan."})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		host string
		want bool
	}{
		{"localhost", true},
		{"LOCALHOST.", true},
		{"hooks.lan", true},
		{"HOOKS.LAN.", true},
		{"sub.hooks.lan", false},
		{"localhost.localdomain", false},
		{"127.0.0.1", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := list.AllowsHost(tt.host); got != tt.want {
			t.Errorf("AllowsHost(%q) = %v, want %v", tt.host, got, tt.want)
		}
	}
	if (*AllowList)(nil).AllowsHost("localhost") {
		t.Error("nil list allows a host")
	}
}
