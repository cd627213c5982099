package safehttp

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// libcChildEnv marks the child process of TestNumericSpellingsLibc.
const libcChildEnv = "SAFEHTTP_TEST_LIBC_CHILD"

// TestNumericSpellingsLibc shows that the numeric spellings Go's own
// resolver rejects are still refused when the C library resolves them:
// getaddrinfo reads 127.1, 0x7f000001, 2130706433 or 0177.0.0.1 as
// 127.0.0.1 (inet_aton), and the dial-time check sees 127.0.0.1. The test
// runs itself again with GODEBUG=netdns=cgo, because the resolver is chosen
// once per process.
func TestNumericSpellingsLibc(t *testing.T) {
	t.Parallel()
	if !haveLibcResolver {
		t.Skip("built without cgo: the C library resolver is not available")
	}
	if os.Getenv(libcChildEnv) == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestNumericSpellingsLibc$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), libcChildEnv+"=1", "GODEBUG=netdns=cgo")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("child run with GODEBUG=netdns=cgo failed: %v\n%s", err, out)
		}
		if !strings.Contains(string(out), "--- PASS: TestNumericSpellingsLibc") {
			t.Fatalf("child run did not pass the test:\n%s", out)
		}
		return
	}
	tests := []struct {
		host   string
		ip     string // what inet_aton makes of it
		reason string
		// allowed is the outcome with 127.0.0.1/32 allowed.
		allowed string
	}{
		{"127.1", "127.0.0.1", "loopback", outReached},
		{"127.0.1", "127.0.0.1", "loopback", outReached},
		{"0x7f000001", "127.0.0.1", "loopback", outReached},
		{"0x7f.0.0.1", "127.0.0.1", "loopback", outReached},
		{"2130706433", "127.0.0.1", "loopback", outReached},
		{"017700000001", "127.0.0.1", "loopback", outReached},
		{"0177.0.0.1", "127.0.0.1", "loopback", outReached},
		{"127.000.000.001", "127.0.0.1", "loopback", outReached},
		{"0177.1", "127.0.0.1", "loopback", outReached},
		{"2130706434", "127.0.0.2", "loopback", outBlocked},
		{"0", "0.0.0.0", "unspecified", outBlocked},
		{"0xa000001", "10.0.0.1", "private", outBlocked},
		{"0xa9.0xfe.0xa9.0xfe", "169.254.169.254", "cloud metadata", outBlocked},
		{"2852039166", "169.254.169.254", "cloud metadata", outBlocked},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			t.Parallel()
			got := trySpelling(t, Config{}, tt.host) // nil Resolver: net.DefaultResolver, here the C library's
			if got.outcome != outBlocked || got.blocked == nil {
				t.Fatalf("default rules: outcome %q (err %v), want %q", got.outcome, got.err, outBlocked)
			}
			if got.blocked.IP.String() != tt.ip || got.blocked.Reason != tt.reason {
				t.Errorf("refused %s (%s), want %s (%s)", got.blocked.IP, got.blocked.Reason, tt.ip, tt.reason)
			}
			if got.hits != 0 || len(got.passed) != 0 {
				t.Errorf("default rules: server reached %d times, addresses passed %q", got.hits, got.passed)
			}
			got = trySpelling(t, Config{Allow: []string{"127.0.0.1/32"}}, tt.host)
			if got.outcome != tt.allowed {
				t.Errorf("with 127.0.0.1/32 allowed: outcome %q (err %v), want %q", got.outcome, got.err, tt.allowed)
			}
		})
	}
}
