package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/confab/confab/internal/config"
	"github.com/confab/confab/internal/ratelimit"
	"github.com/confab/confab/internal/testkit"
)

const adminToken = "test-admin-token-0123456789abcdef0123456789"

// server is a confab serve running in the test process.
type server struct {
	url  string
	stop context.CancelFunc
	done chan error
	// cfg is the configuration it runs with.
	cfg      config.Config
	stopOnce sync.Once
}

// startServer runs Serve on 127.0.0.1 with the test bots, a fresh SQLite
// file (or the PostgreSQL of CONFAB_TEST_DATABASE_URL, in a fresh schema),
// outbound calls allowed to 127.0.0.1 and a fast retry schedule.
func startServer(t *testing.T, tune func(*config.Config)) *server {
	t.Helper()
	return runServer(t, testConfig(t, tune))
}

// testConfig is startServer's configuration, changed by tune (may be
// nil).
func testConfig(t *testing.T, tune func(*config.Config)) config.Config {
	t.Helper()
	cfg := config.Default()
	cfg.Addr = "127.0.0.1:0"
	cfg.DataDir = t.TempDir()
	cfg.BotsDir = "testdata/bots"
	cfg.AdminToken = adminToken
	cfg.AllowNet = []string{"127.0.0.1/32"}
	cfg.RetrySchedule = []time.Duration{20 * time.Millisecond, 40 * time.Millisecond}
	cfg.DatabaseURL = testDatabase(t)
	// These tests send and poll faster than the default limits allow;
	// the limits have their own tests (internal/api, internal/ratelimit).
	cfg.RateLimits = ratelimit.Plans{}
	if tune != nil {
		tune(&cfg)
	}
	return cfg
}

// runServer runs Serve with cfg until shutdown, or the end of the test.
func runServer(t *testing.T, cfg config.Config) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	s := &server{stop: cancel, done: make(chan error, 1), cfg: cfg}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	go func() { s.done <- Serve(ctx, cfg, log, io.Discard, func(addr string) { ready <- addr }) }()
	select {
	case addr := <-ready:
		s.url = "http://" + addr
	case err := <-s.done:
		t.Fatalf("the server did not start: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("the server did not start in 20s")
	}
	t.Cleanup(func() { s.shutdown(t) })
	return s
}

// shutdown stops the server (as SIGTERM does), waits for it and returns
// what Serve returned; only the first call does, later ones return nil.
func (s *server) shutdown(t *testing.T) (err error) {
	s.stopOnce.Do(func() {
		s.stop()
		select {
		case err = <-s.done:
		case <-time.After(30 * time.Second):
			t.Error("the server did not stop in 30s")
		}
	})
	return err
}

type channel struct {
	ChannelID     string   `json:"channelID"`
	Token         string   `json:"token"`
	WebhookURL    string   `json:"webhookUrl"`
	WebhookSecret string   `json:"webhookSecret"`
	Bot           string   `json:"bot"`
	Keywords      []string `json:"keywords"`
}

func (s *server) createChannel(t *testing.T, rcv *testkit.Receiver, bot string) channel {
	t.Helper()
	var ch channel
	if code := testkit.Call(t, "POST", s.url+"/v1/channels", adminToken, map[string]any{"bot": bot, "webhookUrl": rcv.URL, "keywords": []string{"#start"}}, &ch); code != 201 {
		t.Fatalf("POST /v1/channels = %d", code)
	}
	rcv.SetSecret(ch.WebhookSecret)
	return ch
}

type sent struct {
	ChannelID string `json:"channelID"`
	Message   string `json:"message"`
	UserID    int64  `json:"userID"`
	Success   bool   `json:"success"`
	Error     string `json:"error"`
}

func (s *server) send(t *testing.T, ch channel, body map[string]any) (int, sent) {
	t.Helper()
	body["channelID"] = ch.ChannelID
	if _, ok := body["token"]; !ok {
		body["token"] = ch.Token
	}
	var out sent
	code := testkit.Call(t, "POST", s.url+"/v1/messages", "", body, &out)
	return code, out
}

