package api_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/confab/confab/client"
	"github.com/confab/confab/internal/config"
	"github.com/confab/confab/internal/ratelimit"
	"github.com/confab/confab/internal/testkit"
)

// lookupBot asks for an order number, looks it up with a secret in the
// URL, copies the secret into a variable (which a bot should not do, and
// the API must not show), and says what came back.
const lookupBot = `confab: 1
id: lookup
name: Order lookup
start: ask
variables:
  copied: ""
blocks:
  ask:
    type: input
    prompt: Which order?
    save: order
    next: fetch
  fetch:
    type: api
    url: "{{ env.SHOP_URL }}/orders/{{ order }}?key={{ secret.KEY }}"
    save: answer
    on_error: failed
    next: keep
  keep:
    type: set
    vars:
      copied: secret.KEY
    next: reply
  reply:
    type: message
    messages: ["status {{ answer.status }}"]
    next: ask
  failed:
    type: end
    messages: ["failed: {{ error }}"]
`

const lookupSecret = "sk-e2e-fedcba9876543210"

// startReadApp runs `confab serve` with the bots of dir, which see the
// shop at shopURL as env.SHOP_URL and lookupSecret as secret.KEY.
func startReadApp(t *testing.T, dir, shopURL string) string {
	t.Helper()
	return serveApp(t, func(cfg *config.Config) {
		cfg.BotsDir = dir
		cfg.Env = map[string]string{"SHOP_URL": shopURL}
		cfg.Secrets = map[string]string{"KEY": lookupSecret}
		cfg.RateLimits = ratelimit.Plans{}
	})
}

