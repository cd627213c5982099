package api_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/confab/confab/client"
	"github.com/confab/confab/internal/action"
	"github.com/confab/confab/internal/api"
	"github.com/confab/confab/internal/app"
	"github.com/confab/confab/internal/block"
	"github.com/confab/confab/internal/flow"
	"github.com/confab/confab/internal/safehttp"
	"github.com/confab/confab/internal/store"
	"github.com/confab/confab/internal/store/postgres"
	"github.com/confab/confab/internal/store/sqlite"
	"github.com/confab/confab/internal/testkit"
	"github.com/confab/confab/internal/token"
	"github.com/confab/confab/internal/turn"
	"github.com/confab/confab/internal/webhook"
)

// steerRig is the server's message path put together as `confab serve`
// does (store, turn worker, deliverer, API), serving the bots of
// testdata/steer on SQLite or PostgreSQL, with a webhook receiver and a
// slow endpoint that the desk bot's "slow" calls and that answers only when
// released.
type steerRig struct {
	url     string
	store   store.Store
	project string
	admin   *client.Client // project A's token, answers checked against the document
	hc      *http.Client
	seen    *checkedTransport
	doc     *document
	ch      store.Channel
	chToken string
	rcv     *testkit.Receiver
	entered chan struct{} // a call reached the slow endpoint
	release func()        // lets the slow endpoint's calls answer
}

// steerDatabases are the databases the steering tests run on: SQLite, and
// PostgreSQL when CONFAB_TEST_DATABASE_URL names one.
func steerDatabases(t *testing.T) []string {
	dbs := []string{"sqlite"}
	if os.Getenv("CONFAB_TEST_DATABASE_URL") != "" {
		dbs = append(dbs, "postgres")
	}
	return dbs
}

