package safehttp

import (
	"context"
	"encoding/binary"
	"io"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// fakeDNS is a DNS server inside the test process: Go's own resolver
// (PreferGo) talks to it over an in-memory pipe, so host names resolve the
// way they do in production (hosts file first, then DNS) without a network.
// It answers A and AAAA queries from records; a name with no record that
// inet_aton would read as an IPv4 address (0x7f000001, 0x7f.0.0.1) gets that
// address, the worst a resolver could do with it; any other name is
// NXDOMAIN.
type fakeDNS struct {
	mu      sync.Mutex
	records map[string][]netip.Addr // keys lower-case, no trailing dot
	asked   []string                // names queried, in order
}

// set replaces the addresses of name.
func (f *fakeDNS) set(name string, addrs ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.records[name] = nil
	for _, a := range addrs {
		f.records[name] = append(f.records[name], netip.MustParseAddr(a))
	}
}

// newFakeDNS returns a fakeDNS answering from records ("name" → addresses).
func newFakeDNS(records map[string][]string) *fakeDNS {
	f := &fakeDNS{records: make(map[string][]netip.Addr)}
	for name, addrs := range records {
		for _, a := range addrs {
			f.records[name] = append(f.records[name], netip.MustParseAddr(a))
		}
	}
	return f
}

// resolver returns a *net.Resolver whose every query goes to f.
func (f *fakeDNS) resolver() *net.Resolver {
	return &net.Resolver{
		PreferGo: true,
		Dial: func(context.Context, string, string) (net.Conn, error) {
			client, server := net.Pipe()
			go f.serve(server)
			return client, nil
		},
	}
}

// queried reports whether name was asked for.
func (f *fakeDNS) queried(name string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Contains(f.asked, strings.ToLower(name))
}

// serve answers length-prefixed DNS messages on conn until it closes (a
// conn that is not a net.PacketConn makes Go's resolver speak DNS over TCP
// framing).
func (f *fakeDNS) serve(conn net.Conn) {
	defer conn.Close()
	for {
		var size [2]byte
		if _, err := io.ReadFull(conn, size[:]); err != nil {
			return
		}
		query := make([]byte, binary.BigEndian.Uint16(size[:]))
		if _, err := io.ReadFull(conn, query); err != nil {
			return
		}
		answer := f.answer(query)
		if answer == nil {
			return
		}
		out := binary.BigEndian.AppendUint16(nil, uint16(len(answer)))
		if _, err := conn.Write(append(out, answer...)); err != nil {
			return
		}
	}
}

// answer builds the response to one query, or nil for a malformed query.
func (f *fakeDNS) answer(query []byte) []byte {
	const headerLen = 12
	if len(query) < headerLen {
		return nil
	}
	var labels []string
	i := headerLen
	for {
		if i >= len(query) {
			return nil
		}
		n := int(query[i])
		i++
		if n == 0 {
			break
		}
		if n&0xc0 != 0 || i+n > len(query) {
			return nil
		}
		labels = append(labels, string(query[i:i+n]))
		i += n
	}
	if i+4 > len(query) {
		return nil
	}
	qtype := binary.BigEndian.Uint16(query[i:])
	question := query[headerLen : i+4]
	name := strings.ToLower(strings.Join(labels, "."))

	f.mu.Lock()
	f.asked = append(f.asked, name)
	addrs, found := f.records[name]
	f.mu.Unlock()

	if !found {
		if ip, ok := inetAton(name); ok {
			addrs, found = []netip.Addr{ip}, true
		}
	}
	var answers []byte
	count := 0
	for _, a := range addrs {
		var rdata []byte
		switch {
		case qtype == 1 && a.Is4(): // A
			b := a.As4()
			rdata = b[:]
		case qtype == 28 && a.Is6(): // AAAA
			b := a.As16()
			rdata = b[:]
		default:
			continue
		}
		answers = append(answers, 0xc0, headerLen) // the name: a pointer to the question
		answers = binary.BigEndian.AppendUint16(answers, qtype)
		answers = binary.BigEndian.AppendUint16(answers, 1) // class IN
		answers = binary.BigEndian.AppendUint32(answers, 60)
		answers = binary.BigEndian.AppendUint16(answers, uint16(len(rdata)))
		answers = append(answers, rdata...)
		count++
	}
	// Flags: response, authoritative, recursion available, the query's
	// recursion-desired bit, and NXDOMAIN for an unknown name.
	flags := uint16(0x8000|0x0400|0x0080) | uint16(query[2]&1)<<8
	if !found {
		flags |= 3
	}
	resp := append([]byte(nil), query[0:2]...) // id
	resp = binary.BigEndian.AppendUint16(resp, flags)
	resp = binary.BigEndian.AppendUint16(resp, 1) // questions
	resp = binary.BigEndian.AppendUint16(resp, uint16(count))
	resp = binary.BigEndian.AppendUint16(resp, 0)
	resp = binary.BigEndian.AppendUint16(resp, 0)
	resp = append(resp, question...)
	return append(resp, answers...)
}

// inetAton reads s the way the C library's inet_aton does: one to four
// parts, each decimal, octal (leading 0) or hexadecimal (0x), the last part
// filling the remaining bytes.
func inetAton(s string) (netip.Addr, bool) {
	parts := strings.Split(s, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	var vals []uint64
	for _, p := range parts {
		base := 10
		switch {
		case strings.HasPrefix(p, "0x"):
			p, base = p[2:], 16
		case len(p) > 1 && p[0] == '0':
			p, base = p[1:], 8
		}
		v, err := strconv.ParseUint(p, base, 32)
		if err != nil {
			return netip.Addr{}, false
		}
		vals = append(vals, v)
	}
	var n uint32
	last := len(vals) - 1
	for i, v := range vals[:last] {
		if v > 255 {
			return netip.Addr{}, false
		}
		n |= uint32(v) << (24 - 8*i)
	}
	if last > 0 && vals[last] >= 1<<(8*(4-last)) {
		return netip.Addr{}, false
	}
	n |= uint32(vals[last])
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], n)
	return netip.AddrFrom4(b), true
}

func TestInetAton(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want string // "" means not an address
	}{
		{"127.0.0.1", "127.0.0.1"},
		{"127.1", "127.0.0.1"},
		{"127.0.1", "127.0.0.1"},
		{"0x7f000001", "127.0.0.1"},
		{"0x7f.0.0.1", "127.0.0.1"},
		{"2130706433", "127.0.0.1"},
		{"017700000001", "127.0.0.1"},
		{"0177.0.0.1", "127.0.0.1"},
		{"0", "0.0.0.0"},
		{"10.0x10.1", "10.16.0.1"},
		{"256.0.0.1", ""},
		{"1.2.3.4.5", ""},
		{"127.256", "127.0.1.0"},
		{"1.2.65536", ""},
		{"08.0.0.1", ""},
		{"example.com", ""},
		{"0x", ""},
	}
	for _, tt := range tests {
		ip, ok := inetAton(tt.in)
		got := ""
		if ok {
			got = ip.String()
		}
		if got != tt.want {
			t.Errorf("inetAton(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
