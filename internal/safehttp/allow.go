package safehttp

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// AllowList is a parsed list of exceptions to the address rules: networks,
// single IPs and host names. The zero value and a nil *AllowList allow
// nothing beyond the defaults. An AllowList is immutable and safe for
// concurrent use.
type AllowList struct {
	prefixes []netip.Prefix
	hosts    map[string]bool
}

// ParseAllow parses allow-list entries. An entry is one of:
//
//   - a network in CIDR form (10.0.0.0/8, 127.0.0.1/32, ::1/128), which
//     allows every address inside it; host bits are ignored, so
//     192.168.1.5/24 means 192.168.1.0/24;
//   - a single IP (127.0.0.1, ::1), which allows that address only;
//   - a host name (localhost, hooks.lan), matched exactly against the host
//     of the URL, ignoring case and a trailing dot. A host-name entry turns
//     the address check off for that host: whatever the name resolves to is
//     dialled, cloud metadata addresses included. Prefer a network entry
//     when the addresses are known.
//
// IPv4-mapped IPv6 forms (::ffff:10.0.0.0/104) are read as the IPv4 network
// they embed. Surrounding spaces are trimmed; empty entries, ports, URLs,
// wildcards, IPv6 zones and numeric spellings that are not dotted-quad IPv4
// (127.1, 0x7f000001) are errors. The error names the first bad entry.
func ParseAllow(entries []string) (*AllowList, error) {
	a := &AllowList{hosts: make(map[string]bool)}
	for _, raw := range entries {
		entry := strings.TrimSpace(raw)
		if err := a.add(entry); err != nil {
			return nil, fmt.Errorf("safehttp: allow entry %q: %w", raw, err)
		}
	}
	return a, nil
}

// add parses one trimmed entry into a.
func (a *AllowList) add(entry string) error {
	switch {
	case entry == "":
		return fmt.Errorf("empty entry")
	case strings.Contains(entry, "://"):
		return fmt.Errorf("write a host name, an IP or a CIDR network, not a URL")
	case strings.Contains(entry, "*"):
		return fmt.Errorf("wildcards are not supported: list each host name, or use a CIDR network")
	case strings.Contains(entry, "%"):
		return fmt.Errorf("IPv6 zones are not supported")
	}
	if strings.Contains(entry, "/") {
		p, err := netip.ParsePrefix(entry)
		if err != nil {
			return fmt.Errorf("not a CIDR network: %w", err)
		}
		a.prefixes = append(a.prefixes, unmapPrefix(p.Masked()))
		return nil
	}
	if ip, err := netip.ParseAddr(entry); err == nil {
		ip = ip.Unmap()
		a.prefixes = append(a.prefixes, netip.PrefixFrom(ip, ip.BitLen()))
		return nil
	}
	if strings.Contains(entry, ":") || strings.HasPrefix(entry, "[") {
		return fmt.Errorf("not an IP address or host name (ports and brackets are not accepted)")
	}
	name := normalizeHost(entry)
	if err := checkHostName(name); err != nil {
		return err
	}
	a.hosts[name] = true
	return nil
}

// unmapPrefix turns an IPv4-mapped IPv6 prefix of at least 96 bits into
// the IPv4 prefix it embeds, and returns any other prefix unchanged.
func unmapPrefix(p netip.Prefix) netip.Prefix {
	if p.Addr().Is4In6() && p.Bits() >= 96 {
		return netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
	}
	return p
}

// normalizeHost lower-cases a host name and drops one trailing dot, the
// form host-name entries are stored and matched in.
func normalizeHost(host string) string {
	return strings.TrimSuffix(strings.ToLower(host), ".")
}

// checkHostName reports why a normalized host name is not acceptable as an
// allow entry, or nil.
func checkHostName(name string) error {
	if name == "" || len(name) > 253 {
		return fmt.Errorf("not a valid host name")
	}
	labels := strings.Split(name, ".")
	for _, label := range labels {
		if label == "" || len(label) > 63 {
			return fmt.Errorf("not a valid host name (empty or over-long label)")
		}
		for _, c := range label {
			ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_'
			if !ok {
				return fmt.Errorf("not a valid host name (character %q; write internationalized names in their xn-- form)", c)
			}
		}
	}
	// A host name never ends in an all-numeric label; such an entry is an
	// odd spelling of an IPv4 address (127.1, 2130706433) or a typo.
	if strings.Trim(labels[len(labels)-1], "0123456789") == "" || isHexNumber(labels[len(labels)-1]) {
		return fmt.Errorf("looks like a numeric address: write IPv4 addresses as four decimal parts (127.0.0.1)")
	}
	return nil
}

// isHexNumber reports whether s is a 0x-prefixed hexadecimal number, a form
// some resolvers read as an IPv4 address.
func isHexNumber(s string) bool {
	if len(s) < 3 || s[0] != '0' || s[1] != 'x' {
		return false
	}
	return strings.Trim(s[2:], "0123456789abcdef") == ""
}

// AllowsHost reports whether host (as written in a URL, any case, with or
// without a trailing dot) is a host-name entry of the list.
func (a *AllowList) AllowsHost(host string) bool {
	if a == nil || len(a.hosts) == 0 {
		return false
	}
	return a.hosts[normalizeHost(host)]
}

// allowsIP reports whether ip lies in one of the listed networks or IPs.
// ip must have no zone.
func (a *AllowList) allowsIP(ip netip.Addr) bool {
	if a == nil {
		return false
	}
	for _, p := range a.prefixes {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// String lists the entries in their normalized form, networks first, for
// logs and configuration dumps.
func (a *AllowList) String() string {
	if a == nil {
		return ""
	}
	parts := make([]string, 0, len(a.prefixes)+len(a.hosts))
	for _, p := range a.prefixes {
		if p.IsSingleIP() {
			parts = append(parts, p.Addr().String())
		} else {
			parts = append(parts, p.String())
		}
	}
	for h := range a.hosts {
		parts = append(parts, h)
	}
	// Host names come from a map: sort them for a stable dump.
	slices.Sort(parts[len(a.prefixes):])
	return strings.Join(parts, ",")
}
