package safehttp

import (
	"net/netip"
)

// rule is one refused range and the reason reported for it.
type rule struct {
	prefix netip.Prefix
	reason string
}

// Reasons that several rules share.
const (
	reasonLoopback    = "loopback"
	reasonPrivate     = "private"
	reasonLinkLocal   = "link-local"
	reasonCGNAT       = "CGNAT"
	reasonMulticast   = "multicast"
	reasonUnspecified = "unspecified"
	reasonBroadcast   = "broadcast"
	reasonThisNetwork = "this network"
	reasonMetadata    = "cloud metadata"
	reasonDocs        = "documentation"
	reasonBenchmark   = "benchmarking"
	reasonReserved    = "reserved"
	reasonIETF        = "IETF protocol assignments"
)

// v4Rules are the refused IPv4 ranges, single addresses before the ranges
// that hold them so that the reason is the most precise one.
var v4Rules = []rule{
	{netip.MustParsePrefix("169.254.169.254/32"), reasonMetadata}, // AWS, GCP, Azure, OpenStack, ...
	{netip.MustParsePrefix("169.254.170.2/32"), reasonMetadata},   // AWS ECS task metadata
	{netip.MustParsePrefix("100.100.100.200/32"), reasonMetadata}, // Alibaba Cloud
	{netip.MustParsePrefix("0.0.0.0/32"), reasonUnspecified},
	{netip.MustParsePrefix("255.255.255.255/32"), reasonBroadcast},
	{netip.MustParsePrefix("0.0.0.0/8"), reasonThisNetwork},
	{netip.MustParsePrefix("10.0.0.0/8"), reasonPrivate},
	{netip.MustParsePrefix("100.64.0.0/10"), reasonCGNAT},
	{netip.MustParsePrefix("127.0.0.0/8"), reasonLoopback},
	{netip.MustParsePrefix("169.254.0.0/16"), reasonLinkLocal},
	{netip.MustParsePrefix("172.16.0.0/12"), reasonPrivate},
	{netip.MustParsePrefix("192.0.0.0/24"), reasonIETF},
	{netip.MustParsePrefix("192.0.2.0/24"), reasonDocs},
	{netip.MustParsePrefix("192.88.99.0/24"), "6to4 relay anycast (deprecated)"},
	{netip.MustParsePrefix("192.168.0.0/16"), reasonPrivate},
	{netip.MustParsePrefix("198.18.0.0/15"), reasonBenchmark},
	{netip.MustParsePrefix("198.51.100.0/24"), reasonDocs},
	{netip.MustParsePrefix("203.0.113.0/24"), reasonDocs},
	{netip.MustParsePrefix("224.0.0.0/4"), reasonMulticast},
	{netip.MustParsePrefix("240.0.0.0/4"), reasonReserved},
}

// v6Rules are the refused IPv6 ranges, most precise first. IPv4-mapped,
// NAT64 and 6to4 addresses are handled by Check from the IPv4 address they
// embed; everything outside 2000::/3 that no rule names is refused as
// reserved.
var v6Rules = []rule{
	{netip.MustParsePrefix("fd00:ec2::254/128"), reasonMetadata}, // AWS over IPv6
	{netip.MustParsePrefix("::/128"), reasonUnspecified},
	{netip.MustParsePrefix("::1/128"), reasonLoopback},
	{netip.MustParsePrefix("::/96"), "IPv4-compatible (deprecated)"},
	{netip.MustParsePrefix("::ffff:0:0:0/96"), "IPv4-translated"},
	{netip.MustParsePrefix("64:ff9b:1::/48"), "local-use NAT64"},
	{netip.MustParsePrefix("100::/64"), "discard-only"},
	{netip.MustParsePrefix("2001::/32"), "Teredo"},
	{netip.MustParsePrefix("2001:db8::/32"), reasonDocs},
	{netip.MustParsePrefix("2001::/23"), reasonIETF},
	{netip.MustParsePrefix("3fff::/20"), reasonDocs},
	{netip.MustParsePrefix("fc00::/7"), reasonPrivate}, // unique local
	{netip.MustParsePrefix("fe80::/10"), reasonLinkLocal},
	{netip.MustParsePrefix("fec0::/10"), "site-local (deprecated)"},
	{netip.MustParsePrefix("ff00::/8"), reasonMulticast},
}

