package turn_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/confab/confab/internal/action"
	"github.com/confab/confab/internal/block"
	"github.com/confab/confab/internal/bot"
	"github.com/confab/confab/internal/flow"
	"github.com/confab/confab/internal/redact"
	"github.com/confab/confab/internal/safehttp"
	"github.com/confab/confab/internal/store"
	"github.com/confab/confab/internal/turn"
)

// keyedBot calls an API with a secret in its URL, a header and its body,
// fetches from a script, and tells the user the secret (which must not
// reach them). "restart" is a keyword of its channel.
const keyedBot = `
confab: 1
id: keyed
start: lookup
variables:
  stock: 0
blocks:
  lookup:
    type: api
    method: POST
    url: "BASE/orders?key={{ secret.KEY }}&lang=en"
    headers: { X-Token: "{{ secret.KEY }}" }
    body: { token: "{{ secret.KEY }}", text: "{{ input }}" }
    save: answer
    on_error: failed
    next: stock
  stock:
    type: code
    script: |
      const r = await fetch("BASE/stock?sku=7")
      vars.stock = r.status
    on_error: failed
    next: reply
  reply:
    type: message
    messages: ["got {{ answer.status }} and {{ stock }}; psst {{ secret.KEY }}"]
    next: listen
  listen:
    type: input
    next: lookup
  failed:
    type: end
    messages: ["failed: {{ error }}"]
`

// channelSecret is the webhook secret rig.channel gives channels.
const channelSecret = "whsec_dGVzdHRlc3R0ZXN0dGVzdHRlc3R0ZXN0dGVzdHRlc3Q="

// received is a request the shop server got.
type received struct {
	path   string
	header http.Header
	body   []byte
}

// shop is a server on 127.0.0.1 that records what it gets; hold, when
// set, makes the first /orders request wait until it is closed.
type shop struct {
	srv  *httptest.Server
	mu   sync.Mutex
	got  []received
	hold chan struct{}
	held atomic.Bool
	came chan string // the path of each request, as it comes
}

func newShop(t *testing.T, hold bool) *shop {
	t.Helper()
	s := &shop{came: make(chan string, 64)}
	if hold {
		s.hold = make(chan struct{})
	}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.got = append(s.got, received{path: r.URL.Path, header: r.Header.Clone(), body: body})
		s.mu.Unlock()
		s.came <- r.URL.Path
		if s.hold != nil && r.URL.Path == "/orders" && s.held.CompareAndSwap(false, true) {
			<-s.hold
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":true}`)
	}))
	t.Cleanup(func() {
		if s.hold != nil && !s.held.Load() {
			close(s.hold)
		}
		s.srv.Close()
	})
	return s
}

// requests returns what the shop got at path, in order.
func (s *shop) requests(path string) []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []received
	for _, r := range s.got {
		if r.path == path {
			out = append(out, r)
		}
	}
	return out
}

