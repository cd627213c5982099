package webhook

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/confab/confab/internal/store"
)

// healthLog records what the deliverer reports about an endpoint.
type healthLog struct {
	since    time.Time
	disabled string
	calls    int
}

func (h *healthLog) Endpoint(context.Context, store.Delivery) (Endpoint, error) {
	return Endpoint{}, nil
}

func (h *healthLog) SetHealth(_ context.Context, _ store.Delivery, since time.Time, disabled string) error {
	h.since, h.disabled, h.calls = since, disabled, h.calls+1
	return nil
}

func TestEndpointHealth(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name         string
		failingSince time.Time
		res          Result
		now          time.Time
		wantCalls    int
		wantSince    time.Time
		wantDisabled bool
	}{
		{"success while healthy changes nothing", time.Time{}, Result{Status: 200}, t0, 0, time.Time{}, false},
		{"first failure starts the clock", time.Time{}, Result{Status: 500, Err: "status 500"}, t0, 1, t0, false},
		{"a failure within five days changes nothing", t0, Result{Status: 500, Err: "status 500"}, t0.Add(4 * 24 * time.Hour), 0, time.Time{}, false},
		{"failing for five days disables", t0, Result{Err: "connection refused"}, t0.Add(DisableAfter), 1, t0, true},
		{"a success clears the clock", t0, Result{Status: 204}, t0.Add(time.Hour), 1, time.Time{}, false},
		{"410 disables at once", time.Time{}, Result{Status: http.StatusGone, Err: "status 410"}, t0, 1, t0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			log := &healthLog{}
			d := NewDeliverer(nil, nil, log, slog.New(slog.NewTextHandler(io.Discard, nil)), DelivererConfig{})
			d.health(context.Background(), store.Delivery{ChannelID: "ch"}, Endpoint{FailingSince: tc.failingSince}, tc.res, tc.now)
			if log.calls != tc.wantCalls {
				t.Fatalf("SetHealth called %d times, want %d", log.calls, tc.wantCalls)
			}
			if tc.wantCalls > 0 && (!log.since.Equal(tc.wantSince) || (log.disabled != "") != tc.wantDisabled) {
				t.Errorf("SetHealth(%v, %q), want since %v, disabled %v", log.since, log.disabled, tc.wantSince, tc.wantDisabled)
			}
		})
	}
}

func TestNextAttempt(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	d := NewDeliverer(nil, nil, nil, nil, DelivererConfig{Schedule: []time.Duration{time.Second, time.Minute}, Jitter: -1})
	for _, tc := range []struct {
		name     string
		attempts int
		res      Result
		want     store.DeliveryUpdate
	}{
		{"2xx delivers", 0, Result{Status: 200}, store.DeliveryUpdate{Status: store.DeliveryDelivered, NextAt: now}},
		{"a failure retries on the schedule", 0, Result{Status: 500, Err: "x"}, store.DeliveryUpdate{Status: store.DeliveryPending, NextAt: now.Add(time.Second)}},
		{"Retry-After is honoured up to the schedule's longest wait", 0, Result{Status: 503, Err: "x", RetryAfter: time.Hour}, store.DeliveryUpdate{Status: store.DeliveryPending, NextAt: now.Add(time.Minute)}},
		{"a 3xx is a failure", 1, Result{Status: 302, Err: "redirect"}, store.DeliveryUpdate{Status: store.DeliveryPending, NextAt: now.Add(time.Minute)}},
		{"after the last retry, dead", 2, Result{Status: 500, Err: "x"}, store.DeliveryUpdate{Status: store.DeliveryDead, NextAt: now}},
		{"410 is dead at once", 0, Result{Status: 410, Err: "gone"}, store.DeliveryUpdate{Status: store.DeliveryDead, NextAt: now}},
	} {
		if got := d.next(store.Delivery{Attempts: tc.attempts}, tc.res, now); got != tc.want {
			t.Errorf("%s: next = %+v, want %+v", tc.name, got, tc.want)
		}
	}
}
