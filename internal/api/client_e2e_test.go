package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/confab/confab/client"
	"github.com/confab/confab/internal/api"
	"github.com/confab/confab/internal/api/openapi"
	"github.com/confab/confab/internal/app"
	"github.com/confab/confab/internal/config"
	"github.com/confab/confab/internal/ratelimit"
	"github.com/confab/confab/internal/testkit"
)

const e2eAdminToken = "cfb_admin_e2e-0123456789abcdef0123456789abcdef"

// startApp runs `confab serve` in the test process: the bots of
// testdata/bots, a fresh SQLite file, webhooks allowed to 127.0.0.1 and a
// retry schedule of 20 ms and 40 ms. It returns the server's URL.
func startApp(t *testing.T) string {
	t.Helper()
	return serveApp(t, nil)
}

// serveApp runs `confab serve` in the test process with the settings of
// startApp changed by tune (may be nil), and stops it when the test ends.
// It returns the server's URL.
func serveApp(t *testing.T, tune func(*config.Config)) string {
	t.Helper()
	return serveAppLogging(t, tune, nil)
}

// serveAppLogging is serveApp with the server's log written to logs at
// the debug level, when logs is not nil.
func serveAppLogging(t *testing.T, tune func(*config.Config), logs io.Writer) string {
	t.Helper()
	cfg := config.Default()
	cfg.Addr = "127.0.0.1:0"
	cfg.DataDir = t.TempDir()
	cfg.BotsDir = "testdata/bots"
	cfg.AdminToken = e2eAdminToken
	cfg.AllowNet = []string{"127.0.0.1/32"}
	cfg.RetrySchedule = []time.Duration{20 * time.Millisecond, 40 * time.Millisecond}
	if tune != nil {
		tune(&cfg)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if logs != nil {
		log = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	} else if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready, done := make(chan string, 1), make(chan error, 1)
	go func() { done <- app.Serve(ctx, cfg, log, io.Discard, func(addr string) { ready <- addr }) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("the server stopped with %v", err)
		}
	})
	select {
	case addr := <-ready:
		return "http://" + addr
	case err := <-done:
		t.Fatalf("the server did not start: %v", err)
	}
	return ""
}

// wantError checks that err is a *client.Error with the status, and that
// its message (Detail or Message) contains text.
func wantError(t *testing.T, err error, status int, text string) *client.Error {
	t.Helper()
	var e *client.Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v, want a %d *client.Error", err, status)
	}
	if e.Status != status || !strings.Contains(e.Detail+e.Message, text) {
		t.Errorf("got %v, want %d with %q", e, status, text)
	}
	return e
}

