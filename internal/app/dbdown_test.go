package app

import (
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/confab/confab/internal/config"
	"github.com/confab/confab/internal/testkit"
)

// flakyProxy forwards TCP connections to a target on 127.0.0.1 until it is
// cut: then it closes every open connection and refuses new ones, as a
// database that went away does.
type flakyProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	down   bool
	conns  []net.Conn
}

func newFlakyProxy(t *testing.T, target string) *flakyProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &flakyProxy{ln: ln, target: target}
	t.Cleanup(func() { ln.Close(); p.cut() })
	go p.serve()
	return p
}

func (p *flakyProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		down := p.down
		p.mu.Unlock()
		if down {
			c.Close()
			continue
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, up)
		p.mu.Unlock()
		go func() { _, _ = io.Copy(up, c); up.Close() }()
		go func() { _, _ = io.Copy(c, up); c.Close() }()
	}
}

func (p *flakyProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func (p *flakyProxy) restore() {
	p.mu.Lock()
	p.down = false
	p.mu.Unlock()
}

// TestDatabaseDownAnswers503 cuts the server off its PostgreSQL database:
// sends are answered 503 with Retry-After (never 2xx), and once the
// database is back the server serves again by itself.
func TestDatabaseDownAnswers503(t *testing.T) {
	t.Parallel()
	url := os.Getenv("CONFAB_TEST_DATABASE_URL")
	if url == "" {
		t.Skip("CONFAB_TEST_DATABASE_URL is not set: this test needs PostgreSQL")
	}
	proxy := newFlakyProxy(t, "127.0.0.1:5432")
	schemaURL := freshSchema(t, url)
	viaProxy := strings.Replace(schemaURL, "127.0.0.1:5432", proxy.ln.Addr().String(), 1)
	if viaProxy == schemaURL {
		t.Skip("CONFAB_TEST_DATABASE_URL does not point at 127.0.0.1:5432")
	}
	s := startServer(t, func(c *config.Config) { c.DatabaseURL = viaProxy })
	rcv := testkit.NewReceiver(t)
	ch := s.createChannel(t, rcv, "echo")
	if code, got := s.send(t, ch, map[string]any{"message": "before", "userID": 1}); code != 200 {
		t.Fatalf("send before the cut = %d %+v", code, got)
	}

	proxy.cut()
	for i := range 3 {
		body := strings.NewReader(`{"channelID":"` + ch.ChannelID + `","token":"` + ch.Token + `","message":"during","userID":1}`)
		resp, err := http.Post(s.url+"/v1/messages", "application/json", body)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" || !strings.Contains(string(data), `"success":false`) {
			t.Fatalf("send %d while the database is down = %d (Retry-After %q) %s; want 503 with Retry-After", i, resp.StatusCode, resp.Header.Get("Retry-After"), data)
		}
	}
	if code := testkit.Call(t, "GET", s.url+"/readyz", "", nil, nil); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz while the database is down = %d, want 503", code)
	}

	proxy.restore()
	deadline := time.Now().Add(20 * time.Second)
	for {
		code, _ := s.send(t, ch, map[string]any{"message": "after", "userID": 1})
		if code == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server did not serve again within 20s of the database coming back (last %d)", code)
		}
		time.Sleep(200 * time.Millisecond)
	}
	rcv.WaitFor(t, 20*time.Second, "the replies before and after", func(h []testkit.Hit) bool {
		var before, after bool
		for _, hit := range rcv.Delivered() {
			m := hit.JSON(t)["message"]
			before = before || m == "ready"
			after = after || m == "echo after"
		}
		return before && after
	})
}