// openSteerStore opens a migrated store on a fresh database: a SQLite file,
// or a PostgreSQL schema dropped after the test.
func openSteerStore(t *testing.T, db string) store.Store {
	t.Helper()
	ctx := context.Background()
	var s store.Store
	if db == "sqlite" {
		var err error
		if s, err = sqlite.Open(filepath.Join(t.TempDir(), "confab.db")); err != nil {
			t.Fatal(err)
		}
	} else {
		base := os.Getenv("CONFAB_TEST_DATABASE_URL")
		admin, err := sql.Open("pgx", base)
		if err != nil {
			t.Fatal(err)
		}
		schema := "t_" + strings.ToLower(strings.ReplaceAll(store.NewID("steer"), "-", "_"))
		if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
			admin.Close()
			t.Fatalf("PostgreSQL at CONFAB_TEST_DATABASE_URL: %v", err)
		}
		t.Cleanup(func() {
			_, _ = admin.Exec("DROP SCHEMA " + schema + " CASCADE")
			admin.Close()
		})
		sep := "?"
		if strings.Contains(base, "?") {
			sep = "&"
		}
		if s, err = postgres.Open(ctx, base+sep+"search_path="+schema); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

// steerEndpoints are the channels' webhooks as the deliverer sees them.
type steerEndpoints struct{ store store.Store }

func (e steerEndpoints) Endpoint(ctx context.Context, d store.Delivery) (webhook.Endpoint, error) {
	ch, err := e.store.ChannelByID(ctx, d.ChannelID)
	if err != nil {
		return webhook.Endpoint{}, err
	}
	sec, err := webhook.ParseSecret(ch.WebhookSecret)
	if err != nil {
		return webhook.Endpoint{}, err
	}
	return webhook.Endpoint{URL: ch.WebhookURL, Signer: webhook.NewSigner(sec)}, nil
}

func (e steerEndpoints) SetHealth(ctx context.Context, d store.Delivery, failingSince time.Time, disabled string) error {
	return e.store.SetEndpointHealth(ctx, d.ChannelID, failingSince, disabled)
}

func newSteerRig(t *testing.T, db string) *steerRig {
	t.Helper()
	ctx := context.Background()
	r := &steerRig{store: openSteerStore(t, db), project: "prj_a", entered: make(chan struct{}, 16)}
	released := make(chan struct{})
	r.release = sync.OnceFunc(func() { close(released) })
	t.Cleanup(r.release) // before the slow server closes (cleanups run last first)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.entered <- struct{}{}
		select {
		case <-released:
		case <-req.Context().Done():
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":true}`)
	}))
	t.Cleanup(slow.Close)
	t.Cleanup(r.release)

	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	bots, problems, err := app.LoadBots("testdata/steer", block.Builtin(), flow.Options{Env: map[string]string{"SLOW_URL": slow.URL}})
	if err != nil {
		t.Fatalf("%v\n%v", err, problems)
	}
	hc, err := safehttp.New(safehttp.Config{Allow: []string{"127.0.0.1/32"}, Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	deliverer := webhook.NewDeliverer(r.store, hc.HTTPClient(), steerEndpoints{r.store}, log, webhook.DelivererConfig{Schedule: []time.Duration{20 * time.Millisecond}})
	worker := turn.New(r.store, bots, action.Executor{Client: hc.HTTPClient()}, log, turn.Config{}, deliverer)
	srv := api.New(api.Deps{Store: r.store, Bots: bots, Log: log, Metrics: api.NewMetrics(prometheus.NewRegistry()),
		Prepare: worker.Prepare, Accepted: worker.Accepted, PrepareCommand: worker.PrepareCommand, Submitted: worker.Submitted,
		Replayed: deliverer.Wake})
	work, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { worker.Run(work) })
	wg.Go(func() { deliverer.Run(work) })
	t.Cleanup(func() { stop(); r.release(); wg.Wait() })
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	r.url = hs.URL

	now := time.Now()
	for i, p := range []struct{ id, token string }{{r.project, tokenA}, {"prj_b", tokenB}} {
		if err := r.store.CreateProject(ctx, store.Project{ID: p.id, Name: p.id, CreatedAt: now.Add(time.Duration(i) * time.Millisecond)}); err != nil {
			t.Fatal(err)
		}
		if err := r.store.CreateToken(ctx, store.Token{ID: "tok_" + p.id, ProjectID: p.id, Name: "test", Kind: token.Admin,
			Prefix: token.Prefix(p.token), Hash: token.Hash(p.token), CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	r.rcv = testkit.NewReceiver(t)
	secret, err := webhook.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	r.chToken = token.New(token.Channel)
	r.ch = store.Channel{ID: "ch_desk", ProjectID: r.project, Bot: "desk", TokenHash: token.Hash(r.chToken), WebhookURL: r.rcv.URL,
		WebhookSecret: secret.String(), CreatedAt: now, UpdatedAt: now}
	if err := r.store.CreateChannel(ctx, r.ch); err != nil {
		t.Fatal(err)
	}
	r.rcv.SetSecret(r.ch.WebhookSecret)
	r.doc = loadDocument(t)
	r.hc, r.seen = checkedClient(t, r.doc)
	r.admin = client.New(r.url, tokenA, client.WithHTTPClient(r.hc))
	return r
}

// say sends a user message on the desk channel and returns its
// conversation.
func (r *steerRig) say(t *testing.T, userID int64, text string) string {
	t.Helper()
	users := client.New(r.url, r.chToken, client.WithHTTPClient(r.hc))
	if _, err := users.SendMessage(t.Context(), client.SendMessageRequest{ChannelID: r.ch.ID, Message: text, UserID: userID}); err != nil {
		t.Fatalf("SendMessage(%q): %v", text, err)
	}
	cs, err := r.store.ListConversations(t.Context(), r.project, store.ConversationFilter{ChannelID: r.ch.ID, UserID: &userID, Limit: 1})
	if err != nil || len(cs) != 1 {
		t.Fatalf("the conversation of user %d: %v %v", userID, cs, err)
	}
	return cs[0].ID
}

// raw sends a steering request as it is, with a Prefer header (none when
// ""), and decodes the answer.
func (r *steerRig) raw(t *testing.T, method, path, prefer string, body any) (int, http.Header, map[string]any) {
	t.Helper()
	h := http.Header{}
	if prefer != "" {
		h.Set("Prefer", prefer)
	}
	return r.rawWith(t, method, path, h, body)
}

// rawWith sends a steering request with headers, and decodes the answer.
func (r *steerRig) rawWith(t *testing.T, method, path string, header http.Header, body any) (int, http.Header, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, r.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tokenA)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := r.hc.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var m map[string]any
	data, _ := io.ReadAll(resp.Body)
	if len(data) > 0 {
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatalf("%s %s answered %d %q", method, path, resp.StatusCode, data)
		}
	}
	return resp.StatusCode, resp.Header, m
}

// state reads a conversation's flow state from the store.
func (r *steerRig) state(t *testing.T, conversationID string) (store.Conversation, flow.State) {
	t.Helper()
	c, err := r.store.GetConversation(t.Context(), r.project, conversationID)
	if err != nil {
		t.Fatal(err)
	}
	var st flow.State
	if err := json.Unmarshal(c.State, &st); err != nil {
		t.Fatalf("state %q: %v", c.State, err)
	}
	return c, st
}

// delivered waits until the receiver has n deliveries, and returns their
// bodies in arrival order.
func (r *steerRig) delivered(t *testing.T, n int) []map[string]any {
	t.Helper()
	r.rcv.WaitFor(t, 20*time.Second, fmt.Sprintf("%d deliveries", n), func([]testkit.Hit) bool { return len(r.rcv.Delivered()) >= n })
	var out []map[string]any
	for _, h := range r.rcv.Delivered() {
		if !h.Verified {
			t.Errorf("delivery %s is not signed with the channel's secret: %s", h.ID, h.VerifyErr)
		}
		out = append(out, h.JSON(t))
	}
	return out
}

func webhookTexts(bodies []map[string]any) []string {
	var out []string
	for _, b := range bodies {
		out = append(out, fmt.Sprint(b["message"]))
	}
	return out
}

// TestSteeringWaitsForTheTurnInFlight sends commands while a turn waits
// on a slow call: none runs before that turn commits, and then they run in
// the order they came, with the user's messages, so that the conversation
// ends with the turn's work and every command's; the agent's message
// reaches the webhook after the bot's replies before it, with its adminID.
func TestSteeringWaitsForTheTurnInFlight(t *testing.T) {
	t.Parallel()
	for _, db := range steerDatabases(t) {
		t.Run(db, func(t *testing.T) {
			t.Parallel()
			r := newSteerRig(t, db)
			ctx := t.Context()
			conv := r.say(t, 1, "hello")
			r.say(t, 1, "slow")
			<-r.entered // the turn is in flight

			base := "/v1/conversations/" + conv
			status, head, pause := r.raw(t, "POST", base+"/pause", "respond-async", nil)
			if status != http.StatusAccepted || pause["status"] != "pending" || head.Get("Location") != pause["url"] || pause["kind"] != "pause" {
				t.Fatalf("pause while a turn runs = %d %v", status, pause)
			}
			status, _, session := r.raw(t, "PATCH", base+"/session", "respond-async", map[string]any{"vars": map[string]any{"name": "Kim"}})
			if status != http.StatusAccepted {
				t.Fatalf("session while a turn runs = %d %v", status, session)
			}
			r.say(t, 1, "are you there?") // while paused: kept, not answered
			status, _, trigger := r.raw(t, "POST", base+"/trigger", "wait=0", map[string]any{"block": "greet"})
			if status != http.StatusAccepted {
				t.Fatalf("trigger while a turn runs = %d %v", status, trigger)
			}
			// The agent's message waits for all of it, within its request.
			type answer struct {
				sent *client.SentConversationMessage
				err  error
			}
			agent := make(chan answer, 1)
			go func() {
				sent, err := r.admin.SendConversationMessage(ctx, conv, client.OperatorMessage{Text: "Ana here", As: "agent", AdminID: 7})
				agent <- answer{sent, err}
			}()
			// Nothing ran yet: the conversation is as the first turn left it.
			if _, st := r.state(t, conv); st.Held || st.Vars["name"] != "guest" {
				t.Fatalf("a command ran while the turn was in flight: %+v", st)
			}
			r.release()
			got := <-agent
			if got.err != nil || got.sent.Seq == 0 || got.sent.DeliveryID == "" || got.sent.Message.AdminID != 7 || got.sent.Message.As != "agent" {
				t.Fatalf("SendConversationMessage = %+v, %v", got.sent, got.err)
			}

			// Each command is done, its result as its route answers.
			results := map[string]client.ConversationState{}
			for name, c := range map[string]map[string]any{"pause": pause, "session": session, "trigger": trigger} {
				cmd, err := r.admin.GetConversationCommand(ctx, conv, c["id"].(string))
				if err != nil || cmd.Status != client.CommandDone || cmd.DoneAt.IsZero() || cmd.Kind != name {
					t.Fatalf("%s: %+v %v", name, cmd, err)
				}
				var res client.ConversationState
				if err := json.Unmarshal(cmd.Result, &res); err != nil || res.CommandID != cmd.ID {
					t.Fatalf("%s: result %s: %v", name, cmd.Result, err)
				}
				results[name] = res
			}
			if res := results["pause"]; !res.Paused || res.Status != "paused" || res.Vars["answer"] == nil || res.Vars["name"] != "guest" {
				t.Errorf("pause came after the turn: %+v", res)
			}
			if res := results["session"]; !res.Paused || res.Vars["name"] != "Kim" {
				t.Errorf("session: %+v", res)
			}
			if res := results["trigger"]; !res.Paused || res.Block != "ask" || res.Status != "paused" {
				t.Errorf("trigger: %+v", res)
			}
			c, st := r.state(t, conv)
			if !st.Held || c.Status != "paused" || st.Vars["name"] != "Kim" || st.Block != "ask" || st.Last.Text == "are you there?" {
				t.Errorf("final state: %q %+v", c.Status, st)
			}

			// The webhook got the replies in the conversation's order: the
			// first turn's, the slow turn's (with the name as it was), the
			// trigger's (with the session's name), then the agent's, which
			// alone carries adminID. The message sent while paused got none.
			bodies := r.delivered(t, 4)
			want := []string{"hi guest", "called 200 for guest", "hi Kim", "Ana here"}
			if got := webhookTexts(bodies); strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("webhook messages %q, want %q", got, want)
			}
			for i, b := range bodies {
				if _, has := b["adminID"]; has != (i == 3) {
					t.Errorf("webhook body %d: %v", i, b)
				}
			}
			if bodies[3]["adminID"] != 7.0 || bodies[3]["userID"] != 1.0 || bodies[3]["channelID"] != r.ch.ID {
				t.Errorf("the agent's webhook body: %v", bodies[3])
			}
			for _, h := range r.rcv.Delivered() {
				validateWebhook(t, r.doc, "apiChannelReply", h)
			}
		})
	}
}