var (
	nat64Prefix   = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour     = netip.MustParsePrefix("2002::/16")
	globalUnicast = netip.MustParsePrefix("2000::/3")
)

// Check reports why a connection to ip would be refused, or "" when it is
// allowed. An address inside a listed network or equal to a listed IP is
// allowed; otherwise the default rules apply, and they refuse:
//
//   - IPv4: 0.0.0.0/8 (this network; 0.0.0.0 as unspecified), 10/8,
//     172.16/12 and 192.168/16 (private), 100.64/10 (CGNAT), 127/8
//     (loopback), 169.254/16 (link-local), 192.0.0/24 (IETF protocol
//     assignments), 192.0.2/24, 198.51.100/24 and 203.0.113/24
//     (documentation), 192.88.99/24 (6to4 relay), 198.18/15 (benchmarking),
//     224/4 (multicast), 240/4 (reserved) and 255.255.255.255 (broadcast);
//   - cloud metadata: 169.254.169.254, 169.254.170.2, 100.100.100.200 and
//     fd00:ec2::254;
//   - IPv6: :: and ::1, ::/96 (IPv4-compatible), ::ffff:0:0:0/96
//     (IPv4-translated), 64:ff9b:1::/48 (local NAT64), 100::/64 (discard),
//     2001::/32 (Teredo), 2001::/23 (IETF), 2001:db8::/32 and 3fff::/20
//     (documentation), fc00::/7 (unique local), fe80::/10 (link-local),
//     fec0::/10 (site-local), ff00::/8 (multicast), and anything else
//     outside 2000::/3;
//   - IPv4-mapped ::ffff:a.b.c.d, unless the list allows a.b.c.d itself:
//     the mapped form reaches the IPv4 address, so it is allowed exactly
//     when that address is listed, and refused otherwise even when the
//     address is public (no public service needs the mapped spelling);
//   - NAT64 64:ff9b::a.b.c.d and 6to4 2002:aabb:ccdd::/48 when the IPv4
//     address they embed is refused by the default rules. An allow entry
//     for the IPv4 address does not open them: they reach a translator or
//     relay, not the address itself, so only an entry covering the IPv6
//     address does.
//
// The zone of an IPv6 address is ignored. Check is safe on a nil
// *AllowList, which applies the default rules only.
func (a *AllowList) Check(ip netip.Addr) (reason string) {
	if !ip.IsValid() {
		return "invalid address"
	}
	ip = ip.WithZone("")
	if a.allowsIP(ip) {
		return ""
	}
	if ip.Is4In6() {
		v4 := ip.Unmap()
		if a.allowsIP(v4) {
			return ""
		}
		return mappedReason(v4)
	}
	return defaultReason(ip)
}

// mappedReason is the reason an IPv4-mapped form of v4 is refused.
func mappedReason(v4 netip.Addr) string {
	if r := defaultReason(v4); r != "" {
		return "IPv4-mapped " + v4.String() + ": " + r
	}
	return "IPv4-mapped form of " + v4.String()
}

// defaultReason applies the default rules, ignoring every allow entry.
func defaultReason(ip netip.Addr) string {
	if ip.Is4() {
		return match(v4Rules, ip)
	}
	if ip.Is4In6() {
		return mappedReason(ip.Unmap())
	}
	if r := match(v6Rules, ip); r != "" {
		return r
	}
	b := ip.As16()
	if nat64Prefix.Contains(ip) {
		v4 := netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})
		if r := defaultReason(v4); r != "" {
			return "NAT64 of " + v4.String() + ": " + r
		}
		return ""
	}
	if sixToFour.Contains(ip) {
		v4 := netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]})
		if r := defaultReason(v4); r != "" {
			return "6to4 of " + v4.String() + ": " + r
		}
		return ""
	}
	if !globalUnicast.Contains(ip) {
		return reasonReserved
	}
	return ""
}

// match returns the reason of the first rule that contains ip, or "".
func match(rules []rule, ip netip.Addr) string {
	for _, r := range rules {
		if r.prefix.Contains(ip) {
			return r.reason
		}
	}
	return ""
}
