package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/confab/confab/internal/app"
	"github.com/confab/confab/internal/config"
	"github.com/confab/confab/internal/ratelimit"
	"github.com/confab/confab/internal/testkit"
)

// The walk of docs/integrations.md as a test: a real confab serve in the
// process serving bots/orders.yaml (SQLite in a temporary folder), this
// example server on 127.0.0.1 checking the signature and Authorization of
// every call, and receivers for the channel's webhook and the event
// webhook. One conversation goes through all six integration blocks.

const walkAdmin = "walk-admin-token-0123456789abcdef0123456789"

// keyRecorder notes the Idempotency-Key of each request the example
// server gets, by path.
type keyRecorder struct {
	mu   sync.Mutex
	keys map[string][]string
}

func (k *keyRecorder) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k.mu.Lock()
		k.keys[r.URL.Path] = append(k.keys[r.URL.Path], r.Header.Get("Idempotency-Key"))
		k.mu.Unlock()
		next.ServeHTTP(w, r)
	})
}

func (k *keyRecorder) of(path string) []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]string(nil), k.keys[path]...)
}

// serveBots runs confab serve with the repository's bots, the orders bot
// pointed at ordersURL, until the end of the test; it returns its URL.
func serveBots(t *testing.T, ordersURL string) string {
	t.Helper()
	cfg := config.Default()
	cfg.Addr = "127.0.0.1:0"
	cfg.DataDir = t.TempDir()
	cfg.BotsDir = "../../bots"
	cfg.AdminToken = walkAdmin
	cfg.AllowNet = []string{"127.0.0.1/32"}
	cfg.RateLimits = ratelimit.Plans{}
	cfg.Env = map[string]string{"ORDERS_URL": ordersURL, "SHOP_URL": ordersURL}
	cfg.Secrets = map[string]string{"ORDERS_TOKEN": "orders-secret", "SHOP_TOKEN": "shop-secret"}
	ctx, cancel := context.WithCancel(context.Background())
	ready, done := make(chan string, 1), make(chan error, 1)
	go func() {
		done <- app.Serve(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), io.Discard, func(addr string) { ready <- addr })
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Error("confab serve did not stop in 30s")
		}
	})
	select {
	case addr := <-ready:
		return "http://" + addr
	case err := <-done:
		t.Fatalf("confab serve did not start: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("confab serve did not start in 20s")
	}
	return ""
}

var callbackRE = regexp.MustCompile(`http://[^"\s]+/v1/callbacks/[^"\s]+`)

