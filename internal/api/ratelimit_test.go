package api_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/confab/confab/internal/api"
	"github.com/confab/confab/internal/ratelimit"
)

// rateClock is the limiter's clock in these tests: it moves only when
// told, and the server's goroutines read it safely.
type rateClock struct{ ns atomic.Int64 }

func (c *rateClock) now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *rateClock) advance(d time.Duration) { c.ns.Add(int64(d)) }

// rateStart is the test clock's start, on a whole second.
const rateStart = 1_800_000_000

// newLimitedEnv is newEnv's database and projects behind a server with
// rate limits on a test clock.
func newLimitedEnv(t *testing.T, plans ratelimit.Plans) (*env, *rateClock) {
	t.Helper()
	e := newEnv(t)
	c := &rateClock{}
	c.ns.Store(rateStart * int64(time.Second))
	e.api = api.New(api.Deps{
		Store:      e.store,
		Bots:       bots{"echo": true},
		Log:        slog.New(slog.NewTextHandler(io.Discard, nil)),
		Metrics:    api.NewMetrics(prometheus.NewRegistry()),
		RateLimits: ratelimit.New(plans, c.now),
	})
	srv := httptest.NewServer(e.api)
	t.Cleanup(srv.Close)
	e.url = srv.URL
	return e, c
}

func limit(n, burst int) ratelimit.Limit {
	return ratelimit.Limit{Requests: n, Per: time.Second, Burst: burst}
}

// wantRate checks an answer's x-ratelimit-* headers and Retry-After
// ("" for none).
func wantRate(t *testing.T, what string, a answer, limit, remaining int, reset int64, retryAfter string) {
	t.Helper()
	got := [4]string{a.header.Get("x-ratelimit-limit"), a.header.Get("x-ratelimit-remaining"), a.header.Get("x-ratelimit-reset"), a.header.Get("Retry-After")}
	want := [4]string{strconv.Itoa(limit), strconv.Itoa(remaining), strconv.FormatInt(reset, 10), retryAfter}
	if got != want {
		t.Errorf("%s: limit, remaining, reset, Retry-After = %q, want %q", what, got, want)
	}
}

func TestTokenLimitOnAdminRoutes(t *testing.T) {
	t.Parallel()
	// Two requests a second per token, three at once: one every 500 ms.
	e, c := newLimitedEnv(t, ratelimit.Plans{Default: ratelimit.Plan{Token: limit(2, 3)}})

	// Every answer carries the headers: x-ratelimit-reset is when the
	// bucket is full again, rounded up to the second.
	for i, want := range []struct {
		remaining int
		reset     int64
	}{{2, rateStart + 1}, {1, rateStart + 1}, {0, rateStart + 2}} {
		a := e.do(t, "GET", "/v1/channels", tokenA, nil)
		if a.status != http.StatusOK {
			t.Fatalf("request %d: %d %s", i+1, a.status, a.body)
		}
		wantRate(t, "request "+strconv.Itoa(i+1), a, 3, want.remaining, want.reset, "")
	}
	// The burst+1st request is refused for 500 ms: Retry-After says 1 s.
	a := e.do(t, "GET", "/v1/channels", tokenA, nil)
	wantProblem(t, a, http.StatusTooManyRequests, "", "too many requests with this token: the limit is 2 per 1s with bursts of 3; try again in 1 s")
	wantRate(t, "the 4th request", a, 3, 0, rateStart+2, "1")

	// Another project's token has its own bucket; an answer that is not
	// a success (404) carries the headers too.
	a = e.do(t, "GET", "/v1/channels/ch_nowhere", tokenB, nil)
	wantProblem(t, a, http.StatusNotFound, "", "not found")
	wantRate(t, "project B's first request", a, 3, 2, rateStart+1, "")

	// A request without a token is refused before any limit applies.
	a = e.do(t, "GET", "/v1/channels", "", nil)
	wantProblem(t, a, http.StatusUnauthorized, "", "missing")
	if h := a.header.Get("x-ratelimit-limit"); h != "" {
		t.Errorf("a request without a token has x-ratelimit-limit %q", h)
	}

	// 500 ms later one request is back.
	c.advance(500 * time.Millisecond)
	if a = e.do(t, "GET", "/v1/channels", tokenA, nil); a.status != http.StatusOK {
		t.Fatalf("500 ms later: %d %s", a.status, a.body)
	}
	wantRate(t, "500 ms later", a, 3, 0, rateStart+2, "")
	// A route that writes its answer's header on its own (201) has them too.
	c.advance(time.Second)
	a = e.do(t, "POST", "/v1/channels", tokenA, jsonBody(t, map[string]any{"bot": "echo", "webhookUrl": "https://hooks.example.com/x"}))
	if a.status != http.StatusCreated {
		t.Fatalf("POST /v1/channels: %d %s", a.status, a.body)
	}
	wantRate(t, "POST /v1/channels", a, 3, 1, rateStart+3, "")
}