func TestSteeringAnswersAtOnceWhenNothingRuns(t *testing.T) {
	t.Parallel()
	r := newSteerRig(t, "sqlite")
	ctx := t.Context()
	conv := r.say(t, 1, "hello")

	// A message as the bot, with rich content; answered 201 at once.
	sent, err := r.admin.SendConversationMessage(ctx, conv, client.OperatorMessage{Text: "Did that help?", As: "bot",
		Rich: &client.RichMessage{QuickReplies: []client.QuickReply{{Title: "Yes"}, {Title: "No", Payload: "unsolved"}},
			Buttons: []client.Button{{Title: "Docs", URL: "https://example.com/docs"}}}})
	if err != nil || sent.Message.As != "bot" || sent.Message.AdminID != 0 || len(sent.Message.Rich.QuickReplies) != 2 ||
		sent.Message.Rich.QuickReplies[0].Payload != "Yes" {
		t.Fatalf("SendConversationMessage = %+v, %v", sent, err)
	}
	// Session variables: merged, null deletes, the rest kept.
	st, err := r.admin.SetConversationSession(ctx, conv, map[string]any{"name": "Kim", "plan": "gold", "tags": []any{"vip"}})
	if err != nil || st.Vars["name"] != "Kim" || st.Vars["plan"] != "gold" || st.Status != "input" || st.Paused || st.Block != "ask" {
		t.Fatalf("SetConversationSession = %+v, %v", st, err)
	}
	st, err = r.admin.SetConversationSession(ctx, conv, map[string]any{"plan": nil, "name": nil})
	if _, has := st.Vars["plan"]; err != nil || has || st.Vars["name"] != "guest" || st.Vars["tags"] == nil {
		t.Errorf("deleting variables: %+v, %v", st, err)
	}
	// Pause twice, unpause twice: each is what it says, whatever came
	// before.
	for range 2 {
		if st, err := r.admin.PauseConversation(ctx, conv); err != nil || !st.Paused || st.Status != "paused" {
			t.Errorf("PauseConversation = %+v, %v", st, err)
		}
	}
	if status, _, _ := r.raw(t, "POST", "/v1/conversations/"+conv+"/pause", "", map[string]any{}); status != http.StatusOK {
		t.Errorf("pause with {} = %d", status)
	}
	r.say(t, 1, "books") // not answered
	for range 2 {
		if st, err := r.admin.UnpauseConversation(ctx, conv); err != nil || st.Paused || st.Status != "input" {
			t.Errorf("UnpauseConversation = %+v, %v", st, err)
		}
	}
	r.say(t, 1, "music")
	// A trigger, with variables set first.
	st, err = r.admin.TriggerBlock(ctx, conv, client.TriggerRequest{Block: "greet", Vars: map[string]any{"name": "Lee"}})
	if err != nil || st.Block != "ask" || st.Vars["name"] != "Lee" {
		t.Errorf("TriggerBlock = %+v, %v", st, err)
	}
	bodies := r.delivered(t, 4)
	want := []string{"hi guest", "Did that help?", "about music, guest", "hi Lee"}
	if got := webhookTexts(bodies); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("webhook messages %q, want %q", got, want)
	}
	if rich, _ := bodies[1]["rich"].(map[string]any); rich == nil || rich["buttons"] == nil || bodies[1]["quickReplies"] == nil {
		t.Errorf("the rich message's webhook body: %v", bodies[1])
	}
	// The stored message says who sent it.
	msgs, err := r.store.Messages(ctx, r.project, conv)
	if err != nil {
		t.Fatal(err)
	}
	var sentPayload map[string]any
	for _, m := range msgs {
		if m.Seq == sent.Seq {
			_ = json.Unmarshal(m.Payload, &sentPayload)
		}
	}
	if sentPayload["as"] != "bot" || sentPayload["text"] != "Did that help?" {
		t.Errorf("the stored message's payload: %v", sentPayload)
	}
	for _, route := range []string{"POST /v1/conversations/{conversationID}/messages", "PATCH /v1/conversations/{conversationID}/session",
		"POST /v1/conversations/{conversationID}/pause", "POST /v1/conversations/{conversationID}/unpause", "POST /v1/conversations/{conversationID}/trigger"} {
		if got := r.seen.statuses(route); len(got) == 0 || got[0] != 200 && got[0] != 201 {
			t.Errorf("%s answered %v, want at once", route, got)
		}
	}
}