func TestSendAndReceiveSignedReplies(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	rcv := testkit.NewReceiver(t)
	ch := s.createChannel(t, rcv, "echo")
	if !strings.HasPrefix(ch.WebhookSecret, "whsec_") || ch.Token == "" || ch.ChannelID == "" {
		t.Fatalf("channel %+v", ch)
	}
	before := time.Now().UnixMilli()
	code, got := s.send(t, ch, map[string]any{"message": "hello"})
	if code != 200 || !got.Success || got.UserID != 1 || got.Message != "hello" || got.ChannelID != ch.ChannelID {
		t.Fatalf("send = %d %+v", code, got)
	}
	hits := rcv.WaitFor(t, 10*time.Second, "the first reply", func(h []testkit.Hit) bool { return len(h) >= 1 })
	h := hits[0]
	if !h.Verified {
		t.Fatalf("the signature did not verify with the Standard Webhooks library: %s", h.VerifyErr)
	}
	m := h.JSON(t)
	if m["channelID"] != ch.ChannelID || m["message"] != "ready" || m["userID"] != float64(1) {
		t.Errorf("webhook body %s", h.Body)
	}
	if ts, _ := m["timestamp"].(float64); int64(ts) < before || int64(ts) > time.Now().UnixMilli() {
		t.Errorf("timestamp %v is not the send time in ms", m["timestamp"])
	}
	if qr := fmt.Sprint(m["quickReplies"]); qr != "[one two]" {
		t.Errorf("quickReplies %s", qr)
	}
	if !strings.HasPrefix(h.ID, "msg_") {
		t.Errorf("webhook-id %q", h.ID)
	}
	// The same user goes on in the same conversation.
	s.send(t, ch, map[string]any{"message": "again", "userID": 1})
	rcv.WaitFor(t, 10*time.Second, "the echo", func(h []testkit.Hit) bool { return len(h) >= 2 })
	if m := rcv.Hits()[1].JSON(t); m["message"] != "echo again" {
		t.Errorf("second reply %v", m["message"])
	}
}

func TestSendErrors(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	rcv := testkit.NewReceiver(t)
	ch := s.createChannel(t, rcv, "echo")
	for _, tc := range []struct {
		name string
		body map[string]any
		code int
		err  string
	}{
		{"wrong token", map[string]any{"message": "hi", "token": "nope"}, 401, "wrong channelID or token"},
		{"no message", map[string]any{}, 400, "/message: message is required"},
		{"userID not a number", map[string]any{"message": "hi", "userID": "x"}, 400, "/userID"},
		{"unknown field", map[string]any{"message": "hi", "colour": "red"}, 400, `/colour: unknown field`},
		{"userID a string", map[string]any{"message": "hi", "userID": "7"}, 400, "/userID: must be a number, not string"},
		{"bad attachment", map[string]any{"message": "hi", "attachments": []any{map[string]any{"base64": "xyz"}}}, 400, "/attachments/0: base64 must be a data URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, got := s.send(t, ch, tc.body)
			if code != tc.code || got.Success || !strings.Contains(got.Error, tc.err) {
				t.Errorf("= %d %+v, want %d and an error with %q", code, got, tc.code, tc.err)
			}
		})
	}
}

// TestOrderPerConversationUnderConcurrency sends messages from many users
// at once, each user's one after another, and checks each user's replies
// arrive in the order sent.
func TestOrderPerConversationUnderConcurrency(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	rcv := testkit.NewReceiver(t)
	ch := s.createChannel(t, rcv, "echo")
	const users, each = 20, 8
	var wg sync.WaitGroup
	for u := 1; u <= users; u++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if code, got := s.send(t, ch, map[string]any{"message": fmt.Sprintf("u%d-m%d", u, i), "userID": u}); code != 200 {
					t.Errorf("send = %d %+v", code, got)
				}
			}
		}()
	}
	wg.Wait()
	hits := rcv.WaitFor(t, 30*time.Second, "every reply", func(h []testkit.Hit) bool { return len(h) >= users*each })
	byUser := map[float64][]string{}
	for _, h := range hits {
		if !h.Verified {
			t.Fatalf("unverified webhook: %s", h.VerifyErr)
		}
		m := h.JSON(t)
		byUser[m["userID"].(float64)] = append(byUser[m["userID"].(float64)], m["message"].(string))
	}
	for u := 1; u <= users; u++ {
		got := byUser[float64(u)]
		want := []string{"ready"}
		for i := 1; i < each; i++ {
			want = append(want, fmt.Sprintf("echo u%d-m%d", u, i))
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("user %d got %v, want %v", u, got, want)
		}
	}
}