func TestUserAndChannelLimitsOnMessages(t *testing.T) {
	t.Parallel()
	// Each end user: one message a second, two at once; the channel: 100
	// a second, six at once.
	e, c := newLimitedEnv(t, ratelimit.Plans{Default: ratelimit.Plan{Channel: limit(100, 6), User: limit(1, 2)}})
	ch := e.createChannel(t, tokenA, map[string]any{})
	msg := func(user map[string]any, text string) map[string]any {
		body := map[string]any{"channelID": ch.ChannelID, "token": ch.Token, "message": text}
		for k, v := range user {
			body[k] = v
		}
		return body
	}
	one := map[string]any{"userID": 1}

	// The user's bucket is the tighter: the headers show it.
	for i, remaining := range []int{1, 0} {
		a, s := e.send(t, msg(one, "hi "+strconv.Itoa(i)), nil)
		if a.status != http.StatusOK || !s.Success {
			t.Fatalf("message %d of user 1: %d %s", i+1, a.status, a.body)
		}
		wantRate(t, "message "+strconv.Itoa(i+1)+" of user 1", a, 2, remaining, rateStart+int64(i)+1, "")
	}
	// The third is refused, in the seed's error shape.
	a, s := e.send(t, msg(one, "flood"), nil)
	if a.status != http.StatusTooManyRequests || s.Success ||
		s.Error != "too many messages from this user on this channel: the limit is 1 per 1s with bursts of 2; try again in 1 s" {
		t.Fatalf("third message of user 1: %d %s", a.status, a.body)
	}
	if ct := a.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("the refusal's Content-Type is %q, want application/json (the seed's shape)", ct)
	}
	var raw map[string]any
	if err := json.Unmarshal(a.body, &raw); err != nil || len(raw) != 2 || raw["success"] != false {
		t.Errorf("the refusal's body %s is not {success: false, error}", a.body)
	}
	wantRate(t, "the refusal", a, 2, 0, rateStart+2, "1")
	if got := e.inbound(t, ch.ChannelID, 1); len(got) != 2 {
		t.Errorf("user 1 has %d messages stored, want 2 (the refused one is not stored)", len(got))
	}

	// Another user of the same channel still gets through: the channel
	// counted 2 of 6 (the refusal did not count), so 3 are left after it.
	a, s = e.send(t, msg(map[string]any{"userID": 2}, "hello"), nil)
	if a.status != http.StatusOK || !s.Success || s.UserID != 2 {
		t.Fatalf("user 2: %d %s", a.status, a.body)
	}
	wantRate(t, "user 2", a, 2, 1, rateStart+1, "")
	a, s = e.send(t, msg(map[string]any{"senderID": "alice"}, "hello"), nil)
	if a.status != http.StatusOK || !s.Success {
		t.Fatalf("sender alice: %d %s", a.status, a.body)
	}
	// Without userID or senderID each message is a new user: only the
	// channel counts, and now its bucket is the tighter (1 left of 6).
	a, s = e.send(t, msg(nil, "new"), nil)
	if a.status != http.StatusOK || !s.Success {
		t.Fatalf("a new user: %d %s", a.status, a.body)
	}
	wantRate(t, "a new user", a, 6, 1, rateStart+1, "")
	e.send(t, msg(nil, "new"), nil)
	a, s = e.send(t, msg(map[string]any{"userID": 3}, "hello"), nil)
	if a.status != http.StatusTooManyRequests || !strings.HasPrefix(s.Error, "too many messages on this channel: the limit is 100 per 1s with bursts of 6") {
		t.Fatalf("the channel's 7th message: %d %s", a.status, a.body)
	}
	wantRate(t, "the channel's refusal", a, 6, 0, rateStart+1, "1")

	// A second later user 1 may send again.
	c.advance(time.Second)
	if a, s = e.send(t, msg(one, "later"), nil); a.status != http.StatusOK || !s.Success {
		t.Fatalf("user 1 a second later: %d %s", a.status, a.body)
	}
	// A request that fails before its channel is known carries no headers.
	a, _ = e.send(t, map[string]any{"channelID": ch.ChannelID, "token": "wrong", "message": "x"}, nil)
	if a.status != http.StatusUnauthorized || a.header.Get("x-ratelimit-limit") != "" {
		t.Errorf("wrong token: %d, x-ratelimit-limit %q", a.status, a.header.Get("x-ratelimit-limit"))
	}
}

func TestChannelOnANamedPlan(t *testing.T) {
	t.Parallel()
	e, _ := newLimitedEnv(t, ratelimit.Plans{
		Default:  ratelimit.Plan{User: limit(1, 1)},
		Named:    map[string]ratelimit.Plan{"kiosk": {User: limit(1, 5)}},
		Channels: map[string]string{"kiosk-1": "kiosk"},
	})
	kiosk := e.createChannel(t, tokenA, map[string]any{"channelID": "kiosk-1"})
	web := e.createChannel(t, tokenA, map[string]any{"channelID": "web-1"})
	for i := range 5 {
		a, s := e.send(t, map[string]any{"channelID": kiosk.ChannelID, "token": kiosk.Token, "message": "hi", "userID": 1}, nil)
		if a.status != http.StatusOK || !s.Success {
			t.Fatalf("kiosk message %d: %d %s", i+1, a.status, a.body)
		}
	}
	body := map[string]any{"channelID": web.ChannelID, "token": web.Token, "message": "hi", "userID": 1}
	if a, _ := e.send(t, body, nil); a.status != http.StatusOK {
		t.Fatalf("web message 1: %d %s", a.status, a.body)
	}
	if a, _ := e.send(t, body, nil); a.status != http.StatusTooManyRequests {
		t.Fatalf("web message 2 (default plan: bursts of 1): %d %s", a.status, a.body)
	}
}
