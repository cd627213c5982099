package app

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/confab/confab/internal/config"
	"github.com/confab/confab/internal/testkit"
)

// TestOutboundProxy runs the server with --outbound-proxy naming a forward
// proxy on 127.0.0.1: the reply webhook goes through it.
func TestOutboundProxy(t *testing.T) {
	t.Parallel()
	proxy := testkit.NewForwardProxy(t, nil)

	s := startServer(t, func(c *config.Config) { c.OutboundProxy = proxy.URL.String() })
	rcv := testkit.NewReceiver(t)
	ch := s.createChannel(t, rcv, "echo")
	if code, got := s.send(t, ch, map[string]any{"message": "hello"}); code != 200 || !got.Success {
		t.Fatalf("send = %d %+v", code, got)
	}
	hits := rcv.WaitFor(t, 10*time.Second, "the reply", func(h []testkit.Hit) bool { return len(h) >= 1 })
	if !hits[0].Verified {
		t.Errorf("the reply through the proxy did not verify: %s", hits[0].VerifyErr)
	}
	if seen := proxy.Requests(); len(seen) == 0 || !strings.HasPrefix(seen[0], "POST "+rcv.URL) {
		t.Errorf("the proxy saw %q, want the webhook POST to %s", seen, rcv.URL)
	}
}

func TestOutboundProxyBadValue(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, func(c *config.Config) { c.OutboundProxy = "socks5://proxy.lan:1080" })
	err := Serve(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), io.Discard, nil)
	if err == nil || !strings.Contains(err.Error(), `outbound-proxy "socks5://proxy.lan:1080": scheme "socks5"`) {
		t.Errorf("Serve = %v, want an error naming outbound-proxy", err)
	}
}