func TestSteeringWithAnIdempotencyKey(t *testing.T) {
	t.Parallel()
	r := newSteerRig(t, "sqlite")
	conv := r.say(t, 1, "hello")
	base := "/v1/conversations/" + conv
	key := func(k string) http.Header { return http.Header{"Idempotency-Key": {k}} }

	// A message sent twice with one key goes out once; the second request
	// gets the first answer.
	msg := map[string]any{"text": "Ana here", "as": "agent", "adminID": 7}
	status, _, first := r.rawWith(t, "POST", base+"/messages", key("msg-1"), msg)
	status2, head2, second := r.rawWith(t, "POST", base+"/messages", key("msg-1"), msg)
	if status != http.StatusCreated || status2 != http.StatusCreated || head2.Get("Idempotent-Replayed") != "true" ||
		fmt.Sprint(first) != fmt.Sprint(second) {
		t.Errorf("the same key twice: %d %v, then %d %v", status, first, status2, second)
	}
	status, _, _ = r.rawWith(t, "POST", base+"/messages", key("msg-1"), map[string]any{"text": "other", "as": "bot"})
	if status != http.StatusUnprocessableEntity {
		t.Errorf("the key with another body = %d, want 422", status)
	}

	// A command stored behind a turn in flight keeps its 202: a replay
	// points at the command, which has run since.
	r.say(t, 1, "slow")
	<-r.entered
	status, _, pending := r.rawWith(t, "POST", base+"/pause", http.Header{"Idempotency-Key": {"pause-1"}, "Prefer": {"respond-async"}}, nil)
	if status != http.StatusAccepted {
		t.Fatalf("pause behind a turn = %d %v", status, pending)
	}
	r.release()
	cmd, err := r.admin.PauseConversation(t.Context(), conv, client.IdempotencyKey("pause-1")) // follows the kept 202
	if err != nil || !cmd.Paused || cmd.CommandID != pending["id"] {
		t.Errorf("PauseConversation with the key again = %+v, %v; want command %v", cmd, err, pending["id"])
	}
	bodies := r.delivered(t, 3)
	if got := webhookTexts(bodies); strings.Join(got, "|") != "hi guest|Ana here|called 200 for guest" {
		t.Errorf("webhook messages %q", got)
	}
	if _, st := r.state(t, conv); !st.Held {
		t.Errorf("not paused: %+v", st)
	}
}

