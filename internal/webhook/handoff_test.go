package webhook_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/confab/confab/internal/store"
	"github.com/confab/confab/internal/store/sqlite"
	"github.com/confab/confab/internal/webhook"
)

// endpoints signs with one secret and keeps no health.
type endpoints struct{ signer *webhook.Signer }

func (e endpoints) Endpoint(context.Context, store.Delivery) (webhook.Endpoint, error) {
	return webhook.Endpoint{Signer: e.signer}, nil
}

func (endpoints) SetHealth(context.Context, store.Delivery, time.Time, string) error { return nil }

// receiver records the bodies it is sent, in arrival order; answer decides
// each answer from the body (it may block).
type receiver struct {
	mu     sync.Mutex
	got    []string
	answer func(body string) int
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	status := rc.answer(string(b))
	rc.mu.Lock()
	rc.got = append(rc.got, string(b)+" "+strconv.Itoa(status))
	rc.mu.Unlock()
	w.WriteHeader(status)
}

func (rc *receiver) bodies() []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]string(nil), rc.got...)
}

// handoffRig is a SQLite store with one conversation, a receiver and a
// deliverer with short leases and retries.
type handoffRig struct {
	s    store.Store
	d    *webhook.Deliverer
	rc   *receiver
	url  string
	conv string
	n    int
}