func TestRetriesKeepTheWebhookIDAndTheLogShowsThem(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	rcv := testkit.NewReceiver(t)
	rcv.Answer = func(_ string, seen int) int {
		if seen < 2 {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	}
	ch := s.createChannel(t, rcv, "echo")
	s.send(t, ch, map[string]any{"message": "hi"})
	hits := rcv.WaitFor(t, 10*time.Second, "three attempts", func(h []testkit.Hit) bool { return len(h) >= 3 })
	if hits[0].ID != hits[1].ID || hits[1].ID != hits[2].ID || string(hits[0].Body) != string(hits[2].Body) {
		t.Errorf("attempts differ: %q %q %q", hits[0].ID, hits[1].ID, hits[2].ID)
	}
	var list struct {
		Deliveries []struct {
			ID       string `json:"id"`
			Status   string `json:"status"`
			Attempts int    `json:"attempts"`
			History  []struct {
				Status int    `json:"status"`
				Error  string `json:"error"`
			} `json:"history"`
		} `json:"deliveries"`
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		testkit.Call(t, "GET", s.url+"/v1/channels/"+ch.ChannelID+"/deliveries", adminToken, nil, &list)
		if len(list.Deliveries) == 1 && list.Deliveries[0].Status == "delivered" || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	d := list.Deliveries[0]
	if d.ID != hits[0].ID || d.Status != "delivered" || d.Attempts != 3 || len(d.History) != 3 ||
		d.History[0].Status != 503 || d.History[0].Error != "status 503" || d.History[2].Status != 200 {
		t.Errorf("delivery log %+v", d)
	}
}

func TestDeadLetterAndReplay(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	rcv := testkit.NewReceiver(t)
	fail := true
	var mu sync.Mutex
	rcv.Answer = func(string, int) int {
		mu.Lock()
		defer mu.Unlock()
		if fail {
			return http.StatusFound // a redirect is a failure and is not followed
		}
		return http.StatusNoContent
	}
	ch := s.createChannel(t, rcv, "echo")
	s.send(t, ch, map[string]any{"message": "hi"})
	type listed struct {
		Deliveries []struct {
			ID, Status, LastError string
		} `json:"deliveries"`
	}
	var list listed
	waitStatus := func(status string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			testkit.Call(t, "GET", s.url+"/v1/channels/"+ch.ChannelID+"/deliveries", adminToken, nil, &list)
			if len(list.Deliveries) == 1 && list.Deliveries[0].Status == status {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("delivery never became %s: %+v", status, list)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitStatus("dead")
	if n := len(rcv.Hits()); n != 3 {
		t.Errorf("%d attempts, want 3 (the first and two retries)", n)
	}
	if e := list.Deliveries[0].LastError; !strings.Contains(e, "redirect 302 not followed") {
		t.Errorf("last error %q", e)
	}
	mu.Lock()
	fail = false
	mu.Unlock()
	var replay map[string]string
	if code := testkit.Call(t, "POST", s.url+"/v1/deliveries/"+list.Deliveries[0].ID+"/replay", adminToken, nil, &replay); code != 202 {
		t.Fatalf("replay = %d %v", code, replay)
	}
	waitStatus("delivered")
	if code := testkit.Call(t, "POST", s.url+"/v1/deliveries/"+list.Deliveries[0].ID+"/replay", adminToken, nil, nil); code != 409 {
		t.Errorf("replaying a delivered delivery = %d, want 409", code)
	}
}

func TestChannelsAPI(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	rcv := testkit.NewReceiver(t)
	ch := s.createChannel(t, rcv, "echo")
	var got channel
	if code := testkit.Call(t, "GET", s.url+"/v1/channels/"+ch.ChannelID, adminToken, nil, &got); code != 200 || got.Token != "" || got.WebhookSecret != "" || got.Bot != "echo" {
		t.Errorf("GET = %d %+v (token and secret must not be shown again)", code, got)
	}
	if code := testkit.Call(t, "GET", s.url+"/v1/channels/"+ch.ChannelID, "wrong-token", nil, nil); code != 401 {
		t.Errorf("wrong admin token = %d", code)
	}
	var test map[string]any
	if code := testkit.Call(t, "POST", s.url+"/v1/channels/"+ch.ChannelID+"/test-webhook", adminToken, nil, &test); code != 200 || test["reachable"] != true || test["status"] != float64(200) {
		t.Errorf("test-webhook = %d %v", code, test)
	}
	if h := rcv.Hits(); len(h) != 1 || !h[0].Verified {
		t.Errorf("the sample was not delivered signed: %+v", h)
	}
	var patched channel
	if code := testkit.Call(t, "PATCH", s.url+"/v1/channels/"+ch.ChannelID, adminToken, map[string]any{"rotateToken": true, "keywords": []string{"#go"}}, &patched); code != 200 || patched.Token == "" || patched.Token == ch.Token || patched.Keywords[0] != "#go" {
		t.Errorf("PATCH = %d %+v", code, patched)
	}
	if code, _ := s.send(t, ch, map[string]any{"message": "hi"}); code != 401 {
		t.Errorf("the old token still works after rotation: %d", code)
	}
	if code := testkit.Call(t, "POST", s.url+"/v1/channels", adminToken, map[string]any{"bot": "nobot", "webhookUrl": rcv.URL}, nil); code != 400 {
		t.Errorf("unknown bot = %d", code)
	}
	if code := testkit.Call(t, "DELETE", s.url+"/v1/channels/"+ch.ChannelID, adminToken, nil, nil); code != 204 {
		t.Errorf("DELETE = %d", code)
	}
	if code := testkit.Call(t, "GET", s.url+"/v1/channels/"+ch.ChannelID, adminToken, nil, nil); code != 404 {
		t.Errorf("GET after DELETE = %d", code)
	}
}

func TestHealthReadyMetricsAndShutdown(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	for _, path := range []string{"/healthz", "/readyz"} {
		if code := testkit.Call(t, "GET", s.url+path, "", nil, nil); code != 200 {
			t.Errorf("%s = %d", path, code)
		}
	}
	resp, err := http.Get(s.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "confab_http_requests_total") {
		t.Errorf("metrics lack confab_http_requests_total")
	}
	s.stop()
	select {
	case err := <-s.done:
		if err != nil {
			t.Errorf("Serve returned %v after the stop signal, want nil", err)
		}
		s.done <- nil
	case <-time.After(30 * time.Second):
		t.Fatal("the server did not stop")
	}
}