// TestReadingConversationsThroughTheClient runs a bot that makes a call
// with a secret, then reads the conversation, its messages, its execution
// log and the bots through the Go client, every answer checked against the
// OpenAPI document; and reloads the bot, well and badly.
func TestReadingConversationsThroughTheClient(t *testing.T) {
	t.Parallel()
	doc := loadDocument(t)
	hc, seen := checkedClient(t, doc)
	var shopCalls atomic.Int32
	shop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		shopCalls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"state":"shipped"}`)
	}))
	t.Cleanup(shop.Close)
	dir := t.TempDir()
	file := filepath.Join(dir, "lookup.yaml")
	writeFile(t, file, lookupBot)
	url := startReadApp(t, dir, shop.URL)
	ctx := t.Context()
	admin := client.New(url, e2eAdminToken, client.WithHTTPClient(hc))

	rcv := testkit.NewReceiver(t)
	ch, err := admin.CreateChannel(ctx, client.CreateChannelRequest{Bot: "lookup", WebhookURL: rcv.URL})
	if err != nil {
		t.Fatal(err)
	}
	rcv.SetSecret(ch.WebhookSecret)
	users := client.New(url, ch.Token, client.WithHTTPClient(hc))
	for _, text := range []string{"hi", "48213"} {
		if _, err := users.SendMessage(ctx, client.SendMessageRequest{ChannelID: ch.ChannelID, Message: text, SenderID: "customer-1"}); err != nil {
			t.Fatal(err)
		}
	}
	// Another user, who only says hello.
	if _, err := users.SendMessage(ctx, client.SendMessageRequest{ChannelID: ch.ChannelID, Message: "hello", SenderID: "customer-2"}); err != nil {
		t.Fatal(err)
	}
	rcv.WaitFor(t, 20*time.Second, "four replies", func(hits []testkit.Hit) bool { return len(hits) >= 4 })

	// The list, newest first, and its filters.
	all, err := admin.ListConversations(ctx, client.ListConversationsOptions{})
	if err != nil || len(all.Conversations) != 2 {
		t.Fatalf("ListConversations = %+v, %v", all, err)
	}
	mine, err := admin.ListConversations(ctx, client.ListConversationsOptions{User: "customer-1", Status: "input", Bot: "lookup",
		UpdatedSince: time.Now().Add(-time.Hour)})
	if err != nil || len(mine.Conversations) != 1 || mine.Conversations[0].SenderID != "customer-1" {
		t.Fatalf("ListConversations of customer-1 = %+v, %v", mine, err)
	}
	first, err := admin.ListConversations(ctx, client.ListConversationsOptions{Limit: 1})
	if err != nil || len(first.Conversations) != 1 || first.NextCursor == "" {
		t.Fatalf("the first page of one = %+v, %v", first, err)
	}
	second, err := admin.ListConversations(ctx, client.ListConversationsOptions{Limit: 1, Cursor: first.NextCursor})
	if err != nil || len(second.Conversations) != 1 || second.NextCursor != "" || second.Conversations[0].ID == first.Conversations[0].ID {
		t.Errorf("the second page of one = %+v, %v", second, err)
	}

	// The conversation: where it stands, its variables without the secret.
	conv, err := admin.GetConversation(ctx, mine.Conversations[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if conv.Status != "input" || conv.Block != "ask" || conv.Vars["order"] != "48213" || conv.Vars["copied"] != "[redacted]" {
		t.Errorf("GetConversation = %+v", conv)
	}

	// Its messages, two at a time.
	var texts []string
	cursor := ""
	for range 5 {
		page, err := admin.ListConversationMessages(ctx, conv.ID, client.ListConversationMessagesOptions{Limit: 2, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range page.Messages {
			texts = append(texts, m.Direction+" "+m.Text)
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	want := []string{"in hi", "out Which order?", "in 48213", "out status 200", "out Which order?"}
	if !slices.Equal(texts, want) {
		t.Errorf("messages %q, want %q", texts, want)
	}
	latest, err := admin.ListConversationMessages(ctx, conv.ID, client.ListConversationMessagesOptions{Desc: true, Limit: 1, After: 3})
	if err != nil || len(latest.Messages) != 1 || latest.Messages[0].Seq != 5 {
		t.Errorf("the latest message = %+v, %v", latest, err)
	}

	// What the bot did: the call with its status and latency, no secret.
	logs, err := admin.ListConversationLogs(ctx, conv.ID, client.ListConversationLogsOptions{})
	if err != nil || len(logs.Logs) != 2 || logs.Logs[0].Seq != 1 || logs.Logs[1].Seq != 3 {
		t.Fatalf("ListConversationLogs = %+v, %v", logs, err)
	}
	var call *client.LogStep
	for i, s := range logs.Logs[1].Steps {
		if s.Kind == "call" {
			call = &logs.Logs[1].Steps[i]
		}
	}
	if call == nil || call.Block != "fetch" || call.Status != 200 || call.LatencyMs <= 0 || call.Error != "" ||
		call.Detail != "GET "+shop.URL+"/orders/48213?key=[redacted]" || shopCalls.Load() != 1 {
		t.Errorf("the call step %+v (shop called %d times)", call, shopCalls.Load())
	}
	for _, path := range []string{"/v1/conversations/" + conv.ID, "/v1/conversations/" + conv.ID + "/logs", "/v1/conversations/" + conv.ID + "/messages"} {
		req, _ := http.NewRequestWithContext(ctx, "GET", url+path, nil)
		req.Header.Set("Authorization", "Bearer "+e2eAdminToken)
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(body), lookupSecret) {
			t.Errorf("GET %s shows the secret: %s", path, body)
		}
	}

	// The bot, its NLP, and reloads.
	bots, err := admin.ListBots(ctx)
	if err != nil || len(bots.Bots) != 1 || bots.Bots[0].Name != "Order lookup" || !slices.Equal(bots.Bots[0].Channels, []string{ch.ChannelID}) {
		t.Errorf("ListBots = %+v, %v", bots, err)
	}
	parsed, err := admin.ParseText(ctx, client.ParseRequest{Bot: "lookup", Text: "order 48213 please"})
	if err != nil || parsed.Intent != nil || len(parsed.Entities) != 1 || parsed.Entities[0].Entity != "number" || parsed.Entities[0].Value != 48213.0 {
		t.Errorf("ParseText = %+v, %v", parsed, err)
	}
	writeFile(t, file, strings.Replace(lookupBot, "status {{ answer.status }}", "it is {{ answer.body.state }}", 1))
	reloaded, err := admin.ReloadBot(ctx, "lookup")
	if err != nil || !reloaded.Changed || len(reloaded.Bot.Versions) != 2 {
		t.Fatalf("ReloadBot = %+v, %v", reloaded, err)
	}
	writeFile(t, file, strings.Replace(lookupBot, "next: fetch", "next: fetsh", 1))
	_, err = admin.ReloadBot(ctx, "lookup")
	var e *client.Error
	if !errors.As(err, &e) || e.Status != http.StatusUnprocessableEntity || len(e.Problems) == 0 || !strings.HasPrefix(e.Problems[0], file+":") {
		t.Fatalf("ReloadBot of a broken file: %v (%+v)", err, e)
	}
	if b, err := admin.GetBot(ctx, "lookup"); err != nil || b.Version != reloaded.Bot.Version {
		t.Errorf("after a failed reload GetBot = %+v, %v; want version %+v", b, err, reloaded.Bot.Version)
	}
	// The conversation keeps its state and goes on with the new version.
	if _, err := users.SendMessage(ctx, client.SendMessageRequest{ChannelID: ch.ChannelID, Message: "48214", SenderID: "customer-1"}); err != nil {
		t.Fatal(err)
	}
	rcv.WaitFor(t, 20*time.Second, "the reply of the new version", func(hits []testkit.Hit) bool {
		return slices.ContainsFunc(hits, func(h testkit.Hit) bool { return strings.Contains(string(h.Body), "it is shipped") })
	})

	// A version without the block the conversation waits at: its messages
	// are stored but not answered, the log says why, and a keyword starts
	// the bot again.
	v2 := strings.Replace(lookupBot, "status {{ answer.status }}", "it is {{ answer.body.state }}", 1)
	v3 := strings.Replace(strings.ReplaceAll(v2, "ask", "question"), "start: question\n", "start: question\nkeywords:\n  \"#restart\": question\n", 1)
	writeFile(t, file, v3)
	if r, err := admin.ReloadBot(ctx, "lookup"); err != nil || !r.Changed {
		t.Fatalf("ReloadBot without the block = %+v, %v", r, err)
	}
	if _, err := users.SendMessage(ctx, client.SendMessageRequest{ChannelID: ch.ChannelID, Message: "48215", SenderID: "customer-1"}); err != nil {
		t.Fatal(err)
	}
	stuck := waitForLogs(t, admin, conv.ID, 4)
	last := stuck[len(stuck)-1]
	if !slices.ContainsFunc(last.Steps, func(s client.LogStep) bool {
		return s.Kind == "error" && strings.Contains(s.Detail, `waits at block "ask", which this bot version does not have`)
	}) {
		t.Errorf("the log of a message to a conversation waiting at a block that is gone: %+v", last)
	}
	if _, err := users.SendMessage(ctx, client.SendMessageRequest{ChannelID: ch.ChannelID, Message: "#restart", SenderID: "customer-1"}); err != nil {
		t.Fatal(err)
	}
	waitForLogs(t, admin, conv.ID, 5)
	msgs, err := admin.ListConversationMessages(ctx, conv.ID, client.ListConversationMessagesOptions{After: 8})
	if err != nil {
		t.Fatal(err)
	}
	var after []string
	for _, m := range msgs.Messages {
		after = append(after, m.Direction+" "+m.Text)
	}
	if want := []string{"in 48215", "in #restart", "out Which order?"}; !slices.Equal(after, want) {
		t.Errorf("the messages after the reload %q, want %q", after, want)
	}
	if c, err := admin.GetConversation(ctx, conv.ID); err != nil || c.Block != "question" || c.Vars["order"] != "48214" {
		t.Errorf("after the restart GetConversation = %+v, %v", c, err)
	}

	for _, op := range []string{"GET /v1/conversations", "GET /v1/conversations/{conversationID}", "GET /v1/conversations/{conversationID}/messages",
		"GET /v1/conversations/{conversationID}/logs", "GET /v1/bots", "GET /v1/bots/{botID}", "POST /v1/bots/{botID}/reload", "POST /v1/nlp/parse"} {
		if len(seen.statuses(op)) == 0 {
			t.Errorf("%s was not driven", op)
		}
	}
	if got := seen.statuses("POST /v1/bots/{botID}/reload"); !slices.Equal(got, []int{200, 422}) {
		t.Errorf("reload answered %v, want 200 and 422", got)
	}
}

// waitForLogs lists a conversation's execution logs until it has n, or
// fails the test after 20 s.
func waitForLogs(t *testing.T, c *client.Client, conversationID string, n int) []client.TurnLog {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		logs, err := c.ListConversationLogs(t.Context(), conversationID, client.ListConversationLogsOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(logs.Logs) >= n {
			return logs.Logs
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited 20s for %d logs; there are %+v", n, logs.Logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