func TestTheOrdersBotAgainstTheExampleServer(t *testing.T) {
	t.Parallel()
	// The example server's address must be known before confab serve
	// starts, and the channel's secret (it checks signatures with) after.
	example := httptest.NewUnstartedServer(nil)
	t.Cleanup(example.Close)
	base := serveBots(t, "http://"+example.Listener.Addr().String())

	rcv, events := testkit.NewReceiver(t), testkit.NewReceiver(t)
	var ch struct {
		ChannelID, Token, WebhookSecret string
	}
	if code := testkit.Call(t, "POST", base+"/v1/channels", walkAdmin, map[string]any{"bot": "orders", "webhookUrl": rcv.URL}, &ch); code != 201 {
		t.Fatalf("POST /v1/channels = %d", code)
	}
	rcv.SetSecret(ch.WebhookSecret)
	var hook struct{ Secret string }
	if code := testkit.Call(t, "POST", base+"/v1/webhooks", walkAdmin, map[string]any{"url": events.URL, "events": []string{"handover.requested"}}, &hook); code != 201 {
		t.Fatalf("POST /v1/webhooks = %d", code)
	}
	events.SetSecret(hook.Secret)

	s := newServer("orders-secret", "shop-secret", time.Now)
	s.webhookSecret = ch.WebhookSecret
	keys := &keyRecorder{keys: map[string][]string{}}
	example.Config.Handler = keys.wrap(s.handler())
	example.Start()

	// say sends a user message and waits for the bot's answers (want of
	// them); it returns the bodies of those answers.
	delivered := 0
	say := func(text string, want ...string) []string {
		t.Helper()
		body := map[string]any{"channelID": ch.ChannelID, "token": ch.Token, "userID": 7, "message": text}
		if code := testkit.Call(t, "POST", base+"/v1/messages", "", body, nil); code != 200 {
			t.Fatalf("POST /v1/messages %q = %d", text, code)
		}
		return expect(t, rcv, &delivered, text, want...)
	}

	say("hi", "Hi! I can track, cancel or reorder an order, show invoices, or get you a human.")
	// function: context saved, then said by a message block.
	say("where is my order", "What is your order number?")
	say("it's #1234", "Order 1234 is in delivery", "Anything else?")
	// function: documents saved as a list.
	say("show my invoices", "You have 2 invoices:", "Invoice #1923 | Invoice #9903", "Anything else?")
	// code: fetches the delivery time and words it.
	say("when will my order arrive", "Which order? Give me its number.")
	say("1234", "Your order 1234 arrives in about 25 minutes.", "Sorry it is late.", "Anything else?")
	// api: cancels, map reads the refund.
	say("cancel my order", "Which order should I cancel? Give me its number.")
	say("#4321", "Order #4321 is cancelled. €23.5 goes back to your card.", "Anything else?")
	// custom_action: a TipTap answer, as text on the API channel.
	say("my pizza was cold", "We are sorry! A voucher of €5 is on its way to your address.", "Anything else?")
	// wait: the callback URL is in the button; a POST resumes the flow.
	pay := say("order again", "Your last order again? Pay here and I will place it:")
	callback := callbackRE.FindString(pay[0])
	if callback == "" {
		t.Fatalf("no callback URL in the wait's message %s", pay[0])
	}
	code, answer := call(t, callback, http.Header{"Content-Type": {"application/json"}}, `{"status": "paid", "amount": 12.5, "currency": "EUR"}`)
	if code != http.StatusAccepted || answer["accepted"] != true {
		t.Fatalf("the callback = %d %v, want 202 accepted", code, answer)
	}
	expect(t, rcv, &delivered, "the callback", "Payment received (12.5 EUR). Your order is placed!", "Anything else?")
	if code, _ := call(t, callback, http.Header{"Content-Type": {"application/json"}}, `{}`); code != http.StatusGone {
		t.Errorf("a second POST to the callback = %d, want 410", code)
	}
	// handover: message, pause, event; unpause resumes at next.
	say("talk to a human", "Connecting you to a colleague...")
	hit := events.WaitFor(t, 15*time.Second, "handover.requested", func(h []testkit.Hit) bool { return len(h) > 0 })[0]
	ev := hit.JSON(t)
	data, _ := ev["data"].(map[string]any)
	conv, _ := data["conversation"].(map[string]any)
	if !hit.Verified || ev["type"] != "handover.requested" || data["block"] != "human" || conv["paused"] != true {
		t.Fatalf("the event (verified %v) %s", hit.Verified, hit.Body)
	}
	say("hello?")
	var st struct {
		Status, Block string
		Paused        bool
	}
	if code := testkit.Call(t, "POST", base+"/v1/conversations/"+conv["id"].(string)+"/unpause", walkAdmin, nil, &st); code != 200 || st.Paused || st.Block != "menu" {
		t.Fatalf("unpause = %d %+v, want the flow at menu", code, st)
	}
	expect(t, rcv, &delivered, "the unpause", "Anything else?")

	// Every call carried its step's key: <conversation>/<block>#<n>.
	prefix := conv["id"].(string) + "/"
	for path, blocks := range map[string][]string{
		"/functions":          {"lookup", "invoices"},
		"/orders/1234/eta":    {"estimate"},
		"/orders/4321/cancel": {"cancel"},
		"/bot-action":         {"complaint"},
	} {
		got := keys.of(path)
		if len(got) != len(blocks) {
			t.Errorf("%s got %d calls %q, want %d", path, len(got), got, len(blocks))
			continue
		}
		for i, key := range got {
			if !strings.HasPrefix(key, prefix+blocks[i]+"#") {
				t.Errorf("%s call %d has the Idempotency-Key %q, want %s%s#<n>", path, i+1, key, prefix, blocks[i])
			}
		}
	}
	if got := keys.of("/orders/1234/eta"); len(got) == 1 && !strings.HasSuffix(got[0], "/fetch-1") {
		t.Errorf("the script's fetch has the key %q, want one ending in /fetch-1", got[0])
	}
}

// expect waits until the receiver has the bot's next messages, checks
// their texts against want and returns their bodies; nothing more may
// have come. after says what they answer.
func expect(t *testing.T, rcv *testkit.Receiver, delivered *int, after string, want ...string) []string {
	t.Helper()
	n := *delivered + len(want)
	rcv.WaitFor(t, 15*time.Second, "the answer to "+after, func([]testkit.Hit) bool { return len(rcv.Delivered()) >= n })
	hits := rcv.Delivered()
	if len(hits) > n {
		t.Fatalf("after %q the bot sent %d messages, want %d", after, len(hits)-*delivered, len(want))
	}
	var bodies []string
	for i, h := range hits[*delivered:] {
		if !h.Verified {
			t.Errorf("after %q: message %d did not verify: %s", after, i+1, h.VerifyErr)
		}
		if text, _ := h.JSON(t)["message"].(string); text != want[i] {
			t.Errorf("after %q: message %d is %q, want %q", after, i+1, text, want[i])
		}
		bodies = append(bodies, string(h.Body))
	}
	*delivered = n
	return bodies
}
