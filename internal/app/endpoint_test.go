package app

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/confab/confab/internal/config"

	"github.com/confab/confab/internal/testkit"
)

// TestGoneDisablesTheWebhook checks that a 410 answer disables the
// channel's webhook: later replies are dead-lettered without a request,
// the channel shows why, and enabling it again resumes deliveries.
func TestGoneDisablesTheWebhook(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	rcv := testkit.NewReceiver(t)
	var mu sync.Mutex
	gone := true
	rcv.Answer = func(string, int) int {
		mu.Lock()
		defer mu.Unlock()
		if gone {
			return http.StatusGone
		}
		return http.StatusOK
	}
	ch := s.createChannel(t, rcv, "echo")
	s.send(t, ch, map[string]any{"message": "hi", "userID": 1})
	rcv.WaitFor(t, 10*time.Second, "the first attempt", func(h []testkit.Hit) bool { return len(h) >= 1 })

	var got struct {
		WebhookDisabled string `json:"webhookDisabled"`
		FailingSince    string `json:"failingSince"`
	}
	deadline := time.Now().Add(10 * time.Second)
	for got.WebhookDisabled == "" && time.Now().Before(deadline) {
		testkit.Call(t, "GET", s.url+"/v1/channels/"+ch.ChannelID, adminToken, nil, &got)
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(got.WebhookDisabled, "410 Gone") || got.FailingSince == "" {
		t.Fatalf("channel after a 410: %+v", got)
	}
	// A later reply is dead-lettered without a request.
	s.send(t, ch, map[string]any{"message": "again", "userID": 1})
	var list struct {
		Deliveries []struct{ ID, Status, LastError string } `json:"deliveries"`
	}
	deadline = time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		testkit.Call(t, "GET", s.url+"/v1/channels/"+ch.ChannelID+"/deliveries", adminToken, nil, &list)
		if len(list.Deliveries) == 2 && list.Deliveries[0].Status == "dead" && list.Deliveries[1].Status == "dead" {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(list.Deliveries) != 2 || !strings.Contains(list.Deliveries[0].LastError, "the endpoint is disabled") {
		t.Fatalf("deliveries after the webhook was disabled: %+v", list)
	}
	if n := len(rcv.Hits()); n != 1 {
		t.Errorf("a disabled webhook got %d requests, want only the first", n)
	}
	// Enabling it again and replaying delivers.
	mu.Lock()
	gone = false
	mu.Unlock()
	var enabled map[string]any
	if code := testkit.Call(t, "PATCH", s.url+"/v1/channels/"+ch.ChannelID, adminToken, map[string]any{"enableWebhook": true}, &enabled); code != 200 || enabled["webhookDisabled"] != nil || enabled["failingSince"] != nil {
		t.Fatalf("PATCH enableWebhook = %d %v", code, enabled)
	}
	if code := testkit.Call(t, "POST", s.url+"/v1/deliveries/"+list.Deliveries[0].ID+"/replay", adminToken, nil, nil); code != 202 {
		t.Fatalf("replay = %d", code)
	}
	rcv.WaitFor(t, 10*time.Second, "the replayed delivery", func([]testkit.Hit) bool { return len(rcv.Delivered()) == 1 })
}

// TestSecretRotationSignsWithBothKeys checks that after a rotation the
// webhooks carry a signature by the new secret and one by the old, so a
// receiver still on the old secret keeps verifying.
func TestSecretRotationSignsWithBothKeys(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	rcv := testkit.NewReceiver(t)
	ch := s.createChannel(t, rcv, "echo")
	var rotated channel
	if code := testkit.Call(t, "PATCH", s.url+"/v1/channels/"+ch.ChannelID, adminToken, map[string]any{"rotateSecret": true}, &rotated); code != 200 ||
		!strings.HasPrefix(rotated.WebhookSecret, "whsec_") || rotated.WebhookSecret == ch.WebhookSecret {
		t.Fatalf("rotate = %d %+v", code, rotated)
	}
	rcv.SetSecret(rotated.WebhookSecret)
	var raw struct {
		header http.Header
		body   []byte
	}
	var mu sync.Mutex
	srv := rcv.Config.Handler
	rcv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		raw.header = r.Header.Clone()
		mu.Unlock()
		srv.ServeHTTP(w, r)
	})
	s.send(t, ch, map[string]any{"message": "hi"})
	hits := rcv.WaitFor(t, 10*time.Second, "the reply", func(h []testkit.Hit) bool { return len(h) >= 1 })
	if !hits[0].Verified {
		t.Fatalf("the new secret does not verify: %s", hits[0].VerifyErr)
	}
	mu.Lock()
	h := raw.header
	mu.Unlock()
	if n := len(strings.Fields(h.Get("webhook-signature"))); n != 2 {
		t.Fatalf("webhook-signature holds %d signatures, want 2 (new and old secret): %q", n, h.Get("webhook-signature"))
	}
	old, err := standardwebhooks.NewWebhook(ch.WebhookSecret)
	if err != nil {
		t.Fatal(err)
	}
	if err := old.Verify(hits[0].Body, h); err != nil {
		t.Errorf("the old secret no longer verifies during the overlap: %v", err)
	}
}

// TestRetriesFollowTheChannelsNewURL checks that after the webhookUrl is
// fixed, the pending retries and the replays go to the new URL.
func TestRetriesFollowTheChannelsNewURL(t *testing.T) {
	t.Parallel()
	s := startServer(t, func(c *config.Config) {
		c.RetrySchedule = []time.Duration{50 * time.Millisecond, 100 * time.Millisecond}
	})
	broken := testkit.NewReceiver(t)
	broken.Answer = func(string, int) int { return http.StatusNotFound }
	ch := s.createChannel(t, broken, "echo")
	s.send(t, ch, map[string]any{"message": "hi"})
	var list struct {
		Deliveries []struct{ ID, Status string } `json:"deliveries"`
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		testkit.Call(t, "GET", s.url+"/v1/channels/"+ch.ChannelID+"/deliveries", adminToken, nil, &list)
		if len(list.Deliveries) == 1 && list.Deliveries[0].Status == "dead" {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(list.Deliveries) != 1 || list.Deliveries[0].Status != "dead" {
		t.Fatalf("deliveries to the broken URL: %+v", list)
	}
	fixed := testkit.NewReceiver(t)
	fixed.SetSecret(ch.WebhookSecret)
	if code := testkit.Call(t, "PATCH", s.url+"/v1/channels/"+ch.ChannelID, adminToken, map[string]any{"webhookUrl": fixed.URL}, nil); code != 200 {
		t.Fatalf("PATCH webhookUrl = %d", code)
	}
	if code := testkit.Call(t, "POST", s.url+"/v1/deliveries/"+list.Deliveries[0].ID+"/replay", adminToken, nil, nil); code != 202 {
		t.Fatalf("replay = %d", code)
	}
	hits := fixed.WaitFor(t, 10*time.Second, "the replay at the new URL", func(h []testkit.Hit) bool { return len(h) >= 1 })
	if hits[0].ID != list.Deliveries[0].ID || !hits[0].Verified {
		t.Errorf("the replay at the new URL: id %s (want %s), verified %v", hits[0].ID, list.Deliveries[0].ID, hits[0].Verified)
	}
}
