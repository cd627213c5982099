package app

import (
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/confab/confab/internal/config"
	"github.com/confab/confab/internal/testkit"
)

// The wait and handover blocks on the server, end to end: a real `confab
// serve` in the process (SQLite, or PostgreSQL with
// CONFAB_TEST_DATABASE_URL), the bot testdata/bots/waiter.yaml, and
// httptest receivers for the channel's webhook and the event webhook.

// callbackURLRE finds a callback URL in a bot message.
var callbackURLRE = regexp.MustCompile(`\S+/v1/callbacks/\S+`)

// texts returns the texts of the messages delivered to rcv, in order.
func texts(t *testing.T, rcv *testkit.Receiver) []string {
	t.Helper()
	var out []string
	for _, h := range rcv.Delivered() {
		m, _ := h.JSON(t)["message"].(string)
		out = append(out, m)
	}
	return out
}

// waitForText waits until the n-th message (from 1) delivered to rcv has
// come, and returns it.
func waitForText(t *testing.T, rcv *testkit.Receiver, n int, what string) string {
	t.Helper()
	rcv.WaitFor(t, 15*time.Second, what, func([]testkit.Hit) bool { return len(rcv.Delivered()) >= n })
	return texts(t, rcv)[n-1]
}

// callbackOf returns the callback URL in a bot message.
func callbackOf(t *testing.T, text string) string {
	t.Helper()
	u := callbackURLRE.FindString(text)
	if u == "" {
		t.Fatalf("no callback URL in %q", text)
	}
	return u
}

// post POSTs body with a Content-Type and returns the status and the
// answer.
func post(t *testing.T, url, contentType, body string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Post(url, contentType, strings.NewReader(body))
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatalf("POST %s answered %d %q: %v", url, resp.StatusCode, data, err)
	}
	if want := "application/json"; resp.StatusCode >= 400 {
		want = "application/problem+json"
		if got := resp.Header.Get("Content-Type"); got != want {
			t.Errorf("POST %s answered %d with Content-Type %q, want %q", url, resp.StatusCode, got, want)
		}
	}
	return resp.StatusCode, out
}

// wantProblem checks an error answer: its status, and that its detail
// holds text.
func wantProblem(t *testing.T, what string, code int, body map[string]any, status int, text string) {
	t.Helper()
	detail, _ := body["detail"].(string)
	if code != status || !strings.Contains(detail, text) {
		t.Errorf("%s = %d %v; want %d with %q", what, code, body, status, text)
	}
}