func TestSteeringRefusesBadRequests(t *testing.T) {
	t.Parallel()
	r := newSteerRig(t, "sqlite")
	conv := r.say(t, 1, "hello")
	base := "/v1/conversations/" + conv
	for _, tc := range []struct {
		name, method, path, prefer string
		body                       any
		status                     int
		pointer, detail            string
	}{
		{"no as", "POST", base + "/messages", "", map[string]any{"text": "hi"}, 400, "/as", `as is required: "bot" or "agent"`},
		{"unknown as", "POST", base + "/messages", "", map[string]any{"text": "hi", "as": "human"}, 400, "/as", `as must be "bot" or "agent", not "human"`},
		{"agent without adminID", "POST", base + "/messages", "", map[string]any{"text": "hi", "as": "agent"}, 400, "/adminID", "adminID is required"},
		{"adminID as a string", "POST", base + "/messages", "", map[string]any{"text": "hi", "as": "agent", "adminID": "7"}, 400, "/adminID", "must be a number"},
		{"adminID of a bot", "POST", base + "/messages", "", map[string]any{"text": "hi", "as": "bot", "adminID": 7}, 400, "/adminID", `adminID is for messages sent as "agent"`},
		{"adminID 0", "POST", base + "/messages", "", map[string]any{"text": "hi", "as": "agent", "adminID": 0}, 400, "/adminID", "from 1"},
		{"empty message", "POST", base + "/messages", "", map[string]any{"text": "  ", "as": "bot"}, 400, "/text", "the message is empty"},
		{"button without target", "POST", base + "/messages", "", map[string]any{"as": "bot", "rich": map[string]any{"buttons": []any{map[string]any{"title": "x"}}}},
			400, "/rich/buttons/0", "a payload, a url or a webview"},
		{"image not a URL", "POST", base + "/messages", "", map[string]any{"as": "bot", "rich": map[string]any{"image": "file:///etc/passwd"}}, 400, "/rich/image", "http or https"},
		{"unknown rich field", "POST", base + "/messages", "", map[string]any{"as": "bot", "rich": map[string]any{"video": "x"}}, 400, "/rich/video", "unknown field"},
		{"no vars", "PATCH", base + "/session", "", map[string]any{}, 400, "/vars", "vars is required"},
		{"reserved var", "PATCH", base + "/session", "", map[string]any{"vars": map[string]any{"user": 1}}, 400, "/vars/user", "reserved name"},
		{"bad var name", "PATCH", base + "/session", "", map[string]any{"vars": map[string]any{"a/b": 1}}, 400, "/vars/a~1b", "a variable name starts with"},
		{"no block", "POST", base + "/trigger", "", map[string]any{}, 400, "/block", "block is required"},
		{"unknown block", "POST", base + "/trigger", "", map[string]any{"block": "gret"}, 422, "/block", `no block "gret" in bot "desk" (did you mean "greet"?)`},
		{"pause with a field", "POST", base + "/pause", "", map[string]any{"reason": "x"}, 400, "/reason", "unknown field"},
		{"bad Prefer", "POST", base + "/pause", "wait=soon", nil, 400, "", "Prefer: wait= takes a whole number of seconds"},
		{"no conversation", "POST", "/v1/conversations/conv_nothere/pause", "", nil, 404, "", "not found"},
		{"no command", "GET", base + "/commands/cmd_nothere", "", nil, 404, "", "not found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, _, m := r.raw(t, tc.method, tc.path, tc.prefer, tc.body)
			if status != tc.status || fmt.Sprint(m["pointer"]) != fmt.Sprint(orNil(tc.pointer)) || !strings.Contains(fmt.Sprint(m["detail"]), tc.detail) {
				t.Errorf("%d %v, want %d %q at %q", status, m, tc.status, tc.detail, tc.pointer)
			}
		})
	}
	// None of it changed the conversation.
	if c, st := r.state(t, conv); c.Status != "input" || st.Held || st.Vars["name"] != "guest" {
		t.Errorf("after the refused requests: %q %+v", c.Status, st)
	}
	// Another project sees none of it.
	other := client.New(r.url, tokenB, client.WithHTTPClient(r.hc))
	if _, err := other.PauseConversation(t.Context(), conv); err == nil {
		t.Error("another project paused the conversation")
	} else {
		wantError(t, err, http.StatusNotFound, "not found")
	}
}

