package app

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/confab/confab/internal/config"
	"github.com/confab/confab/internal/testkit"
)

// TestOutboundProxy runs the server with --outbound-proxy naming a forward
// proxy on 127.0.0.1: the reply webhook goes through it.
func TestOutboundProxy(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var seen []string
	upstream := &http.Transport{}
	t.Cleanup(upstream.CloseIdleConnections)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Method+" "+r.URL.String())
		mu.Unlock()
		if !r.URL.IsAbs() {
			http.Error(w, "not a proxy request", http.StatusBadRequest)
			return
		}
		out := r.Clone(r.Context())
		out.RequestURI = ""
		resp, err := upstream.RoundTrip(out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		io.Copy(w, resp.Body)
	}))
	t.Cleanup(proxy.Close)

	s := startServer(t, func(c *config.Config) { c.OutboundProxy = proxy.URL })
	rcv := testkit.NewReceiver(t)
	ch := s.createChannel(t, rcv, "echo")
	if code, got := s.send(t, ch, map[string]any{"message": "hello"}); code != 200 || !got.Success {
		t.Fatalf("send = %d %+v", code, got)
	}
	hits := rcv.WaitFor(t, 10*time.Second, "the reply", func(h []testkit.Hit) bool { return len(h) >= 1 })
	if !hits[0].Verified {
		t.Errorf("the reply through the proxy did not verify: %s", hits[0].VerifyErr)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) == 0 || !strings.HasPrefix(seen[0], "POST "+rcv.URL) {
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