func TestWaitCallbackResumesTheFlow(t *testing.T) {
	t.Parallel()
	s := startServer(t, func(c *config.Config) { c.PublicURL = "https://bots.example.com/confab/" })
	rcv := testkit.NewReceiver(t)
	ch := s.createChannel(t, rcv, "waiter")
	_, u := s.send(t, ch, map[string]any{"message": "hi"})
	waitForText(t, rcv, 1, "the greeting")
	s.send(t, ch, map[string]any{"message": "pay", "userID": u.UserID})
	url := callbackOf(t, waitForText(t, rcv, 2, "the wait's message"))

	// The URL is on the public URL; the server serves its path.
	const public = "https://bots.example.com/confab/v1/callbacks/"
	if !strings.HasPrefix(url, public) {
		t.Fatalf("the callback URL %s is not on the public URL", url)
	}
	token := strings.TrimPrefix(url, public)
	at := s.url + "/v1/callbacks/" + token

	// Forged, not JSON, or bad JSON: refused, and the wait goes on.
	forged := token[:len(token)-1] + map[bool]string{true: "B", false: "A"}[strings.HasSuffix(token, "A")]
	code, body := post(t, s.url+"/v1/callbacks/"+forged, "application/json", `{}`)
	wantProblem(t, "a forged signature", code, body, http.StatusNotFound, "no such callback")
	code, body = post(t, s.url+"/v1/callbacks/nothing-signed", "application/json", `{}`)
	wantProblem(t, "an unsigned token", code, body, http.StatusNotFound, "no such callback")
	code, body = post(t, at, "text/plain", `paid`)
	wantProblem(t, "a text body", code, body, http.StatusUnsupportedMediaType, "Content-Type: application/json")
	code, body = post(t, at, "application/json", `{"amount": 12.5,`)
	wantProblem(t, "a cut JSON body", code, body, http.StatusBadRequest, "not valid JSON")
	code, body = post(t, at, "application/json", `{"amount": 1, "amount": 2}`)
	wantProblem(t, "a duplicate key", code, body, http.StatusBadRequest, "duplicate key")
	if body["pointer"] != "/amount" {
		t.Errorf("the duplicate key's pointer = %v, want /amount", body["pointer"])
	}
	code, body = post(t, at, "application/json", ``)
	wantProblem(t, "an empty body", code, body, http.StatusBadRequest, "empty")
	code, body = post(t, at, "application/json", `{"x":"`+strings.Repeat("a", 1<<20)+`"}`)
	wantProblem(t, "a body over 1 MiB", code, body, http.StatusRequestEntityTooLarge, "limit")

	// The callback: stored, then the flow goes on with its body.
	code, body = post(t, at, "application/json; charset=utf-8", `{"amount": 12.5, "currency": "EUR"}`)
	if code != http.StatusAccepted || body["accepted"] != true || !strings.HasPrefix(body["conversationID"].(string), "conv_") {
		t.Fatalf("the callback = %d %v; want 202 accepted with the conversation", code, body)
	}
	if got := waitForText(t, rcv, 3, "the reply to the callback"); got != "Paid 12.5 EUR" {
		t.Errorf("the reply to the callback %q, want %q", got, "Paid 12.5 EUR")
	}

	// The URL is used up.
	code, body = post(t, at, "application/json", `{"amount": 99}`)
	wantProblem(t, "a second callback", code, body, http.StatusGone, "used already")

	// The flow goes on: a new wait has a new URL.
	s.send(t, ch, map[string]any{"message": "pay", "userID": u.UserID})
	next := strings.TrimPrefix(callbackOf(t, waitForText(t, rcv, 4, "the second wait's message")), public)
	if next == token {
		t.Fatal("the second wait has the first wait's URL")
	}
	code, body = post(t, at, "application/json", `{"amount": 99}`)
	wantProblem(t, "the first URL while the second wait waits", code, body, http.StatusGone, "used already")
	if code, _ := post(t, s.url+"/v1/callbacks/"+next, "application/json", `{"amount": 3, "currency": "CHF"}`); code != http.StatusAccepted {
		t.Fatalf("the second callback = %d", code)
	}
	if got := waitForText(t, rcv, 5, "the reply to the second callback"); got != "Paid 3 CHF" {
		t.Errorf("the reply to the second callback %q", got)
	}
	if got := len(rcv.Delivered()); got != 5 {
		t.Errorf("%d messages delivered, want 5: %q", got, texts(t, rcv))
	}
}

func TestWaitTimesOut(t *testing.T) {
	t.Parallel()
	s := startServer(t, func(c *config.Config) { c.WaitSweep = 20 * time.Millisecond })
	rcv := testkit.NewReceiver(t)
	ch := s.createChannel(t, rcv, "waiter")
	_, u := s.send(t, ch, map[string]any{"message": "hi"})
	waitForText(t, rcv, 1, "the greeting")
	s.send(t, ch, map[string]any{"message": "quick", "userID": u.UserID})
	url := callbackOf(t, waitForText(t, rcv, 2, "the wait's message"))
	if !strings.HasPrefix(url, s.url+"/v1/callbacks/") {
		t.Errorf("the callback URL %s is not on the server's own URL (no public URL set)", url)
	}
	if got := waitForText(t, rcv, 3, "the time-out's message"); got != "Too late." {
		t.Errorf("after the time-out %q, want %q", got, "Too late.")
	}
	code, body := post(t, url, "application/json", `{"amount": 1}`)
	wantProblem(t, "a callback after the time-out", code, body, http.StatusGone, "its wait is over")
	// The flow is back at the menu.
	s.send(t, ch, map[string]any{"message": "hello", "userID": u.UserID})
	if got := waitForText(t, rcv, 4, "the menu again"); got != "What now?" {
		t.Errorf("after the time-out the bot answered %q", got)
	}
}