// waitForDeliveries lists the channel's deliveries until cond holds over
// them, or fails the test after 20 s.
func waitForDeliveries(t *testing.T, c *client.Client, channelID, what string, cond func([]client.Delivery) bool) []client.Delivery {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		list, err := c.ListDeliveries(t.Context(), channelID, client.ListDeliveriesOptions{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if cond(list.Deliveries) {
			return list.Deliveries
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited 20s for %s; the deliveries are %+v", what, list.Deliveries)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func allWith(status string, n int) func([]client.Delivery) bool {
	return func(ds []client.Delivery) bool {
		return len(ds) == n && !slices.ContainsFunc(ds, func(d client.Delivery) bool { return d.Status != status })
	}
}

// TestEveryRouteThroughTheClient drives every route of the OpenAPI
// document through the Go client against a real server, and checks every
// answer against the document, errors included, then the webhook bodies
// the server sent against the document's webhooks.
func TestEveryRouteThroughTheClient(t *testing.T) {
	t.Parallel()
	doc := loadDocument(t)
	hc, seen := checkedClient(t, doc)
	url := startApp(t)
	ctx := t.Context()
	admin := client.New(url, e2eAdminToken, client.WithHTTPClient(hc))

	// The service routes.
	if h, err := admin.Health(ctx); err != nil || h.Status != "ok" {
		t.Errorf("Health = %+v, %v", h, err)
	}
	if h, err := admin.Ready(ctx); err != nil || h.Status != "ready" {
		t.Errorf("Ready = %+v, %v", h, err)
	}
	if m, err := admin.Metrics(ctx); err != nil || !strings.Contains(string(m), "confab_http_requests_total") {
		t.Errorf("Metrics = %.200s, %v", m, err)
	}
	if d, err := admin.OpenAPI(ctx); err != nil || string(d) != string(openapi.Document()) {
		t.Errorf("OpenAPI is not the document: %v", err)
	}
	resp, err := hc.Get(url + "/docs")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	// A webhook receiver that fails until it is fixed.
	rcv := testkit.NewReceiver(t)
	var fixed atomic.Bool
	rcv.Answer = func(string, int) int {
		if fixed.Load() {
			return http.StatusNoContent
		}
		return http.StatusInternalServerError
	}

	ch, err := admin.CreateChannel(ctx, client.CreateChannelRequest{Bot: "echo", WebhookURL: rcv.URL, Keywords: []string{"#start"}},
		client.IdempotencyKey("create-1"))
	if err != nil {
		t.Fatal(err)
	}
	if ch.Bot != "echo" || ch.WebhookURL != rcv.URL || !strings.HasPrefix(ch.WebhookSecret, "whsec_") || ch.Token == "" ||
		!slices.Equal(ch.Keywords, []string{"#start"}) || ch.CreatedAt.IsZero() {
		t.Errorf("CreateChannel = %+v", ch)
	}
	rcv.SetSecret(ch.WebhookSecret)
	_, err = admin.CreateChannel(ctx, client.CreateChannelRequest{Bot: "nobot", WebhookURL: rcv.URL})
	if e := wantError(t, err, http.StatusBadRequest, `no bot "nobot"`); e.Pointer != "/bot" || e.Type != "about:blank" {
		t.Errorf("problem %+v", e)
	}
	_, err = admin.CreateChannel(ctx, client.CreateChannelRequest{ChannelID: ch.ChannelID, Bot: "echo", WebhookURL: rcv.URL})
	wantError(t, err, http.StatusConflict, "is taken")
	_, err = admin.CreateChannel(ctx, client.CreateChannelRequest{Bot: "echo", WebhookURL: rcv.URL, Keywords: []string{strings.Repeat("k", api.MaxBody)}})
	wantError(t, err, http.StatusRequestEntityTooLarge, "larger than the limit")
	_, err = client.New(url, "", client.WithHTTPClient(hc)).ListChannels(ctx)
	wantError(t, err, http.StatusUnauthorized, "missing Authorization")
	_, err = client.New(url, "cfb_admin_not-a-token-of-this-server-000000000", client.WithHTTPClient(hc)).ListChannels(ctx)
	wantError(t, err, http.StatusUnauthorized, "not valid")

	// A second admin token works until it is revoked; the project's last
	// valid token cannot be revoked.
	tok, err := admin.CreateToken(ctx, client.CreateTokenRequest{Name: "crm", ExpiresAt: time.Now().Add(time.Hour)}, client.IdempotencyKey("token-1"))
	if err != nil || !strings.HasPrefix(tok.Token, tok.Prefix) || tok.ExpiresAt.IsZero() {
		t.Fatalf("CreateToken = %+v, %v", tok, err)
	}
	if _, err := client.New(url, tok.Token, client.WithHTTPClient(hc)).ListChannels(ctx); err != nil {
		t.Errorf("the new token does not work: %v", err)
	}
	_, err = admin.CreateToken(ctx, client.CreateTokenRequest{Name: " "})
	if e := wantError(t, err, http.StatusBadRequest, "must not be empty"); e.Pointer != "/name" {
		t.Errorf("pointer %q", e.Pointer)
	}
	tokens, err := admin.ListTokens(ctx)
	if err != nil || len(tokens.Tokens) != 2 || tokens.Tokens[1].ID != tok.ID || tokens.Tokens[1].Token != "" {
		t.Fatalf("ListTokens = %+v, %v", tokens, err)
	}
	if err := admin.RevokeToken(ctx, tok.ID); err != nil {
		t.Errorf("RevokeToken: %v", err)
	}
	wantError(t, admin.RevokeToken(ctx, tok.ID), http.StatusNotFound, "not found")
	wantError(t, admin.RevokeToken(ctx, tokens.Tokens[0].ID), http.StatusConflict, "cannot revoke itself")

	if r, err := admin.TestWebhook(ctx, ch.ChannelID); err != nil || r.Reachable || r.Status != http.StatusInternalServerError {
		t.Errorf("TestWebhook of a failing receiver = %+v, %v", r, err)
	}

	// A message with the channel's token as a Bearer header: the bot's
	// four greetings fail every attempt and are dead-lettered.
	users := client.New(url, ch.Token, client.WithHTTPClient(hc))
	sent, err := users.SendMessage(ctx, client.SendMessageRequest{ChannelID: ch.ChannelID, Message: "#start", SenderID: "customer-42"},
		client.IdempotencyKey("message-1"))
	if err != nil || !sent.Success || sent.UserID != 1 || sent.SenderID != "customer-42" || sent.Message != "#start" {
		t.Fatalf("SendMessage = %+v, %v", sent, err)
	}
	_, err = users.SendMessage(ctx, client.SendMessageRequest{ChannelID: ch.ChannelID, Message: " "})
	wantError(t, err, http.StatusBadRequest, "/message: message is empty and there are no attachments")
	_, err = users.SendMessage(ctx, client.SendMessageRequest{ChannelID: ch.ChannelID, Message: "hi", UserID: 1, SenderID: "x"})
	wantError(t, err, http.StatusBadRequest, "/senderID: give userID or senderID, not both")
	_, err = admin.SendMessage(ctx, client.SendMessageRequest{ChannelID: ch.ChannelID, Message: "hi"})
	wantError(t, err, http.StatusUnauthorized, "wrong channelID or token")
	dead := waitForDeliveries(t, admin, ch.ChannelID, "four dead deliveries", allWith(client.DeliveryDead, 4))
	for _, d := range dead {
		if d.Attempts != 3 || len(d.History) != 3 || d.LastStatus != http.StatusInternalServerError || d.History[0].At.IsZero() {
			t.Errorf("dead delivery %+v", d)
		}
	}
	_, err = admin.ListDeliveries(ctx, ch.ChannelID, client.ListDeliveriesOptions{Limit: 501})
	wantError(t, err, http.StatusBadRequest, "limit must be a number from 1 to 500")
	if list, err := admin.ListDeliveries(ctx, ch.ChannelID, client.ListDeliveriesOptions{Limit: 1}); err != nil || len(list.Deliveries) != 1 {
		t.Errorf("ListDeliveries with limit 1 = %+v, %v", list, err)
	}

	// Fixed, the receiver takes the replays.
	fixed.Store(true)
	for _, d := range dead {
		r, err := admin.ReplayDelivery(ctx, d.ID, client.IdempotencyKey("replay-"+d.ID))
		if err != nil || r.ID != d.ID || r.Status != client.DeliveryPending {
			t.Errorf("ReplayDelivery(%s) = %+v, %v", d.ID, r, err)
		}
	}
	_, err = admin.ReplayDelivery(ctx, dead[0].ID)
	wantError(t, err, http.StatusConflict, "only a dead delivery can be replayed")
	waitForDeliveries(t, admin, ch.ChannelID, "four delivered replays", allWith(client.DeliveryDelivered, 4))
	if r, err := admin.TestWebhook(ctx, ch.ChannelID); err != nil || !r.Reachable || r.Status != http.StatusNoContent {
		t.Errorf("TestWebhook of a working receiver = %+v, %v", r, err)
	}

	// The conversation, its messages and what the bot did in its turn.
	convs, err := admin.ListConversations(ctx, client.ListConversationsOptions{User: "customer-42", ChannelID: ch.ChannelID})
	if err != nil || len(convs.Conversations) != 1 || convs.Conversations[0].Status != "input" || convs.NextCursor != "" {
		t.Fatalf("ListConversations = %+v, %v", convs, err)
	}
	conv, err := admin.GetConversation(ctx, convs.Conversations[0].ID)
	if err != nil || conv.Block != "listen" || conv.SenderID != "customer-42" || conv.Vars == nil || conv.LastMessageAt.IsZero() {
		t.Errorf("GetConversation = %+v, %v", conv, err)
	}
	msgs, err := admin.ListConversationMessages(ctx, conv.ID, client.ListConversationMessagesOptions{Limit: 2})
	if err != nil || len(msgs.Messages) != 2 || msgs.Messages[0].Text != "#start" || msgs.Messages[1].Rich == nil || msgs.NextCursor == "" {
		t.Errorf("ListConversationMessages = %+v, %v", msgs, err)
	}
	logs, err := admin.ListConversationLogs(ctx, conv.ID, client.ListConversationLogsOptions{Desc: true})
	if err != nil || len(logs.Logs) != 1 || len(logs.Logs[0].Steps) == 0 || logs.Logs[0].Seq != 1 {
		t.Errorf("ListConversationLogs = %+v, %v", logs, err)
	}
	_, err = admin.ListConversations(ctx, client.ListConversationsOptions{Cursor: "not a cursor"})
	wantError(t, err, http.StatusBadRequest, "cursor is not valid")
	_, err = admin.ListConversationMessages(ctx, conv.ID, client.ListConversationMessagesOptions{Limit: 201})
	wantError(t, err, http.StatusBadRequest, "limit must be a number from 1 to 200")

	// The bots and their NLP.
	bots, err := admin.ListBots(ctx)
	if err != nil || len(bots.Bots) != 1 || bots.Bots[0].ID != "echo" || !slices.Equal(bots.Bots[0].Channels, []string{ch.ChannelID}) {
		t.Errorf("ListBots = %+v, %v", bots, err)
	}
	echo, err := admin.GetBot(ctx, "echo")
	if err != nil || len(echo.Versions) != 1 || echo.Version.Hash == "" || echo.Version != echo.Versions[0] {
		t.Errorf("GetBot = %+v, %v", echo, err)
	}
	if r, err := admin.ReloadBot(ctx, "echo"); err != nil || r.Changed || r.Bot.Version != echo.Version {
		t.Errorf("ReloadBot of an unchanged file = %+v, %v", r, err)
	}
	if p, err := admin.ParseText(ctx, client.ParseRequest{Bot: "echo", Text: "call me at 10:30"}); err != nil || len(p.Entities) != 1 || p.Entities[0].Text != "10:30" {
		t.Errorf("ParseText = %+v, %v", p, err)
	}
	_, err = admin.ParseText(ctx, client.ParseRequest{Bot: "nobot", Text: "hi"})
	wantError(t, err, http.StatusBadRequest, `no bot "nobot" is served here`)
	// Functions (functions_e2e_test.go calls them).
	_, err = admin.CallFunction(ctx, "echo", "get_order", client.FunctionCallRequest{})
	wantError(t, err, http.StatusNotFound, `bot echo declares no function "get_order"`)

	// Changes.
	up, err := admin.UpdateChannel(ctx, ch.ChannelID, client.UpdateChannelRequest{RotateToken: true, RotateSecret: true, Keywords: []string{}})
	if err != nil || up.Token == "" || up.Token == ch.Token || up.WebhookSecret == ch.WebhookSecret || len(up.Keywords) != 0 || !up.UpdatedAt.After(ch.UpdatedAt) {
		t.Errorf("UpdateChannel = %+v, %v", up, err)
	}
	_, err = admin.UpdateChannel(ctx, ch.ChannelID, client.UpdateChannelRequest{Token: "short"})
	if e := wantError(t, err, http.StatusBadRequest, "at least 32 characters"); e.Pointer != "/token" {
		t.Errorf("pointer %q", e.Pointer)
	}
	got, err := admin.GetChannel(ctx, ch.ChannelID)
	if err != nil || got.Token != "" || got.WebhookSecret != "" || got.Keywords == nil || len(got.Keywords) != 0 {
		t.Errorf("GetChannel = %+v, %v", got, err)
	}
	if list, err := admin.ListChannels(ctx); err != nil || len(list.Channels) != 1 || list.Channels[0].ChannelID != ch.ChannelID {
		t.Errorf("ListChannels = %+v, %v", list, err)
	}
	_, err = users.SendMessage(ctx, client.SendMessageRequest{ChannelID: ch.ChannelID, Message: "hi"})
	wantError(t, err, http.StatusUnauthorized, "wrong channelID or token")
	if err := admin.DeleteChannel(ctx, ch.ChannelID); err != nil {
		t.Errorf("DeleteChannel: %v", err)
	}

	// Every route that takes a channel or delivery id: 404 for one that
	// is not there.
	for name, call := range map[string]func() error{
		"GetChannel": func() error { _, err := admin.GetChannel(ctx, ch.ChannelID); return err },
		"UpdateChannel": func() error {
			_, err := admin.UpdateChannel(ctx, ch.ChannelID, client.UpdateChannelRequest{Bot: "echo"})
			return err
		},
		"DeleteChannel": func() error { return admin.DeleteChannel(ctx, ch.ChannelID) },
		"TestWebhook":   func() error { _, err := admin.TestWebhook(ctx, ch.ChannelID); return err },
		"ListDeliveries": func() error {
			_, err := admin.ListDeliveries(ctx, ch.ChannelID, client.ListDeliveriesOptions{})
			return err
		},
		"ReplayDelivery": func() error { _, err := admin.ReplayDelivery(ctx, "msg_NOTHERE"); return err },
		"GetConversation": func() error {
			_, err := admin.GetConversation(ctx, conv.ID)
			return err
		},
		"ListConversationMessages": func() error {
			_, err := admin.ListConversationMessages(ctx, conv.ID, client.ListConversationMessagesOptions{})
			return err
		},
		"ListConversationLogs": func() error {
			_, err := admin.ListConversationLogs(ctx, conv.ID, client.ListConversationLogsOptions{})
			return err
		},
		"GetBot": func() error {
			_, err := admin.GetBot(ctx, "nobot")
			return err
		},
		"ReloadBot": func() error {
			_, err := admin.ReloadBot(ctx, "nobot")
			return err
		},
	} {
		t.Run(name, func(t *testing.T) { wantError(t, call(), http.StatusNotFound, "not found") })
	}

	// Event webhooks (webhooks_test.go drives one through every event).
	hooks := testkit.NewReceiver(t)
	hook, err := admin.CreateWebhook(ctx, client.CreateWebhookRequest{URL: hooks.URL, Events: []string{client.EventAll}}, client.IdempotencyKey("webhook-1"))
	if err != nil || !strings.HasPrefix(hook.Secret, "whsec_") {
		t.Fatalf("CreateWebhook = %+v, %v", hook, err)
	}
	hooks.SetSecret(hook.Secret)
	_, err = admin.CreateWebhook(ctx, client.CreateWebhookRequest{URL: hooks.URL, Events: []string{"nothing"}})
	if e := wantError(t, err, http.StatusBadRequest, `unknown event type "nothing"`); e.Pointer != "/events/0" {
		t.Errorf("pointer %q", e.Pointer)
	}
	if r, err := admin.SendTestEvent(ctx, hook.ID); err != nil || !r.Reachable {
		t.Errorf("SendTestEvent = %+v, %v", r, err)
	}
	if list, err := admin.ListWebhooks(ctx); err != nil || len(list.Webhooks) != 1 || list.Webhooks[0].Secret != "" {
		t.Errorf("ListWebhooks = %+v, %v", list, err)
	}
	if w, err := admin.UpdateWebhook(ctx, hook.ID, client.UpdateWebhookRequest{Events: []string{client.EventHandoverRequested}}); err != nil || w.Events[0] != "handover.requested" {
		t.Errorf("UpdateWebhook = %+v, %v", w, err)
	}
	if w, err := admin.GetWebhook(ctx, hook.ID); err != nil || w.Secret != "" {
		t.Errorf("GetWebhook = %+v, %v", w, err)
	}
	if list, err := admin.ListWebhookDeliveries(ctx, hook.ID, client.ListDeliveriesOptions{}); err != nil || len(list.Deliveries) != 0 {
		t.Errorf("ListWebhookDeliveries = %+v, %v", list, err)
	}
	_, err = admin.ListWebhookDeliveries(ctx, hook.ID, client.ListDeliveriesOptions{Limit: 501})
	wantError(t, err, http.StatusBadRequest, "limit must be a number from 1 to 500")
	if err := admin.DeleteWebhook(ctx, hook.ID); err != nil {
		t.Errorf("DeleteWebhook: %v", err)
	}
	wantError(t, admin.DeleteWebhook(ctx, hook.ID), http.StatusNotFound, "not found")
	if hits := hooks.Hits(); len(hits) != 1 || !hits[0].Verified {
		t.Errorf("the event webhook got %+v, want the one test event, signed", hits)
	} else {
		validateWebhook(t, doc, "eventWebhookTest", hits[0])
	}

	// Steering a conversation (conversations_steer_test.go).
	driveSteering(t, url, admin, hc, doc)

	// A wait block's callback (internal/app's callbacks_test.go drives
	// one through every answer): a token this server did not sign.
	_, err = client.New(url, "", client.WithHTTPClient(hc)).PostCallback(ctx, "prj_1.conv_1.1.forged", map[string]any{"status": "paid"})
	wantError(t, err, http.StatusNotFound, "no such callback")

	// Every route of the document was driven.
	for _, op := range operations(doc) {
		if len(seen.statuses(op)) == 0 {
			t.Errorf("%s was not driven through the client", op)
		}
	}

	// What the receiver got: the four greetings (each attempt) and two
	// tests, each signed and each as the document's webhooks describe.
	hits := rcv.Hits()
	tests := 0
	for _, h := range hits {
		if !h.Verified {
			t.Errorf("webhook %s: the signature does not verify: %s", h.ID, h.VerifyErr)
		}
		name := "apiChannelReply"
		if strings.Contains(string(h.Body), `"test":true`) {
			name = "apiChannelTest"
			tests++
		}
		validateWebhook(t, doc, name, h)
	}
	if tests != 2 || len(hits) != 4*3+4+2 {
		t.Errorf("the receiver got %d requests (%d tests), want 4×3 attempts, 4 replays and 2 tests", len(hits), tests)
	}
	for _, want := range []string{`"rich":{"buttons":`, `"carousel":true`, `"attachments":[{"offset":9,`, `"dropdown":{`, `"senderID":"customer-42"`} {
		if !slices.ContainsFunc(hits, func(h testkit.Hit) bool { return strings.Contains(string(h.Body), want) }) {
			t.Errorf("no webhook body has %s", want)
		}
	}
}

// validateWebhook checks a request the receiver got against a webhook of
// the document: its body against the schema, its webhook-id against the
// header's.
func validateWebhook(t *testing.T, doc *document, name string, h testkit.Hit) {
	t.Helper()
	op := doc.Webhooks[name].Post
	var body any
	if err := json.Unmarshal(h.Body, &body); err != nil {
		t.Errorf("webhook %s: %v", name, err)
		return
	}
	schema := op.RequestBody.Value.Content.Get("application/json").Schema.Value
	if err := schema.VisitJSON(body, openapi3.EnableJSONSchema2020()); err != nil {
		t.Errorf("webhook body %s does not match %s: %v", h.Body, name, err)
	}
	for _, p := range op.Parameters {
		if p.Value.Name == "webhook-id" {
			if err := p.Value.Schema.Value.VisitJSON(h.ID, openapi3.EnableJSONSchema2020()); err != nil {
				t.Errorf("webhook-id %q does not match %s: %v", h.ID, name, err)
			}
		}
	}
}

// TestDrainingAnswersMatchTheDocument checks the 503 of every route while
// the server shuts down.
func TestDrainingAnswersMatchTheDocument(t *testing.T) {
	t.Parallel()
	doc := loadDocument(t)
	e := newEnv(t)
	ch := e.createChannel(t, tokenA, map[string]any{})
	e.api.Drain()
	hc, seen := checkedClient(t, doc)
	admin := client.New(e.url, tokenA, client.WithHTTPClient(hc))
	ctx := t.Context()
	calls := map[string]func() error{
		"SendMessage": func() error {
			_, err := admin.SendMessage(ctx, client.SendMessageRequest{ChannelID: ch.ChannelID, Token: ch.Token, Message: "hi"})
			return err
		},
		"CreateChannel": func() error {
			_, err := admin.CreateChannel(ctx, client.CreateChannelRequest{Bot: "echo", WebhookURL: "https://x.example.com/"})
			return err
		},
		"ListChannels": func() error { _, err := admin.ListChannels(ctx); return err },
		"GetChannel":   func() error { _, err := admin.GetChannel(ctx, ch.ChannelID); return err },
		"UpdateChannel": func() error {
			_, err := admin.UpdateChannel(ctx, ch.ChannelID, client.UpdateChannelRequest{Bot: "echo"})
			return err
		},
		"DeleteChannel": func() error { return admin.DeleteChannel(ctx, ch.ChannelID) },
		"TestWebhook":   func() error { _, err := admin.TestWebhook(ctx, ch.ChannelID); return err },
		"ListDeliveries": func() error {
			_, err := admin.ListDeliveries(ctx, ch.ChannelID, client.ListDeliveriesOptions{})
			return err
		},
		"ReplayDelivery": func() error { _, err := admin.ReplayDelivery(ctx, "msg_x"); return err },
		"ListConversations": func() error {
			_, err := admin.ListConversations(ctx, client.ListConversationsOptions{})
			return err
		},
		"GetConversation": func() error {
			_, err := admin.GetConversation(ctx, "conv_x")
			return err
		},
		"ListConversationMessages": func() error {
			_, err := admin.ListConversationMessages(ctx, "conv_x", client.ListConversationMessagesOptions{})
			return err
		},
		"ListConversationLogs": func() error {
			_, err := admin.ListConversationLogs(ctx, "conv_x", client.ListConversationLogsOptions{})
			return err
		},
		"ListBots": func() error {
			_, err := admin.ListBots(ctx)
			return err
		},
		"GetBot": func() error {
			_, err := admin.GetBot(ctx, "echo")
			return err
		},
		"ReloadBot": func() error {
			_, err := admin.ReloadBot(ctx, "echo")
			return err
		},
		"ParseText": func() error {
			_, err := admin.ParseText(ctx, client.ParseRequest{Bot: "echo", Text: "hi"})
			return err
		},
		"CallFunction": func() error {
			_, err := admin.CallFunction(ctx, "echo", "f", client.FunctionCallRequest{})
			return err
		},
		"CreateToken": func() error {
			_, err := admin.CreateToken(ctx, client.CreateTokenRequest{Name: "crm"})
			return err
		},
		"CreateWebhook": func() error {
			_, err := admin.CreateWebhook(ctx, client.CreateWebhookRequest{URL: "https://x.example.com/", Events: []string{"*"}})
			return err
		},
		"ListWebhooks": func() error { _, err := admin.ListWebhooks(ctx); return err },
		"GetWebhook":   func() error { _, err := admin.GetWebhook(ctx, "wh_x"); return err },
		"UpdateWebhook": func() error {
			_, err := admin.UpdateWebhook(ctx, "wh_x", client.UpdateWebhookRequest{Enable: true})
			return err
		},
		"DeleteWebhook": func() error { return admin.DeleteWebhook(ctx, "wh_x") },
		"SendTestEvent": func() error { _, err := admin.SendTestEvent(ctx, "wh_x"); return err },
		"ListWebhookDeliveries": func() error {
			_, err := admin.ListWebhookDeliveries(ctx, "wh_x", client.ListDeliveriesOptions{})
			return err
		},
		"SendConversationMessage": func() error {
			_, err := admin.SendConversationMessage(ctx, "conv_x", client.OperatorMessage{Text: "hi", As: "bot"})
			return err
		},
		"SetConversationSession": func() error {
			_, err := admin.SetConversationSession(ctx, "conv_x", map[string]any{"a": 1})
			return err
		},
		"PauseConversation":   func() error { _, err := admin.PauseConversation(ctx, "conv_x"); return err },
		"UnpauseConversation": func() error { _, err := admin.UnpauseConversation(ctx, "conv_x"); return err },
		"TriggerBlock": func() error {
			_, err := admin.TriggerBlock(ctx, "conv_x", client.TriggerRequest{Block: "listen"})
			return err
		},
		"GetConversationCommand": func() error {
			_, err := admin.GetConversationCommand(ctx, "conv_x", "cmd_x")
			return err
		},
		"PostCallback": func() error {
			_, err := admin.PostCallback(ctx, "prj_x.conv_x.1.sig", map[string]any{"status": "paid"})
			return err
		},
		"ListTokens":  func() error { _, err := admin.ListTokens(ctx); return err },
		"RevokeToken": func() error { return admin.RevokeToken(ctx, "tok_x") },
		"Ready":       func() error { _, err := admin.Ready(ctx); return err },
		"OpenAPI":     func() error { _, err := admin.OpenAPI(ctx); return err },
	}
	for name, call := range calls {
		e := wantError(t, call(), http.StatusServiceUnavailable, "the server is shutting down")
		if e.RetryAfter != 5*time.Second {
			t.Errorf("%s: RetryAfter %v, want 5s", name, e.RetryAfter)
		}
	}
	resp, err := hc.Get(e.url + "/docs")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("GET /docs while draining = %d", resp.StatusCode)
	}
	// Health and metrics still answer.
	if _, err := admin.Health(ctx); err != nil {
		t.Errorf("Health while draining: %v", err)
	}
	if _, err := admin.Metrics(ctx); err != nil {
		t.Errorf("Metrics while draining: %v", err)
	}
	for _, op := range operations(doc) {
		if len(seen.statuses(op)) == 0 {
			t.Errorf("%s was not called while draining", op)
		}
	}
}

// TestRateLimitedAnswersMatchTheDocument checks the 429 of an admin route
// and of POST /v1/messages.
func TestRateLimitedAnswersMatchTheDocument(t *testing.T) {
	t.Parallel()
	doc := loadDocument(t)
	e, _ := newLimitedEnv(t, ratelimit.Plans{Default: ratelimit.Plan{Token: limit(1, 1), User: limit(1, 1)}})
	ch := e.createChannel(t, tokenA, map[string]any{}) // the token's one request
	hc, _ := checkedClient(t, doc)
	ctx := t.Context()
	_, err := client.New(e.url, tokenA, client.WithHTTPClient(hc)).ListChannels(ctx)
	if pe := wantError(t, err, http.StatusTooManyRequests, "too many requests with this token"); pe.RetryAfter != time.Second {
		t.Errorf("RetryAfter %v, want 1s", pe.RetryAfter)
	}
	users := client.New(e.url, ch.Token, client.WithHTTPClient(hc))
	if _, err := users.SendMessage(ctx, client.SendMessageRequest{ChannelID: ch.ChannelID, Message: "hi", UserID: 1}); err != nil {
		t.Fatal(err)
	}
	_, err = users.SendMessage(ctx, client.SendMessageRequest{ChannelID: ch.ChannelID, Message: "again", UserID: 1})
	wantError(t, err, http.StatusTooManyRequests, "too many messages from this user on this channel")
}
