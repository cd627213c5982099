// Package testkit holds what end-to-end tests share: a scriptable webhook
// receiver that checks signatures with the Standard Webhooks library (an
// implementation that is not ours), and helpers to call a server.
package testkit

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// Hit is one request the receiver got.
type Hit struct {
	ID        string // webhook-id
	Body      []byte
	Verified  bool // the signature checked out with the channel's secret
	VerifyErr string
	Status    int // what the receiver answered
	At        time.Time
}

// JSON decodes the hit's body.
func (h Hit) JSON(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(h.Body, &m); err != nil {
		t.Fatalf("webhook body %q: %v", h.Body, err)
	}
	return m
}

// Receiver is a webhook endpoint on 127.0.0.1.
type Receiver struct {
	*httptest.Server
	mu     sync.Mutex
	secret string
	hits   []Hit
	// Answer decides the status of each request (default 200); it sees the
	// webhook-id and how many times that id came before.
	Answer func(id string, seen int) int
	notify chan struct{}
}

// NewReceiver starts a receiver; it stops with the test.
func NewReceiver(t testing.TB) *Receiver {
	r := &Receiver{notify: make(chan struct{}, 1)}
	r.Server = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.Close)
	return r
}

// SetSecret sets the whsec_ secret that signatures are checked with.
func (r *Receiver) SetSecret(s string) {
	r.mu.Lock()
	r.secret = s
	r.mu.Unlock()
}

func (r *Receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	id := req.Header.Get("webhook-id")
	r.mu.Lock()
	seen := 0
	for _, h := range r.hits {
		if h.ID == id {
			seen++
		}
	}
	hit := Hit{ID: id, Body: body, At: time.Now(), Status: http.StatusOK}
	if r.secret != "" {
		wh, err := standardwebhooks.NewWebhook(r.secret)
		if err == nil {
			err = wh.Verify(body, req.Header)
		}
		hit.Verified = err == nil
		if err != nil {
			hit.VerifyErr = err.Error()
		}
	}
	if r.Answer != nil {
		hit.Status = r.Answer(id, seen)
	}
	r.hits = append(r.hits, hit)
	r.mu.Unlock()
	select {
	case r.notify <- struct{}{}:
	default:
	}
	w.WriteHeader(hit.Status)
}

// Hits returns the requests so far.
func (r *Receiver) Hits() []Hit {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Hit(nil), r.hits...)
}

// Delivered returns the requests answered 2xx, one per webhook-id (the
// first success), in arrival order.
func (r *Receiver) Delivered() []Hit {
	seen := map[string]bool{}
	var out []Hit
	for _, h := range r.Hits() {
		if h.Status >= 200 && h.Status < 300 && !seen[h.ID] {
			seen[h.ID] = true
			out = append(out, h)
		}
	}
	return out
}

// WaitFor waits until cond holds over the hits, or fails the test after
// timeout.
func (r *Receiver) WaitFor(t testing.TB, timeout time.Duration, what string, cond func(hits []Hit) bool) []Hit {
	t.Helper()
	deadline := time.After(timeout)
	for {
		hits := r.Hits()
		if cond(hits) {
			return hits
		}
		select {
		case <-r.notify:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			t.Fatalf("timed out waiting for %s; %d requests came", what, len(hits))
		}
	}
}