func (s *shop) waitFor(t *testing.T, path string) {
	t.Helper()
	for {
		select {
		case p := <-s.came:
			if p == path {
				return
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("no request to %s came in 10s", path)
		}
	}
}

// keyedBots serves keyedBot calling base, with the secret KEY.
func keyedBots(t *testing.T, base string) secretBots {
	t.Helper()
	kinds := block.Builtin()
	b, problems := bot.Parse("keyed.yaml", []byte(strings.ReplaceAll(keyedBot, "BASE", base)), kinds)
	if b == nil || problems.HasErrors() {
		t.Fatalf("keyed.yaml: %s", problems)
	}
	eng, err := flow.New(b, kinds, flow.Options{Secrets: map[string]string{"KEY": secretValue}})
	if err != nil {
		t.Fatal(err)
	}
	return secretBots{engines: engines{"keyed": eng}, secrets: redact.New([]string{secretValue})}
}

// safeExecutor is the server's executor, allowed to reach 127.0.0.1 only.
func safeExecutor(t *testing.T) action.Executor {
	t.Helper()
	c, err := safehttp.New(safehttp.Config{Allow: []string{"127.0.0.1/32"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return action.Executor{Client: c.HTTPClient()}
}

// keyOf returns a request's key, after checking that Idempotency-Key and
// webhook-id carry it both, once each, and that the Standard Webhooks
// reference library verifies the request under the channel's secret.
func keyOf(t *testing.T, r received) string {
	t.Helper()
	key, id := r.header.Values("Idempotency-Key"), r.header.Values("Webhook-Id")
	if len(key) != 1 || len(id) != 1 || key[0] != id[0] {
		t.Errorf("%s: Idempotency-Key %q and webhook-id %q, want one value each, the same", r.path, key, id)
	}
	wh, err := standardwebhooks.NewWebhook(channelSecret)
	if err != nil {
		t.Fatal(err)
	}
	if err := wh.Verify(r.body, r.header); err != nil {
		t.Errorf("%s: the signature does not verify: %v", r.path, err)
	}
	if len(key) == 0 {
		return ""
	}
	return key[0]
}

// A turn that a worker ran up to a call but never committed (its process
// died) runs again on the next start: the call it repeats has the same
// key, so the receiver can tell it is the same step. Other steps, other
// turns, other conversations and the steps after a keyword reset have
// other keys.
func TestACallRetriedAfterACrashKeepsItsKey(t *testing.T) {
	t.Parallel()
	s := newShop(t, true)
	bots := keyedBots(t, s.srv.URL)
	exec := safeExecutor(t)
	a := newRig(t, bots, exec, turn.Config{Owner: "a"})
	ch := a.channel(t, "web", "keyed", "restart")
	a.start(t)

	first := a.accept(t, ch, store.Inbound{Text: "hi", SenderID: "alice"})
	s.waitFor(t, "/orders") // worker a waits for the answer
	// Worker a's process dies (it takes no more work; its turn in flight
	// never commits), and the next start drops its leases: worker b takes
	// the turn over from the stored state.
	a.cancel()
	if err := a.store.ReleaseLeases(context.Background()); err != nil {
		t.Fatal(err)
	}
	b := turn.New(a.store, bots, exec, slog.New(slog.NewTextHandler(io.Discard, nil)), turn.Config{Owner: "b", Poll: 20 * time.Millisecond}, &outbox{commits: &atomic.Int32{}})
	ctx, cancel := context.WithCancel(context.Background())
	bDone := make(chan struct{})
	go func() { defer close(bDone); b.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-bDone })
	b.Wake()
	a.waitHandled(t, first.ConversationID, first.Seq)
	close(s.hold) // worker a gets its answer late: its commit finds the lease lost
	<-a.done
	if !strings.Contains(a.log.String(), "committing the turn") {
		t.Errorf("worker a committed the turn it lost:\n%s", a.log.String())
	}

	orders := s.requests("/orders")
	if len(orders) != 2 {
		t.Fatalf("%d requests to /orders, want worker a's and worker b's", len(orders))
	}
	want := first.ConversationID + "/lookup#1"
	for i, r := range orders {
		if k := keyOf(t, r); k != want {
			t.Errorf("request %d to /orders has the key %q, want %q", i+1, k, want)
		}
	}
	stock := s.requests("/stock")
	if len(stock) == 0 || keyOf(t, stock[0]) != first.ConversationID+"/stock#2/fetch-1" {
		t.Errorf("the script's fetch: %d requests, want the key %q", len(stock), first.ConversationID+"/stock#2/fetch-1")
	}

	// The same conversation's next turn, another conversation, and the
	// same conversation after a keyword reset: each call a new key.
	seen := map[string]bool{want: true, first.ConversationID + "/stock#2/fetch-1": true}
	for _, in := range []store.Inbound{
		{Text: "again", SenderID: "alice"},
		{Text: "hi", SenderID: "bob"},
		{Text: "restart", SenderID: "alice"},
	} {
		n := len(s.requests("/orders"))
		acc := a.accept(t, ch, in)
		b.Wake()
		a.waitHandled(t, acc.ConversationID, acc.Seq)
		orders := s.requests("/orders")
		if len(orders) != n+1 {
			t.Fatalf("%s's %q: %d new requests to /orders, want 1", in.SenderID, in.Text, len(orders)-n)
		}
		k := keyOf(t, orders[n])
		if seen[k] || !strings.HasPrefix(k, acc.ConversationID+"/lookup#") {
			t.Errorf("%s's %q: the key %q, want a new key of conversation %s", in.SenderID, in.Text, k, acc.ConversationID)
		}
		seen[k] = true
	}

	// The bot's message named the secret: the user gets it masked.
	if got := a.outgoing(t, first.ConversationID); len(got) == 0 || got[0] != "got 200 and 200; psst [redacted]" {
		t.Errorf("replies %q, want the first with the secret masked", got)
	}
	for _, d := range a.deliveries(t, ch.ID) {
		if strings.Contains(string(d.Body), secretValue) {
			t.Errorf("a webhook delivery shows the secret: %s", d.Body)
		}
	}
}

// The execution log shows each request of each call: method, URL with its
// credentials masked, status, latency, size and error class.
func TestTheLogShowsEveryRequest(t *testing.T) {
	t.Parallel()
	s := newShop(t, false)
	r := newRig(t, keyedBots(t, s.srv.URL), safeExecutor(t), turn.Config{})
	ch := r.channel(t, "web", "keyed")
	r.start(t)
	acc := r.accept(t, ch, store.Inbound{Text: "hi", SenderID: "alice"})
	r.waitHandled(t, acc.ConversationID, acc.Seq)

	logs, _ := r.turnLogs(t, acc.ConversationID)
	if len(logs) != 1 {
		t.Fatalf("%d logs, want 1", len(logs))
	}
	if strings.Contains(string(logs[0].Trace), secretValue) {
		t.Errorf("the log shows the secret: %s", logs[0].Trace)
	}
	type request struct {
		Method     string   `json:"method"`
		URL        string   `json:"url"`
		Status     int      `json:"status"`
		LatencyMs  *float64 `json:"latencyMs"`
		Bytes      int      `json:"bytes"`
		ErrorClass string   `json:"errorClass"`
	}
	var steps []struct {
		Kind     string    `json:"kind"`
		Block    string    `json:"block"`
		Detail   string    `json:"detail"`
		Requests []request `json:"requests"`
	}
	if err := json.Unmarshal(logs[0].Trace, &steps); err != nil {
		t.Fatal(err)
	}
	want := map[string]request{
		"lookup": {Method: "POST", URL: s.srv.URL + "/orders?key=[redacted]&lang=en", Status: 200, Bytes: len(`{"ok":true}`)},
		"stock":  {Method: "GET", URL: s.srv.URL + "/stock?sku=7", Status: 200, Bytes: len(`{"ok":true}`)},
	}
	for _, st := range steps {
		if st.Kind != "call" {
			continue
		}
		w, ok := want[st.Block]
		if !ok {
			t.Errorf("a call of block %q", st.Block)
			continue
		}
		delete(want, st.Block)
		if len(st.Requests) != 1 || st.Requests[0].LatencyMs == nil {
			t.Errorf("%s: requests %+v, want one with a latency", st.Block, st.Requests)
			continue
		}
		got := st.Requests[0]
		got.LatencyMs = nil
		if got != w {
			t.Errorf("%s: request %+v, want %+v", st.Block, got, w)
		}
	}
	if len(want) > 0 {
		t.Errorf("no call step for %v in %s", want, logs[0].Trace)
	}
}