func TestWaitsSurviveARestart(t *testing.T) {
	t.Parallel()
	// The first server never looks for time-outs (its sweep is an hour
	// apart, and none is due when it starts).
	cfg := testConfig(t, func(c *config.Config) { c.WaitSweep = time.Hour })
	first := runServer(t, cfg)
	rcv := testkit.NewReceiver(t)
	ch := first.createChannel(t, rcv, "waiter")
	// Two users: one waits without a time-out, one with.
	_, forever := first.send(t, ch, map[string]any{"message": "hi"})
	waitForText(t, rcv, 1, "the first greeting")
	first.send(t, ch, map[string]any{"message": "pay", "userID": forever.UserID})
	url := callbackOf(t, waitForText(t, rcv, 2, "the wait without a time-out"))
	_, quick := first.send(t, ch, map[string]any{"message": "hi"})
	waitForText(t, rcv, 3, "the second greeting")
	first.send(t, ch, map[string]any{"message": "quick", "userID": quick.UserID})
	waitForText(t, rcv, 4, "the wait with a time-out")
	if err := first.shutdown(t); err != nil {
		t.Fatalf("the first server stopped with %v", err)
	}

	// The second server, on the same database, fires the time-out that
	// passed meanwhile and takes the callback of the other wait.
	cfg.WaitSweep = 20 * time.Millisecond
	second := runServer(t, cfg)
	if got := waitForText(t, rcv, 5, "the time-out after the restart"); got != "Too late." {
		t.Errorf("after the restart the time-out sent %q", got)
	}
	token := url[strings.Index(url, "/v1/callbacks/"):]
	if code, body := post(t, second.url+token, "application/json", `{"amount": 7, "currency": "GBP"}`); code != http.StatusAccepted {
		t.Fatalf("the callback after the restart = %d %v", code, body)
	}
	if got := waitForText(t, rcv, 6, "the reply to the callback after the restart"); got != "Paid 7 GBP" {
		t.Errorf("the reply to the callback after the restart %q", got)
	}
	code, body := post(t, second.url+token, "application/json", `{}`)
	wantProblem(t, "a second callback after the restart", code, body, http.StatusGone, "used already")
}

func TestHandoverPausesUntilUnpaused(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	rcv, hooks := testkit.NewReceiver(t), testkit.NewReceiver(t)
	ch := s.createChannel(t, rcv, "waiter")
	var sub struct {
		Secret string `json:"secret"`
	}
	if code := testkit.Call(t, "POST", s.url+"/v1/webhooks", adminToken, map[string]any{"url": hooks.URL, "events": []string{"handover.requested"}}, &sub); code != 201 {
		t.Fatalf("POST /v1/webhooks = %d", code)
	}
	hooks.SetSecret(sub.Secret)
	_, u := s.send(t, ch, map[string]any{"message": "hi"})
	waitForText(t, rcv, 1, "the greeting")
	s.send(t, ch, map[string]any{"message": "human", "userID": u.UserID})
	if got := waitForText(t, rcv, 2, "the handover's message"); got != "An agent will help you." {
		t.Errorf("the handover's message %q", got)
	}
	hit := hooks.WaitFor(t, 15*time.Second, "handover.requested", func(h []testkit.Hit) bool { return len(h) >= 1 })[0]
	if !hit.Verified {
		t.Errorf("the event's signature did not verify: %s", hit.VerifyErr)
	}
	var ev struct {
		Type string `json:"type"`
		Data struct {
			Block        string `json:"block"`
			Conversation struct {
				ID     string `json:"id"`
				Status string `json:"status"`
				Paused bool   `json:"paused"`
			} `json:"conversation"`
		} `json:"data"`
	}
	if err := json.Unmarshal(hit.Body, &ev); err != nil || ev.Type != "handover.requested" || ev.Data.Block != "human" ||
		ev.Data.Conversation.Status != "paused" || !ev.Data.Conversation.Paused {
		t.Fatalf("the event %s (%v)", hit.Body, err)
	}
	conv := ev.Data.Conversation.ID

	// While handed over, the bot answers nothing.
	s.send(t, ch, map[string]any{"message": "anyone?", "userID": u.UserID})
	var st struct {
		Status string `json:"status"`
		Paused bool   `json:"paused"`
		Block  string `json:"block"`
	}
	if code := testkit.Call(t, "POST", s.url+"/v1/conversations/"+conv+"/unpause", adminToken, nil, &st); code != 200 || st.Paused || st.Status != "input" || st.Block != "menu" {
		t.Fatalf("unpause = %d %+v; want the flow at menu, waiting for input", code, st)
	}
	if got := waitForText(t, rcv, 3, "the message after the unpause"); got != "The bot again." {
		t.Errorf("after the unpause the bot sent %q first, want %q (nothing for the message while handed over)", got, "The bot again.")
	}
	// The flow goes on from the handover's next.
	s.send(t, ch, map[string]any{"message": "pay", "userID": u.UserID})
	if got := waitForText(t, rcv, 4, "the wait after the handover"); !strings.HasPrefix(got, "Pay at ") {
		t.Errorf("after the handover the bot sent %q", got)
	}
}