func orNil(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// TestSteeringAfterAHandover unpauses a conversation that a handover block
// paused: the flow goes on at the handover's next.
func TestSteeringAfterAHandover(t *testing.T) {
	t.Parallel()
	r := newSteerRig(t, "sqlite")
	ctx := t.Context()
	conv := r.say(t, 1, "hello")
	r.say(t, 1, "human")
	if c, _ := r.state(t, conv); c.Status != "paused" {
		t.Fatalf("after the handover: %q", c.Status)
	}
	if _, err := r.admin.SendConversationMessage(ctx, conv, client.OperatorMessage{Text: "Ana here, solved.", As: "agent", AdminID: 3}); err != nil {
		t.Fatal(err)
	}
	st, err := r.admin.UnpauseConversation(ctx, conv)
	if err != nil || st.Paused || st.Status != "input" || st.Block != "ask" {
		t.Errorf("UnpauseConversation after a handover = %+v, %v", st, err)
	}
	want := []string{"hi guest", "An agent will help you.", "Ana here, solved.", "the bot again, guest"}
	if got := webhookTexts(r.delivered(t, 4)); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("webhook messages %q, want %q", got, want)
	}
}

// steeringCommand stores a pause of project A's conversation (left
// pending: the test server runs no turns) and returns its id and the
// conversation as it then stands, for the cross-project test.
func (e *env) steeringCommand(t *testing.T, conversationID string) (string, store.Conversation) {
	t.Helper()
	ctx := context.Background()
	res, err := e.store.SubmitCommand(ctx, store.Submission{Command: store.Command{ID: store.NewID("cmd"), ProjectID: e.projectA,
		ConversationID: conversationID, Kind: store.CommandPause, CreatedAt: time.Now()}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.store.GetConversation(ctx, e.projectA, conversationID)
	if err != nil {
		t.Fatal(err)
	}
	return res.Command.ID, c
}

// steeredUnchanged fails the test unless project A's conversation and its
// command are as steeringCommand left them.
func (e *env) steeredUnchanged(t *testing.T, conversationID, commandID string, before store.Conversation) {
	t.Helper()
	ctx := context.Background()
	c, err := e.store.GetConversation(ctx, e.projectA, conversationID)
	if err != nil || !c.UpdatedAt.Equal(before.UpdatedAt) || c.HandledSeq != before.HandledSeq || !bytes.Equal(c.State, before.State) {
		t.Errorf("A's conversation after the other's attempts: %+v %v, was %+v", c, err, before)
	}
	cmd, err := e.store.GetCommand(ctx, e.projectA, conversationID, commandID)
	if err != nil || cmd.Status != store.CommandPending || cmd.Kind != store.CommandPause {
		t.Errorf("A's command after the other's attempts: %+v %v", cmd, err)
	}
}

// driveSteering drives every steering route through the client, against
// the server of TestEveryRouteThroughTheClient, on a channel of its own
// whose webhook receiver it checks: the agent's message is delivered
// signed, after the bot's replies before it, with its adminID.
func driveSteering(t *testing.T, url string, admin *client.Client, hc *http.Client, doc *document) {
	t.Helper()
	ctx := t.Context()
	rcv := testkit.NewReceiver(t)
	ch, err := admin.CreateChannel(ctx, client.CreateChannelRequest{Bot: "echo", WebhookURL: rcv.URL})
	if err != nil {
		t.Fatal(err)
	}
	rcv.SetSecret(ch.WebhookSecret)
	users := client.New(url, ch.Token, client.WithHTTPClient(hc))
	if _, err := users.SendMessage(ctx, client.SendMessageRequest{ChannelID: ch.ChannelID, Message: "hi", UserID: 1}); err != nil {
		t.Fatal(err)
	}
	list, err := admin.ListConversations(ctx, client.ListConversationsOptions{ChannelID: ch.ChannelID})
	if err != nil || len(list.Conversations) != 1 {
		t.Fatalf("ListConversations = %+v, %v", list, err)
	}
	conv := list.Conversations[0].ID

	sent, err := admin.SendConversationMessage(ctx, conv, client.OperatorMessage{Text: "Ana here", As: "agent", AdminID: 7})
	if err != nil || sent.Seq == 0 || sent.DeliveryID == "" || sent.Message.AdminID != 7 {
		t.Errorf("SendConversationMessage = %+v, %v", sent, err)
	}
	_, err = admin.SendConversationMessage(ctx, conv, client.OperatorMessage{Text: "Ana here", As: "agent"})
	if e := wantError(t, err, http.StatusBadRequest, "adminID is required"); e.Pointer != "/adminID" {
		t.Errorf("pointer %q", e.Pointer)
	}
	if st, err := admin.SetConversationSession(ctx, conv, map[string]any{"plan": "gold"}); err != nil || st.Vars["plan"] != "gold" || st.Status != "input" {
		t.Errorf("SetConversationSession = %+v, %v", st, err)
	}
	if st, err := admin.PauseConversation(ctx, conv); err != nil || !st.Paused || st.Status != "paused" {
		t.Errorf("PauseConversation = %+v, %v", st, err)
	}
	st, err := admin.UnpauseConversation(ctx, conv)
	if err != nil || st.Paused || st.Status != "input" || st.Block != "listen" {
		t.Errorf("UnpauseConversation = %+v, %v", st, err)
	}
	if st, err = admin.TriggerBlock(ctx, conv, client.TriggerRequest{Block: "reply"}); err != nil || st.Block != "listen" {
		t.Errorf("TriggerBlock = %+v, %v", st, err)
	}
	_, err = admin.TriggerBlock(ctx, conv, client.TriggerRequest{Block: "replyy"})
	if e := wantError(t, err, http.StatusUnprocessableEntity, `no block "replyy" in bot "echo" (did you mean "reply"?)`); e.Pointer != "/block" {
		t.Errorf("pointer %q", e.Pointer)
	}
	cmd, err := admin.GetConversationCommand(ctx, conv, st.CommandID)
	if err != nil || cmd.Status != client.CommandDone || cmd.Kind != "trigger" || len(cmd.Result) == 0 {
		t.Errorf("GetConversationCommand = %+v, %v", cmd, err)
	}
	_, err = admin.GetConversationCommand(ctx, conv, "cmd_nothere")
	wantError(t, err, http.StatusNotFound, "not found")
	_, err = admin.PauseConversation(ctx, "conv_nothere")
	wantError(t, err, http.StatusNotFound, "not found")

	// The bot's greeting (four messages), the agent's message, then the
	// trigger's echo of the last input.
	rcv.WaitFor(t, 20*time.Second, "six deliveries", func([]testkit.Hit) bool { return len(rcv.Delivered()) >= 6 })
	got := rcv.Delivered()
	if agent := got[4].JSON(t); agent["message"] != "Ana here" || agent["adminID"] != 7.0 {
		t.Errorf("the fifth delivery is %s, want the agent's message with adminID 7", got[4].Body)
	}
	if echo := got[5].JSON(t); echo["message"] != "echo hi" {
		t.Errorf("the sixth delivery is %s, want the trigger's echo", got[5].Body)
	}
	for _, h := range got {
		if !h.Verified {
			t.Errorf("delivery %s is not signed with the channel's secret: %s", h.ID, h.VerifyErr)
		}
		validateWebhook(t, doc, "apiChannelReply", h)
	}
}
