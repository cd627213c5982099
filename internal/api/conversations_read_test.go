package api_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/confab/confab/internal/api"
	"github.com/confab/confab/internal/app"
	"github.com/confab/confab/internal/block"
	"github.com/confab/confab/internal/flow"
	"github.com/confab/confab/internal/store"
)

// readSecret is a secret the bots of readEnv see.
const readSecret = "sk-live-0123456789abcdef"

// shopBot is a bot with intents and entities, for the NLP route.
const shopBot = `confab: 1
id: shop
name: Shop
description: Sells pizzas.
start: ask
intents:
  order: ["I want to order a pizza", "order a pizza please", "buy a pizza"]
  cancel: ["cancel my order", "stop the order"]
entities:
  size:
    values:
      large: [big, huge]
      small: [little]
blocks:
  ask:
    type: input
    next: done
  done:
    type: end
    messages: ["ok"]
`

// readEnv is newEnv's store and projects behind a server whose bots are
// the server's own (app.Bots) loaded from a folder of the test: echo and
// shop, seeing readSecret as secret.KEY.
type readEnv struct {
	*env
	dir  string
	bots *app.Bots
}

func newReadEnv(t *testing.T) *readEnv {
	t.Helper()
	base := newEnv(t)
	dir := t.TempDir()
	echo, err := os.ReadFile("testdata/bots/echo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "echo.yaml"), string(echo))
	writeFile(t, filepath.Join(dir, "shop.yaml"), shopBot)
	bots, problems, err := app.LoadBots(dir, block.Builtin(), flow.Options{Secrets: map[string]string{"KEY": readSecret}})
	if err != nil {
		t.Fatalf("LoadBots: %v %s", err, problems)
	}
	srv := httptest.NewServer(api.New(api.Deps{Store: base.store, Bots: bots, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	t.Cleanup(srv.Close)
	e := &env{url: srv.URL, store: base.store, projectA: base.projectA, projectB: base.projectB}
	return &readEnv{env: e, dir: dir, bots: bots}
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

// message stores a user's message on a channel of A at `at`.
func (e *env) message(t *testing.T, channelID string, in store.Inbound, at time.Time) store.Accepted {
	t.Helper()
	in.ProjectID, in.ChannelID, in.Now = e.projectA, channelID, at
	if in.Bot == "" {
		in.Bot = "echo"
	}
	if in.Text == "" {
		in.Text = "hi"
	}
	acc, err := e.store.Accept(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return acc
}

// turn claims a conversation's turn and commits r for it.
func (e *env) turn(t *testing.T, r store.TurnResult) {
	t.Helper()
	ctx := context.Background()
	if _, err := e.store.ClaimTurns(ctx, store.Lease{Owner: "t", Now: r.Now, Until: r.Now.Add(time.Minute)}, 100); err != nil {
		t.Fatal(err)
	}
	r.Owner = "t"
	if _, err := e.store.CompleteTurn(ctx, r); err != nil {
		t.Fatalf("CompleteTurn: %v", err)
	}
}

// get GETs path with A's token and decodes a 200 answer into out.
func (e *env) get(t *testing.T, path string, out any) {
	t.Helper()
	a := e.do(t, "GET", path, tokenA, nil)
	if a.status != http.StatusOK {
		t.Fatalf("GET %s = %d %s", path, a.status, a.body)
	}
	if ct := a.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("GET %s: Content-Type %q", path, ct)
	}
	if err := json.Unmarshal(a.body, out); err != nil {
		t.Fatalf("GET %s: %v in %s", path, err, a.body)
	}
}

type conversationPage struct {
	Conversations []struct {
		ID, Bot, ChannelID, SenderID, Status, CreatedAt, UpdatedAt, LastMessageAt string
		UserID                                                                    int64
	}
	NextCursor string
}

func (p conversationPage) ids() []string {
	out := []string{}
	for _, c := range p.Conversations {
		out = append(out, c.ID)
	}
	return out
}

func TestListConversationsFiltersAndPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	web := e.createChannel(t, tokenA, map[string]any{"channelID": "web"})
	app := e.createChannel(t, tokenA, map[string]any{"channelID": "app", "bot": "shop"})
	theirs := e.createChannel(t, tokenB, map[string]any{"channelID": "theirs"})
	start := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
	seven := int64(7)
	alice := e.message(t, web.ChannelID, store.Inbound{SenderID: "alice"}, start)
	bob := e.message(t, web.ChannelID, store.Inbound{UserID: &seven}, start.Add(time.Second))
	carol := e.message(t, app.ChannelID, store.Inbound{SenderID: "7", Bot: "shop"}, start.Add(2*time.Second))
	if _, err := e.store.Accept(context.Background(), store.Inbound{ProjectID: e.projectB, ChannelID: theirs.ChannelID, Bot: "echo", SenderID: "alice", Text: "hi", Now: start}); err != nil {
		t.Fatal(err)
	}
	// Bob waits for input after a turn at 3 s; the others are new.
	e.turn(t, store.TurnResult{ConversationID: bob.ConversationID, State: []byte(`{"status":"input","block":"listen","vars":{}}`), Status: "input",
		HandledSeq: bob.Seq, Outgoing: []store.Outgoing{{Text: "ready"}}, Now: start.Add(3 * time.Second)})

	var all conversationPage
	e.get(t, "/v1/conversations", &all)
	if got := all.ids(); !slices.Equal(got, []string{bob.ConversationID, carol.ConversationID, alice.ConversationID}) || all.NextCursor != "" {
		t.Fatalf("the list %v (next %q), want bob, carol, alice", got, all.NextCursor)
	}
	b := all.Conversations[0]
	if b.Bot != "echo" || b.ChannelID != "web" || b.UserID != 7 || b.SenderID != "" || b.Status != "input" ||
		b.CreatedAt != "2026-11-22T03:00:01Z" || b.UpdatedAt != "2026-11-22T03:00:03Z" || b.LastMessageAt != "2026-11-22T03:00:03Z" {
		t.Errorf("bob's conversation %+v", b)
	}
	if a := all.Conversations[2]; a.Status != "new" || a.SenderID != "alice" || a.LastMessageAt != "2026-11-22T03:00:00Z" {
		t.Errorf("alice's conversation %+v", a)
	}

	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"bot=shop", []string{carol.ConversationID}},
		{"channel=web", []string{bob.ConversationID, alice.ConversationID}},
		{"channel=theirs", nil},
		{"status=input", []string{bob.ConversationID}},
		{"status=new", []string{carol.ConversationID, alice.ConversationID}},
		{"user=alice", []string{alice.ConversationID}},
		{"user=7", []string{bob.ConversationID, carol.ConversationID}}, // user 7 and sender "7"
		{"updatedSince=2026-11-22T03:00:02Z", []string{bob.ConversationID, carol.ConversationID}},
		{"updatedSince=2026-11-22T04:00:02%2B01:00", []string{bob.ConversationID, carol.ConversationID}},
		{"channel=web&user=alice&status=new", []string{alice.ConversationID}},
		{"bot=nobot", nil},
	} {
		var page conversationPage
		e.get(t, "/v1/conversations?"+tc.query, &page)
		if got := page.ids(); !slices.Equal(got, append([]string{}, tc.want...)) {
			t.Errorf("?%s = %v, want %v", tc.query, got, tc.want)
		}
	}

	// Pages of one, then of two.
	for _, size := range []string{"1", "2"} {
		var got []string
		cursor := ""
		for range 5 {
			var page conversationPage
			e.get(t, "/v1/conversations?limit="+size+"&cursor="+cursor, &page)
			got = append(got, page.ids()...)
			if cursor = page.NextCursor; cursor == "" {
				break
			}
		}
		if !slices.Equal(got, all.ids()) {
			t.Errorf("pages of %s: %v, want %v", size, got, all.ids())
		}
	}

	// B sees its own conversation only.
	var theirsPage conversationPage
	a := e.do(t, "GET", "/v1/conversations", tokenB, nil)
	if err := json.Unmarshal(a.body, &theirsPage); err != nil || len(theirsPage.Conversations) != 1 || theirsPage.Conversations[0].ChannelID != "theirs" {
		t.Errorf("B's list = %d %s", a.status, a.body)
	}

	for _, tc := range []struct{ query, detail string }{
		{"limit=0", "limit must be a number from 1 to 200"},
		{"limit=201", "limit must be a number from 1 to 200"},
		{"limit=x", "limit must be a number from 1 to 200"},
		{"cursor=!!!", "cursor is not valid"},
		{"cursor=" + base64.RawURLEncoding.EncodeToString([]byte("m,3")), "cursor is not valid"},
		{"cursor=" + base64.RawURLEncoding.EncodeToString([]byte("c,x,conv_1")), "cursor is not valid"},
		{"updatedSince=yesterday", "updatedSince must be an RFC 3339 time"},
	} {
		wantProblem(t, e.do(t, "GET", "/v1/conversations?"+tc.query, tokenA, nil), http.StatusBadRequest, "", tc.detail)
	}
}

func TestGetConversationShowsWhereTheFlowStands(t *testing.T) {
	t.Parallel()
	e := newReadEnv(t)
	web := e.createChannel(t, tokenA, map[string]any{})
	now := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
	acc := e.message(t, web.ChannelID, store.Inbound{SenderID: "alice"}, now)
	fresh := e.message(t, web.ChannelID, store.Inbound{SenderID: "bob"}, now)
	state := `{"status":"input","block":"ask_size","vars":{"size":null,"qty":2,"token":"` + readSecret + `","nested":{"list":["a ` + readSecret + `"]}},"last":{"text":"hi"}}`
	e.turn(t, store.TurnResult{ConversationID: acc.ConversationID, State: []byte(state), Status: "input", HandledSeq: acc.Seq, Now: now.Add(time.Second)})

	a := e.do(t, "GET", "/v1/conversations/"+acc.ConversationID, tokenA, nil)
	if a.status != http.StatusOK || strings.Contains(string(a.body), readSecret) {
		t.Fatalf("GET the conversation = %d %s", a.status, a.body)
	}
	var got map[string]any
	if err := json.Unmarshal(a.body, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"id": acc.ConversationID, "bot": "echo", "channelID": web.ChannelID, "userID": float64(acc.UserID), "senderID": "alice",
		"status": "input", "block": "ask_size", "createdAt": "2026-11-22T03:00:00Z", "updatedAt": "2026-11-22T03:00:01Z", "lastMessageAt": "2026-11-22T03:00:00Z",
		"vars": map[string]any{"size": nil, "qty": float64(2), "token": "[redacted]", "nested": map[string]any{"list": []any{"a [redacted]"}}}}
	if !jsonEqual(got, want) {
		t.Errorf("the conversation\n%v\nwant\n%v", got, want)
	}

	// Before its first turn: new, no block, no variables.
	a = e.do(t, "GET", "/v1/conversations/"+fresh.ConversationID, tokenA, nil)
	if m := a.json(t); a.status != http.StatusOK || m["status"] != "new" || m["block"] != nil || len(m["vars"].(map[string]any)) != 0 {
		t.Errorf("a new conversation = %d %s", a.status, a.body)
	}

	for _, id := range []string{"conv_nothing", acc.ConversationID + "x"} {
		wantProblem(t, e.do(t, "GET", "/v1/conversations/"+id, tokenA, nil), http.StatusNotFound, "", "not found")
	}
	wantProblem(t, e.do(t, "GET", "/v1/conversations/"+acc.ConversationID, tokenB, nil), http.StatusNotFound, "", "not found")
}

// jsonEqual compares two decoded JSON values.
func jsonEqual(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

type messagePage struct {
	Messages []struct {
		Seq         int64           `json:"seq"`
		Direction   string          `json:"direction"`
		Text        string          `json:"text"`
		Rich        json.RawMessage `json:"rich"`
		As          string          `json:"as"`
		AdminID     int64           `json:"adminID"`
		Attachments []map[string]string
		CreatedAt   string `json:"createdAt"`
	}
	NextCursor string
}

func (p messagePage) seqs() []int64 {
	out := []int64{}
	for _, m := range p.Messages {
		out = append(out, m.Seq)
	}
	return out
}

func TestListMessagesPagesBothWays(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	web := e.createChannel(t, tokenA, map[string]any{})
	now := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
	acc := e.message(t, web.ChannelID, store.Inbound{SenderID: "alice", Text: "look", Attachments: []store.Attachment{{URL: "https://example.com/a.png"}}}, now)
	rich, _ := json.Marshal(flow.Message{Text: "Pick one", QuickReplies: []flow.QuickReply{{Title: "A", Payload: "a"}}})
	agent := []byte(`{"text":"I am here","as":"agent","adminID":3}`)
	e.turn(t, store.TurnResult{ConversationID: acc.ConversationID, State: []byte(`{}`), HandledSeq: acc.Seq, Now: now.Add(time.Second),
		Outgoing: []store.Outgoing{{Text: "Pick one", Payload: rich}, {Text: "plain", Payload: []byte(`{"text":"plain"}`)}, {Text: "I am here", Payload: agent}}})
	for i := range 3 {
		e.message(t, web.ChannelID, store.Inbound{SenderID: "alice", Text: "more"}, now.Add(time.Duration(2+i)*time.Second))
	}

	var all messagePage
	e.get(t, "/v1/conversations/"+acc.ConversationID+"/messages", &all)
	if got := all.seqs(); !slices.Equal(got, []int64{1, 2, 3, 4, 5, 6, 7}) || all.NextCursor != "" {
		t.Fatalf("all messages %v (next %q)", got, all.NextCursor)
	}
	m := all.Messages
	if m[0].Direction != "in" || m[0].Text != "look" || len(m[0].Attachments) != 1 || m[0].Attachments[0]["url"] != "https://example.com/a.png" || m[0].Rich != nil ||
		m[0].CreatedAt != "2026-11-22T03:00:00Z" {
		t.Errorf("the user's message %+v", m[0])
	}
	if m[1].Direction != "out" || m[1].Text != "Pick one" || string(m[1].Rich) != `{"quickReplies":[{"title":"A","payload":"a"}]}` || m[1].As != "" {
		t.Errorf("the bot's message %+v rich %s", m[1], m[1].Rich)
	}
	if m[2].Rich != nil || m[2].Text != "plain" {
		t.Errorf("a plain message has rich %s", m[2].Rich)
	}
	if m[3].As != "agent" || m[3].AdminID != 3 || m[3].Rich != nil {
		t.Errorf("an agent's message %+v", m[3])
	}

	for _, tc := range []struct {
		query string
		want  []int64
	}{
		{"order=desc&limit=3", []int64{7, 6, 5}},
		{"after=2&limit=2", []int64{3, 4}},
		{"before=4&order=desc", []int64{3, 2, 1}},
		{"after=2&before=5", []int64{3, 4}},
		{"after=7", nil},
		{"order=asc&after=0", []int64{1, 2, 3, 4, 5, 6, 7}},
	} {
		var page messagePage
		e.get(t, "/v1/conversations/"+acc.ConversationID+"/messages?"+tc.query, &page)
		if got := page.seqs(); !slices.Equal(got, append([]int64{}, tc.want...)) {
			t.Errorf("?%s = %v, want %v", tc.query, got, tc.want)
		}
	}
	// Pages follow the order asked for, within the bounds.
	for _, tc := range []struct {
		query string
		want  []int64
	}{
		{"limit=3", []int64{1, 2, 3, 4, 5, 6, 7}},
		{"limit=2&order=desc", []int64{7, 6, 5, 4, 3, 2, 1}},
		{"limit=2&order=desc&before=6&after=1", []int64{5, 4, 3, 2}},
	} {
		var got []int64
		cursor := ""
		for range 10 {
			var page messagePage
			e.get(t, "/v1/conversations/"+acc.ConversationID+"/messages?"+tc.query+"&cursor="+cursor, &page)
			got = append(got, page.seqs()...)
			if cursor = page.NextCursor; cursor == "" {
				break
			}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("pages of ?%s: %v, want %v", tc.query, got, tc.want)
		}
	}

	path := "/v1/conversations/" + acc.ConversationID + "/messages?"
	for _, tc := range []struct{ query, detail string }{
		{"order=newest", `order must be "asc" or "desc"`},
		{"after=-1", "after must be a message's seq"},
		{"before=x", "before must be a message's seq"},
		{"limit=500", "limit must be a number from 1 to 200"},
		{"cursor=" + base64.RawURLEncoding.EncodeToString([]byte("l,3")), "cursor is not valid"},
		{"cursor=" + base64.RawURLEncoding.EncodeToString([]byte("m,0")), "cursor is not valid"},
	} {
		wantProblem(t, e.do(t, "GET", path+tc.query, tokenA, nil), http.StatusBadRequest, "", tc.detail)
	}
	wantProblem(t, e.do(t, "GET", "/v1/conversations/conv_nothing/messages", tokenA, nil), http.StatusNotFound, "", "not found")
	wantProblem(t, e.do(t, "GET", path, tokenB, nil), http.StatusNotFound, "", "not found")
}

type logPage struct {
	Logs []struct {
		Seq   int64            `json:"seq"`
		At    string           `json:"at"`
		Steps []map[string]any `json:"steps"`
	}
	NextCursor string
}

func TestListLogsPagesTheTurns(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	web := e.createChannel(t, tokenA, map[string]any{})
	now := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
	var conv string
	for i := range 5 {
		at := now.Add(time.Duration(i) * time.Second)
		acc := e.message(t, web.ChannelID, store.Inbound{SenderID: "alice"}, at)
		conv = acc.ConversationID
		e.turn(t, store.TurnResult{ConversationID: acc.ConversationID, State: []byte(`{}`), HandledSeq: acc.Seq, Now: at,
			Log: []byte(`[{"kind":"enter","block":"b` + string(rune('0'+i)) + `","type":"input"},{"kind":"call","block":"c","detail":"GET https://x.example/","status":200,"latencyMs":1.5}]`)})
	}
	var all logPage
	e.get(t, "/v1/conversations/"+conv+"/logs", &all)
	if len(all.Logs) != 5 || all.NextCursor != "" {
		t.Fatalf("logs %+v", all)
	}
	first := all.Logs[0]
	if first.Seq != 1 || first.At != "2026-11-22T03:00:00Z" || len(first.Steps) != 2 || first.Steps[0]["block"] != "b0" ||
		first.Steps[1]["status"] != float64(200) || first.Steps[1]["latencyMs"] != 1.5 {
		t.Errorf("the first turn's log %+v", first)
	}
	blocks := func(p logPage) []string {
		out := []string{}
		for _, l := range p.Logs {
			out = append(out, l.Steps[0]["block"].(string))
		}
		return out
	}
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"limit=2", []string{"b0", "b1", "b2", "b3", "b4"}},
		{"limit=2&order=desc", []string{"b4", "b3", "b2", "b1", "b0"}},
		{"limit=200&order=desc", []string{"b4", "b3", "b2", "b1", "b0"}},
	} {
		var got []string
		cursor := ""
		for range 10 {
			var page logPage
			e.get(t, "/v1/conversations/"+conv+"/logs?"+tc.query+"&cursor="+cursor, &page)
			got = append(got, blocks(page)...)
			if cursor = page.NextCursor; cursor == "" {
				break
			}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("pages of ?%s: %v, want %v", tc.query, got, tc.want)
		}
	}
	wantProblem(t, e.do(t, "GET", "/v1/conversations/"+conv+"/logs?order=up", tokenA, nil), http.StatusBadRequest, "", `order must be "asc" or "desc"`)
	wantProblem(t, e.do(t, "GET", "/v1/conversations/"+conv+"/logs?cursor=bSwx", tokenA, nil), http.StatusBadRequest, "", "cursor is not valid")
	wantProblem(t, e.do(t, "GET", "/v1/conversations/"+conv+"/logs", tokenB, nil), http.StatusNotFound, "", "not found")
	wantProblem(t, e.do(t, "GET", "/v1/conversations/conv_nothing/logs", tokenA, nil), http.StatusNotFound, "", "not found")
}

type botAnswer struct {
	ID, Name, Description string
	Version               versionAnswer
	Channels              []string
	Versions              []versionAnswer
}

type versionAnswer struct {
	Hash, LoadedAt, Source string
}

func TestBotsShowTheirVersionsAndTheProjectsChannels(t *testing.T) {
	t.Parallel()
	e := newReadEnv(t)
	web := e.createChannel(t, tokenA, map[string]any{"bot": "shop"})
	e.createChannel(t, tokenB, map[string]any{"bot": "shop", "channelID": "b-secret-channel"})

	var list struct{ Bots []botAnswer }
	e.get(t, "/v1/bots", &list)
	if len(list.Bots) != 2 || list.Bots[0].ID != "echo" || list.Bots[1].ID != "shop" {
		t.Fatalf("bots %+v", list)
	}
	echo, shop := list.Bots[0], list.Bots[1]
	if len(echo.Channels) != 0 || echo.Versions != nil || len(echo.Version.Hash) != 64 || echo.Version.Source != filepath.Join(e.dir, "echo.yaml") {
		t.Errorf("echo %+v", echo)
	}
	if shop.Name != "Shop" || shop.Description != "Sells pizzas." || !slices.Equal(shop.Channels, []string{web.ChannelID}) {
		t.Errorf("shop %+v: it runs on A's channel only", shop)
	}
	if _, err := time.Parse(time.RFC3339Nano, shop.Version.LoadedAt); err != nil {
		t.Errorf("loadedAt %q: %v", shop.Version.LoadedAt, err)
	}

	var one botAnswer
	e.get(t, "/v1/bots/shop", &one)
	if one.Version != shop.Version || len(one.Versions) != 1 || one.Versions[0] != shop.Version {
		t.Errorf("GET /v1/bots/shop = %+v", one)
	}
	wantProblem(t, e.do(t, "GET", "/v1/bots/nobot", tokenA, nil), http.StatusNotFound, "", "not found")
	wantProblem(t, e.do(t, "POST", "/v1/bots/nobot/reload", tokenA, nil), http.StatusNotFound, "", "not found")
}

type reloadAnswer struct {
	Bot      botAnswer
	Changed  bool
	Warnings []string
}

func TestReloadServesTheNewVersionOrKeepsTheOld(t *testing.T) {
	t.Parallel()
	e := newReadEnv(t)
	file := filepath.Join(e.dir, "shop.yaml")
	reload := func() answer {
		t.Helper()
		return e.do(t, "POST", "/v1/bots/shop/reload", tokenA, nil)
	}
	decodeReload := func(a answer) reloadAnswer {
		t.Helper()
		if a.status != http.StatusOK {
			t.Fatalf("reload = %d %s", a.status, a.body)
		}
		var r reloadAnswer
		if err := json.Unmarshal(a.body, &r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	parse := func(text string) map[string]any {
		t.Helper()
		a := e.do(t, "POST", "/v1/nlp/parse", tokenA, jsonBody(t, map[string]any{"bot": "shop", "text": text}))
		if a.status != http.StatusOK {
			t.Fatalf("parse = %d %s", a.status, a.body)
		}
		return a.json(t)
	}
	var before botAnswer
	e.get(t, "/v1/bots/shop", &before)

	// The same file: nothing changes.
	same := decodeReload(reload())
	if same.Changed || same.Bot.Version != before.Version || len(same.Bot.Versions) != 1 || len(same.Warnings) != 0 {
		t.Errorf("a reload of the same file = %+v", same)
	}
	if parse("where is my delivery")["intent"] != nil {
		t.Fatalf("the first version knows an intent it does not have")
	}

	// A new version with another intent and an unreachable block (a
	// warning): it serves at once.
	writeFile(t, file, strings.Replace(shopBot, "intents:\n", "intents:\n  track: [\"where is my delivery\", \"track my order\"]\n", 1)+
		"  unused:\n    type: end\n")
	changed := decodeReload(reload())
	if !changed.Changed || changed.Bot.Version.Hash == before.Version.Hash || len(changed.Bot.Versions) != 2 || changed.Bot.Versions[1] != before.Version ||
		changed.Bot.Versions[0] != changed.Bot.Version {
		t.Errorf("a reload of a changed file = %+v", changed)
	}
	if len(changed.Warnings) != 1 || !strings.HasPrefix(changed.Warnings[0], file+":") || !strings.Contains(changed.Warnings[0], "warning:") {
		t.Errorf("warnings %q", changed.Warnings)
	}
	if intent, _ := parse("where is my delivery")["intent"].(map[string]any); intent["name"] != "track" {
		t.Errorf("the new version does not serve: %v", intent)
	}
	eng, _ := e.bots.Engine("shop")
	if eng.Bot().Block("unused") == nil {
		t.Errorf("the engine is not the new version's")
	}

	// A version with errors: 422 with each problem, and the last good
	// version keeps serving.
	writeFile(t, file, strings.Replace(shopBot, "next: done", "next: dne", 1)+"  broken:\n    type: nosuchtype\n")
	a := reload()
	if a.status != http.StatusUnprocessableEntity || a.header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("a reload of a broken file = %d %s", a.status, a.body)
	}
	var bad struct {
		Type, Title, Detail string
		Status              int
		Problems            []string
	}
	if err := json.Unmarshal(a.body, &bad); err != nil {
		t.Fatal(err)
	}
	if bad.Status != 422 || bad.Title != "Unprocessable Entity" || !strings.Contains(bad.Detail, "keeps serving") ||
		!slices.ContainsFunc(bad.Problems, func(p string) bool { return strings.HasSuffix(p, `: no block "dne" (did you mean "done"?)`) }) ||
		!slices.ContainsFunc(bad.Problems, func(p string) bool { return strings.Contains(p, `: unknown block type "nosuchtype"`) }) {
		t.Fatalf("the 422 %+v", bad)
	}
	for _, p := range bad.Problems {
		// file:line:col: message
		rest, ok := strings.CutPrefix(p, file+":")
		if parts := strings.SplitN(rest, ":", 3); !ok || len(parts) != 3 || parts[0] == "" || parts[1] == "" {
			t.Errorf("problem %q is not file:line:col: message", p)
		}
	}
	var after botAnswer
	e.get(t, "/v1/bots/shop", &after)
	if after.Version != changed.Bot.Version || len(after.Versions) != 2 {
		t.Errorf("after a failed reload: %+v, want version %+v serving", after, changed.Bot.Version)
	}
	if intent, _ := parse("where is my delivery")["intent"].(map[string]any); intent["name"] != "track" {
		t.Errorf("the version that served before the failed reload does not serve: %v", intent)
	}

	// A file that now names another bot, and a file that is gone.
	writeFile(t, file, strings.Replace(shopBot, "id: shop", "id: store", 1))
	a = reload()
	if a.status != http.StatusUnprocessableEntity || !strings.Contains(string(a.body), `now declares the bot \"store\"`) {
		t.Errorf("a reload of a renamed bot = %d %s", a.status, a.body)
	}
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	a = reload()
	if a.status != http.StatusUnprocessableEntity || !strings.Contains(string(a.body), "cannot be read") {
		t.Errorf("a reload of a missing file = %d %s", a.status, a.body)
	}
	if _, ok := e.bots.Engine("shop"); !ok {
		t.Errorf("the bot stopped serving after failed reloads")
	}
}

// TestReloadWhileServing reloads a bot while requests read it; run with
// -race, it shows that readers never see a half-made swap.
func TestReloadWhileServing(t *testing.T) {
	t.Parallel()
	e := newReadEnv(t)
	file := filepath.Join(e.dir, "shop.yaml")
	done := make(chan struct{})
	errs := make(chan string, 100)
	go func() {
		defer close(done)
		for i := range 20 {
			text := shopBot
			if i%2 == 1 {
				text = strings.Replace(shopBot, "name: Shop", "name: Shop v2", 1)
			}
			if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
				errs <- err.Error()
				return
			}
			if _, err := e.bots.Reload("shop"); err != nil {
				errs <- err.Error()
				return
			}
		}
	}()
	for served := 0; ; served++ {
		select {
		case <-done:
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			info, _ := e.bots.Bot("shop")
			// The first reload reads the file as it was loaded.
			if len(info.Versions) != 20 {
				t.Errorf("%d versions after 20 reloads of alternating content, want 20", len(info.Versions))
			}
			return
		default:
		}
		a := e.do(t, "POST", "/v1/nlp/parse", tokenA, jsonBody(t, map[string]any{"bot": "shop", "text": "I want to order a big pizza"}))
		if intent, _ := a.json(t)["intent"].(map[string]any); a.status != http.StatusOK || intent["name"] != "order" {
			t.Fatalf("parse during reloads = %d %s", a.status, a.body)
		}
		var b botAnswer
		e.get(t, "/v1/bots/shop", &b)
		if b.Name != "Shop" && b.Name != "Shop v2" {
			t.Fatalf("the bot during reloads: %+v", b)
		}
	}
}

func TestParseTextReadsIntentsAndEntities(t *testing.T) {
	t.Parallel()
	e := newReadEnv(t)
	a := e.do(t, "POST", "/v1/nlp/parse", tokenA, jsonBody(t, map[string]any{"bot": "shop", "text": "Bonjour ☕ I want to order a big pizza for 12:30"}))
	if a.status != http.StatusOK {
		t.Fatalf("parse = %d %s", a.status, a.body)
	}
	var got struct {
		Intent *struct {
			Name       string
			Confidence float64
		}
		Confidence float64
		Entities   []struct {
			Entity     string
			Value      any
			Start, End int
			Text       string
		}
		Alternatives []struct {
			Name       string
			Confidence float64
		}
	}
	if err := json.Unmarshal(a.body, &got); err != nil {
		t.Fatal(err)
	}
	if got.Intent == nil || got.Intent.Name != "order" || got.Confidence != got.Intent.Confidence || got.Confidence < 0.5 ||
		len(got.Alternatives) == 0 || got.Alternatives[0].Name != "order" {
		t.Errorf("intent %+v confidence %v alternatives %+v", got.Intent, got.Confidence, got.Alternatives)
	}
	text := []rune("Bonjour ☕ I want to order a big pizza for 12:30")
	var found []string
	for _, en := range got.Entities {
		if string(text[en.Start:en.End]) != en.Text {
			t.Errorf("entity %+v: characters %d to %d are %q", en, en.Start, en.End, string(text[en.Start:en.End]))
		}
		found = append(found, en.Entity+"="+toString(en.Value))
	}
	if !slices.Equal(found, []string{"size=large", "time=12:30"}) {
		t.Errorf("entities %v", found)
	}

	// Nothing understood: no intent, empty lists.
	a = e.do(t, "POST", "/v1/nlp/parse", tokenA, jsonBody(t, map[string]any{"bot": "shop", "text": "zzz"}))
	if a.status != http.StatusOK || string(a.body) != `{"confidence":0,"entities":[],"alternatives":[]}`+"\n" {
		t.Errorf("parse of nothing = %d %s", a.status, a.body)
	}

	for _, tc := range []struct {
		body            string
		pointer, detail string
	}{
		{`{"bot":"nobot","text":"hi"}`, "/bot", `no bot "nobot" is served here`},
		{`{"text":"hi"}`, "/bot", "bot is required"},
		{`{"bot":"shop"}`, "/text", "text is required"},
		{`{"bot":"shop","text":"hi","lang":"fr"}`, "/lang", "unknown"},
		{`{"bot":"shop","text":3}`, "/text", ""},
	} {
		wantProblem(t, e.do(t, "POST", "/v1/nlp/parse", tokenA, []byte(tc.body)), http.StatusBadRequest, tc.pointer, tc.detail)
	}
}

func toString(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	data, _ := json.Marshal(v)
	return string(data)
}