func newHandoffRig(t *testing.T, answer func(string) int) *handoffRig {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "confab.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if err := db.CreateProject(ctx, store.Project{ID: "prj_1", Name: "test", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	rc := &receiver{answer: answer}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	secret, err := webhook.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	ch := store.Channel{ID: "chn_1", ProjectID: "prj_1", Bot: "echo", TokenHash: []byte("h"), WebhookURL: srv.URL,
		WebhookSecret: secret.String(), CreatedAt: now, UpdatedAt: now}
	if err := db.CreateChannel(ctx, ch); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	d := webhook.NewDeliverer(db, srv.Client(), endpoints{webhook.NewSigner(secret)}, log, webhook.DelivererConfig{
		Schedule: []time.Duration{20 * time.Millisecond, 20 * time.Millisecond, 20 * time.Millisecond}, Jitter: -1,
		Lease: 300 * time.Millisecond, Poll: 20 * time.Millisecond,
	})
	acc, err := db.Accept(ctx, store.Inbound{ProjectID: "prj_1", ChannelID: ch.ID, Bot: "echo", SenderID: "u", Text: "hi", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return &handoffRig{s: db, d: d, rc: rc, url: srv.URL, conv: acc.ConversationID}
}

// turn commits a turn that sends bodies, with its deliveries created leased
// to the deliverer when the store allows it, and returns them.
func (r *handoffRig) turn(t *testing.T, bodies ...string) []store.Delivery {
	t.Helper()
	ctx := context.Background()
	now := time.Now()
	if r.n > 0 {
		if _, err := r.s.Accept(ctx, store.Inbound{ProjectID: "prj_1", ChannelID: "chn_1", Bot: "echo", SenderID: "u", Text: "more", Now: now}); err != nil {
			t.Fatal(err)
		}
	}
	r.n++
	turns, err := r.s.ClaimTurns(ctx, store.Lease{Owner: "w", Now: now, Until: now.Add(time.Minute)}, 10)
	if err != nil || len(turns) != 1 {
		t.Fatalf("ClaimTurns = %v, %v", turns, err)
	}
	var out []store.Outgoing
	for _, b := range bodies {
		out = append(out, store.Outgoing{Text: b, Delivery: &store.Delivery{ID: webhook.NewMessageID(now), URL: r.url, Body: []byte(b)}})
	}
	tm := turns[0].Messages
	if _, err := r.s.CompleteTurn(ctx, store.TurnResult{ConversationID: r.conv, Owner: "w", HandledSeq: tm[len(tm)-1].Seq,
		Outgoing: out, Now: now, DeliveryLease: r.d.Lease(now)}); err != nil {
		t.Fatal(err)
	}
	var ds []store.Delivery
	for _, o := range out {
		if o.Delivery.LeasedUntil.IsZero() {
			t.Fatalf("delivery %s was not created leased", o.Delivery.Body)
		}
		ds = append(ds, *o.Delivery)
	}
	return ds
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !ok(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// A turn's deliveries handed over while the conversation's earlier ones
// are still being sent go out after them, in order, without a claim.
func TestDeliverAppendsToTheRunningChain(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	r := newHandoffRig(t, func(body string) int {
		if body == "a1" {
			<-release
		}
		return http.StatusOK
	})
	r.d.Deliver(r.turn(t, "a1", "a2"))
	// a1 is in flight and pending: the next turn's deliveries are leased to
	// the same deliverer, which sends them after a1 and a2.
	second := r.turn(t, "b1")
	r.d.Deliver(second)
	close(release)
	waitFor(t, "three deliveries", func() bool { return len(r.rc.bodies()) == 3 })
	got := r.rc.bodies()
	if got[0] != "a1 200" || got[1] != "a2 200" || got[2] != "b1 200" {
		t.Errorf("arrival order %q, want a1, a2, b1", got)
	}
	ds, err := r.s.ListDeliveries(context.Background(), "prj_1", "chn_1", 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if d.Status != store.DeliveryDelivered || d.Attempts != 1 {
			t.Errorf("delivery %s: status %s after %d attempts, want delivered after 1", d.Body, d.Status, d.Attempts)
		}
	}
}

// A delivery that fails stops its chain: the rest, and what the
// conversation hands over meanwhile, wait for its retry, in order.
func TestDeliverStopsAtAFailureAndKeepsOrder(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	failed := false
	r := newHandoffRig(t, func(body string) int {
		mu.Lock()
		defer mu.Unlock()
		if body == "a1" && !failed {
			failed = true
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.d.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	r.d.Deliver(r.turn(t, "a1", "a2"))
	waitFor(t, "the failed attempt", func() bool { return len(r.rc.bodies()) >= 1 })
	// a1 waits for its retry, not held by anyone: the next turn's
	// delivery is not leased, it queues behind a1.
	ctx2 := context.Background()
	now := time.Now()
	if _, err := r.s.Accept(ctx2, store.Inbound{ProjectID: "prj_1", ChannelID: "chn_1", Bot: "echo", SenderID: "u", Text: "more", Now: now}); err != nil {
		t.Fatal(err)
	}
	turns, err := r.s.ClaimTurns(ctx2, store.Lease{Owner: "w", Now: now, Until: now.Add(time.Minute)}, 10)
	if err != nil || len(turns) != 1 {
		t.Fatalf("ClaimTurns = %v, %v", turns, err)
	}
	b1 := &store.Delivery{ID: webhook.NewMessageID(now), URL: r.url, Body: []byte("b1")}
	tm := turns[0].Messages
	if _, err := r.s.CompleteTurn(ctx2, store.TurnResult{ConversationID: r.conv, Owner: "w", HandledSeq: tm[len(tm)-1].Seq,
		Outgoing: []store.Outgoing{{Text: "b1", Delivery: b1}}, Now: now, DeliveryLease: r.d.Lease(now)}); err != nil {
		t.Fatal(err)
	}
	// b1 is leased when the retry of a1 holds it already; either way it
	// goes out after a1 and a2.
	if b1.LeasedUntil.IsZero() {
		r.d.Queued(r.conv)
	} else {
		r.d.Deliver([]store.Delivery{*b1})
	}
	waitFor(t, "every delivery", func() bool { return len(r.rc.bodies()) == 4 })
	got := r.rc.bodies()
	want := []string{"a1 503", "a1 200", "a2 200", "b1 200"}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("arrivals %q, want %q", got, want)
		}
	}
}
