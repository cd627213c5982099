package api_test

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/confab/confab/internal/api"
	"github.com/confab/confab/internal/store"
	"github.com/confab/confab/internal/token"
)

// madeToken is a token as POST /v1/tokens answers it.
type madeToken struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Token      string `json:"token"`
	Prefix     string `json:"prefix"`
	CreatedAt  string `json:"createdAt"`
	LastUsedAt string `json:"lastUsedAt"`
	ExpiresAt  string `json:"expiresAt"`
}

// createToken makes a project token through the API.
func (e *env) createToken(t *testing.T, admin string, body map[string]any) madeToken {
	t.Helper()
	a := e.do(t, "POST", "/v1/tokens", admin, jsonBody(t, body))
	if a.status != http.StatusCreated {
		t.Fatalf("POST /v1/tokens = %d %s", a.status, a.body)
	}
	if ct := a.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	var m madeToken
	if err := json.Unmarshal(a.body, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// listTokens lists a project's tokens through the API, each as the JSON
// object it is.
func (e *env) listTokens(t *testing.T, admin string) []map[string]any {
	t.Helper()
	a := e.do(t, "GET", "/v1/tokens", admin, nil)
	var list struct {
		Tokens []map[string]any `json:"tokens"`
	}
	if err := json.Unmarshal(a.body, &list); err != nil || a.status != http.StatusOK || list.Tokens == nil {
		t.Fatalf("GET /v1/tokens = %d %s", a.status, a.body)
	}
	return list.Tokens
}

// tokenNames returns the names of listed tokens, sorted (tokens made in
// the same millisecond may be listed in either order).
func tokenNames(list []map[string]any) []string {
	var out []string
	for _, m := range list {
		out = append(out, m["name"].(string))
	}
	slices.Sort(out)
	return out
}

// byName returns the listed token of a name.
func byName(t *testing.T, list []map[string]any, name string) map[string]any {
	t.Helper()
	for _, m := range list {
		if m["name"] == name {
			return m
		}
	}
	t.Fatalf("no token %q is listed: %v", name, list)
	return nil
}

func TestCreateListAndRevokeTokens(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	before := time.Now().Add(-time.Second)
	ci := e.createToken(t, tokenA, map[string]any{"name": "CI deploys"})
	if !strings.HasPrefix(ci.ID, "tok_") || ci.Name != "CI deploys" || ci.LastUsedAt != "" || ci.ExpiresAt != "" {
		t.Errorf("created %+v", ci)
	}
	// 256 random bits in URL-safe base64 after a typed prefix; the prefix
	// shown is the start of the token.
	secret, ok := strings.CutPrefix(ci.Token, "cfb_admin_")
	if raw, err := base64.RawURLEncoding.DecodeString(secret); !ok || err != nil || len(raw) != 32 {
		t.Errorf("token %q is not cfb_admin_ and 32 random bytes", ci.Token)
	}
	if ci.Prefix != token.Prefix(ci.Token) || !strings.HasPrefix(ci.Token, ci.Prefix) || len(ci.Prefix) != len("cfb_admin_")+4 {
		t.Errorf("prefix %q of %q", ci.Prefix, ci.Token)
	}
	if at, err := time.Parse(time.RFC3339Nano, ci.CreatedAt); err != nil || at.Before(before) || at.After(time.Now()) {
		t.Errorf("createdAt %q", ci.CreatedAt)
	}
	expires := time.Now().Add(30 * 24 * time.Hour).UTC().Truncate(time.Second)
	later := e.createToken(t, tokenA, map[string]any{"name": "expires", "expiresAt": expires.Format(time.RFC3339)})
	if at, err := time.Parse(time.RFC3339Nano, later.ExpiresAt); err != nil || !at.Equal(expires) {
		t.Errorf("expiresAt %q, want %s", later.ExpiresAt, expires.Format(time.RFC3339))
	}
	if later.Token == ci.Token || later.ID == ci.ID {
		t.Errorf("two tokens alike: %+v %+v", ci, later)
	}

	// The new token works, and the list shows every token of the project
	// but never a token's text or hash.
	a := e.do(t, "GET", "/v1/tokens", ci.Token, nil)
	if a.status != http.StatusOK {
		t.Fatalf("GET /v1/tokens with the new token = %d %s", a.status, a.body)
	}
	for _, secret := range []string{ci.Token, later.Token, tokenA, hex.EncodeToString(token.Hash(ci.Token)), base64.StdEncoding.EncodeToString(token.Hash(ci.Token))} {
		if strings.Contains(string(a.body), secret) {
			t.Errorf("the list shows %q: %s", secret, a.body)
		}
	}
	list := e.listTokens(t, ci.Token)
	if got := tokenNames(list); !slices.Equal(got, []string{"CI deploys", "expires", "test"}) {
		t.Fatalf("listed %v", got)
	}
	for _, m := range list {
		for k := range m {
			if !slices.Contains([]string{"id", "name", "prefix", "createdAt", "lastUsedAt", "expiresAt"}, k) {
				t.Errorf("a listed token has the field %q: %v", k, m)
			}
		}
	}
	if m := byName(t, list, "CI deploys"); m["id"] != ci.ID || m["prefix"] != ci.Prefix || m["createdAt"] != ci.CreatedAt || m["expiresAt"] != nil {
		t.Errorf("listed %v, created %+v", m, ci)
	}
	if m := byName(t, list, "expires"); m["expiresAt"] != later.ExpiresAt {
		t.Errorf("listed %v, created %+v", m, later)
	}
	// Using a token records when: ci was used just now, A's test token too.
	if byName(t, list, "CI deploys")["lastUsedAt"] == nil || byName(t, list, "test")["lastUsedAt"] == nil || byName(t, list, "expires")["lastUsedAt"] != nil {
		t.Errorf("lastUsedAt: %v", list)
	}

	// Revoking makes the token stop working at once.
	a = e.do(t, "DELETE", "/v1/tokens/"+ci.ID, tokenA, nil)
	if a.status != http.StatusNoContent || len(a.body) != 0 {
		t.Fatalf("DELETE = %d %q", a.status, a.body)
	}
	wantProblem(t, e.do(t, "GET", "/v1/tokens", ci.Token, nil), http.StatusUnauthorized, "", "the token is not valid")
	if got := tokenNames(e.listTokens(t, tokenA)); !slices.Equal(got, []string{"expires", "test"}) {
		t.Errorf("listed after revoking %v", got)
	}
	wantProblem(t, e.do(t, "DELETE", "/v1/tokens/"+ci.ID, tokenA, nil), http.StatusNotFound, "", "not found")
	wantProblem(t, e.do(t, "DELETE", "/v1/tokens/tok_nothing", tokenA, nil), http.StatusNotFound, "", "not found")
}

func TestCreateTokenValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	past := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	for _, tc := range []struct {
		name    string
		body    string
		pointer string
		detail  string
	}{
		{"missing name", `{}`, "/name", "name is required"},
		{"null name", `{"name":null}`, "/name", "name is required"},
		{"empty name", `{"name":""}`, "/name", "must not be empty"},
		{"blank name", `{"name":" \t "}`, "/name", "must not be empty"},
		{"long name", `{"name":"` + strings.Repeat("é", 101) + `"}`, "/name", "at most 100 characters, it has 101"},
		{"name with a control character", `{"name":"ci\u0007"}`, "/name", "control characters"},
		// The wording of decode's own errors is decode's: only the
		// pointer is checked for them.
		{"name not a string", `{"name":5}`, "/name", ""},
		{"expiresAt not a time", `{"name":"ci","expiresAt":"tomorrow"}`, "/expiresAt", "RFC 3339"},
		{"expiresAt a date only", `{"name":"ci","expiresAt":"2030-01-31"}`, "/expiresAt", "RFC 3339"},
		{"expiresAt a number", `{"name":"ci","expiresAt":1900000000}`, "/expiresAt", ""},
		{"expiresAt past", `{"name":"ci","expiresAt":"` + past + `"}`, "/expiresAt", "must be in the future"},
		{"unknown field", `{"name":"ci","scopes":["all"]}`, "/scopes", ""},
		{"a token given", `{"name":"ci","token":"cfb_admin_mine-0123456789abcdef0123456789"}`, "/token", ""},
		{"not an object", `["ci"]`, "", ""},
		{"empty body", ``, "", ""},
		{"two values", `{"name":"ci"} {"name":"again"}`, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			wantProblem(t, e.do(t, "POST", "/v1/tokens", tokenA, []byte(tc.body)), http.StatusBadRequest, tc.pointer, tc.detail)
		})
	}
	t.Cleanup(func() {
		// None of them made a token.
		if got := tokenNames(e.listTokens(t, tokenA)); !slices.Equal(got, []string{"test"}) {
			t.Errorf("tokens after refused requests: %v", got)
		}
	})
}

func TestATokenCannotRevokeItselfWhenItIsTheLast(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.do(t, "DELETE", "/v1/tokens/tok_"+e.projectB, tokenB, nil)
	wantProblem(t, a, http.StatusConflict, "", "a token cannot revoke itself while it is the project's last valid token; create another token first")
	if got := tokenNames(e.listTokens(t, tokenB)); !slices.Equal(got, []string{"test"}) {
		t.Fatalf("B's tokens after the refusal: %v", got)
	}
	// An expired token does not keep the project reachable, so it does
	// not count as another one.
	_, expired := token.Issue(e.projectB, "expired", time.Now().Add(-time.Hour), time.Now().Add(-time.Minute))
	if err := e.store.CreateToken(context.Background(), expired); err != nil {
		t.Fatal(err)
	}
	wantProblem(t, e.do(t, "DELETE", "/v1/tokens/tok_"+e.projectB, tokenB, nil), http.StatusConflict, "", "cannot revoke itself")
	// With a second token that works, it may go.
	next := e.createToken(t, tokenB, map[string]any{"name": "next"})
	if a := e.do(t, "DELETE", "/v1/tokens/tok_"+e.projectB, tokenB, nil); a.status != http.StatusNoContent {
		t.Fatalf("revoking itself beside another token = %d %s", a.status, a.body)
	}
	wantProblem(t, e.do(t, "GET", "/v1/tokens", tokenB, nil), http.StatusUnauthorized, "", "the token is not valid")
	// The one left cannot revoke itself; it can revoke the expired one.
	wantProblem(t, e.do(t, "DELETE", "/v1/tokens/"+next.ID, next.Token, nil), http.StatusConflict, "", "cannot revoke itself")
	if a := e.do(t, "DELETE", "/v1/tokens/"+expired.ID, next.Token, nil); a.status != http.StatusNoContent {
		t.Fatalf("revoking the expired token = %d %s", a.status, a.body)
	}
	if got := tokenNames(e.listTokens(t, next.Token)); !slices.Equal(got, []string{"next"}) {
		t.Errorf("B's tokens at the end: %v", got)
	}
}

// TestEveryAdminRouteRefusesBadTokens covers the token routes and the
// tokens that were valid once: expired and revoked.
func TestEveryAdminRouteRefusesBadTokens(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ch := e.createChannel(t, tokenA, map[string]any{})
	ctx := context.Background()
	expiredText, expired := token.Issue(e.projectA, "expired", time.Now().Add(-time.Hour), time.Now().Add(-time.Second))
	if err := e.store.CreateToken(ctx, expired); err != nil {
		t.Fatal(err)
	}
	revoked := e.createToken(t, tokenA, map[string]any{"name": "revoked"})
	if a := e.do(t, "DELETE", "/v1/tokens/"+revoked.ID, tokenA, nil); a.status != http.StatusNoContent {
		t.Fatalf("revoke = %d %s", a.status, a.body)
	}
	routes := []struct{ method, path string }{
		{"POST", "/v1/tokens"},
		{"GET", "/v1/tokens"},
		{"DELETE", "/v1/tokens/tok_" + e.projectA},
		{"GET", "/v1/channels"},
		{"POST", "/v1/channels"},
		{"GET", "/v1/channels/" + ch.ChannelID},
		{"PATCH", "/v1/channels/" + ch.ChannelID},
		{"DELETE", "/v1/channels/" + ch.ChannelID},
		{"POST", "/v1/channels/" + ch.ChannelID + "/test-webhook"},
		{"GET", "/v1/channels/" + ch.ChannelID + "/deliveries"},
		{"POST", "/v1/deliveries/msg_x/replay"},
		{"POST", "/v1/webhooks"},
		{"GET", "/v1/webhooks"},
		{"GET", "/v1/webhooks/wh_x"},
		{"PATCH", "/v1/webhooks/wh_x"},
		{"DELETE", "/v1/webhooks/wh_x"},
		{"POST", "/v1/webhooks/wh_x/test"},
		{"GET", "/v1/webhooks/wh_x/deliveries"},
		{"GET", "/v1/conversations"},
		{"GET", "/v1/conversations/conv_x"},
		{"GET", "/v1/conversations/conv_x/messages"},
		{"GET", "/v1/conversations/conv_x/logs"},
		{"GET", "/v1/bots"},
		{"GET", "/v1/bots/echo"},
		{"POST", "/v1/bots/echo/reload"},
		{"POST", "/v1/nlp/parse"},
		{"POST", "/v1/conversations/conv_x/messages"},
		{"PATCH", "/v1/conversations/conv_x/session"},
		{"POST", "/v1/conversations/conv_x/pause"},
		{"POST", "/v1/conversations/conv_x/unpause"},
		{"POST", "/v1/conversations/conv_x/trigger"},
		{"GET", "/v1/conversations/conv_x/commands/cmd_x"},
	}
	const invalid = `Bearer realm="confab", error="invalid_token"`
	for _, tc := range []struct {
		name          string
		authorization []string
		challenge     string
		detail        string
	}{
		{"no header", nil, `Bearer realm="confab"`, "missing Authorization: Bearer token"},
		{"bearer without a token", []string{"Bearer"}, `Bearer realm="confab"`, "missing"},
		{"unknown token", []string{"Bearer " + token.New(token.Admin)}, invalid, "the token is not valid"},
		{"a channel's token", []string{"Bearer " + ch.Token}, invalid, "the token is not valid"},
		{"a prefix of a token", []string{"Bearer " + tokenA[:len(tokenA)-1]}, invalid, "the token is not valid"},
		{"revoked token", []string{"Bearer " + revoked.Token}, invalid, "the token is not valid"},
		{"expired token", []string{"Bearer " + expiredText}, invalid, "the token expired at " + expired.ExpiresAt.Format(time.RFC3339)},
	} {
		for _, r := range routes {
			a := e.doHeader(t, r.method, r.path, []byte(`{"name":"sneaky"}`), http.Header{"Authorization": tc.authorization})
			t.Run(tc.name+" "+r.method+" "+r.path, func(t *testing.T) {
				wantProblem(t, a, http.StatusUnauthorized, "", tc.detail)
				if got := a.header.Get("WWW-Authenticate"); got != tc.challenge {
					t.Errorf("WWW-Authenticate %q, want %q", got, tc.challenge)
				}
			})
		}
	}
	// Nothing changed, and a refused token's use is not recorded.
	if got := tokenNames(e.listTokens(t, tokenA)); !slices.Equal(got, []string{"expired", "test"}) {
		t.Errorf("tokens after the refused requests: %v", got)
	}
	got, err := e.store.TokenByHash(ctx, expired.Hash)
	if err != nil || !got.LastUsedAt.IsZero() {
		t.Errorf("the expired token: %+v %v", got, err)
	}
	if a := e.do(t, "GET", "/v1/channels/"+ch.ChannelID, tokenA, nil); a.status != http.StatusOK {
		t.Errorf("the channel after the refused requests = %d %s", a.status, a.body)
	}
}

// touchCounter is a store that counts TouchToken calls.
type touchCounter struct {
	store.Store
	touches atomic.Int32
}

func (s *touchCounter) TouchToken(ctx context.Context, id string, at time.Time, every time.Duration) error {
	s.touches.Add(1)
	return s.Store.TouchToken(ctx, id, at, every)
}

// tokenClock is a settable time source.
type tokenClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *tokenClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *tokenClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

func TestLastUseIsWrittenAtMostOncePerMinute(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	counted := &touchCounter{Store: e.store}
	start := time.Date(2030, 1, 31, 12, 0, 0, 0, time.UTC)
	c := &tokenClock{now: start}
	srv := httptest.NewServer(api.New(api.Deps{Store: counted, Bots: bots{"echo": true}, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: c.Now}))
	t.Cleanup(srv.Close)
	e2 := &env{url: srv.URL, store: e.store}

	// Each look is a request with the token too.
	lastUsed := func() string {
		t.Helper()
		s, _ := byName(t, e2.listTokens(t, tokenB), "test")["lastUsedAt"].(string)
		return s
	}
	if got := lastUsed(); got != start.Format(time.RFC3339Nano) {
		t.Errorf("lastUsedAt after the first request %q, want %s", got, start.Format(time.RFC3339Nano))
	}
	for i := range 20 {
		c.set(start.Add(time.Duration(i) * 3 * time.Second)) // up to 57 s later
		if a := e2.do(t, "GET", "/v1/channels", tokenB, nil); a.status != http.StatusOK {
			t.Fatalf("GET /v1/channels = %d %s", a.status, a.body)
		}
	}
	if got := counted.touches.Load(); got != 1 {
		t.Errorf("%d writes of the last use within a minute, want 1", got)
	}
	if got := lastUsed(); got != start.Format(time.RFC3339Nano) {
		t.Errorf("lastUsedAt within the minute %q, want %s", got, start.Format(time.RFC3339Nano))
	}
	minute := start.Add(time.Minute)
	c.set(minute)
	if got := lastUsed(); got != minute.Format(time.RFC3339Nano) {
		t.Errorf("lastUsedAt a minute later %q, want %s", got, minute.Format(time.RFC3339Nano))
	}
	if got := counted.touches.Load(); got != 2 {
		t.Errorf("%d writes of the last use after a minute, want 2", got)
	}
}

// TestAnotherProjectsTokenSeesNothing tries every admin route with the
// token of a project made directly in the store and the ids of project A:
// each answers 404 and shows none of A's data, and A's data is unchanged.
func TestAnotherProjectsTokenSeesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	other := store.Project{ID: store.NewID("prj"), Name: "other", CreatedAt: time.Now()}
	if err := e.store.CreateProject(ctx, other); err != nil {
		t.Fatal(err)
	}
	otherText, otherToken := token.Issue(other.ID, "other's admin", time.Now(), time.Time{})
	if err := e.store.CreateToken(ctx, otherToken); err != nil {
		t.Fatal(err)
	}
	ownChannel := e.createChannel(t, otherText, map[string]any{})

	ch := e.createChannel(t, tokenA, map[string]any{"channelID": "a-private", "webhookUrl": "https://a-private.example.com/hook", "keywords": []string{"#a-secret"}})
	dead := e.deadDelivery(t, ch.ChannelID)
	aToken := e.createToken(t, tokenA, map[string]any{"name": "a-deploys"})
	convs, err := e.store.ListConversations(ctx, e.projectA, store.ConversationFilter{})
	if err != nil || len(convs) != 1 {
		t.Fatalf("A's conversations: %+v, %v", convs, err)
	}
	conv := convs[0].ID
	hook, hookSecret, deadEvent := e.deadEventDelivery(t, ch.ChannelID)
	// What must never show: A's ids, secrets, URLs and names.
	secrets := []string{ch.ChannelID, ch.Token, ch.WebhookSecret, "a-private.example.com", "#a-secret", dead, aToken.ID, aToken.Token,
		"a-deploys", "tok_" + e.projectA, "oops", hook, hookSecret, "a-events.example.com", "a-crm", deadEvent, conv}

	steered, steeredBefore := e.steeringCommand(t, conv)
	secrets = append(secrets, steered)
	for _, r := range []struct {
		method, path string
		body         []byte
	}{
		{"GET", "/v1/channels/" + ch.ChannelID, nil},
		{"PATCH", "/v1/channels/" + ch.ChannelID, []byte(`{"webhookUrl":"https://evil.example.com/"}`)},
		{"PATCH", "/v1/channels/" + ch.ChannelID, []byte(`{"rotateToken":true,"rotateSecret":true}`)},
		{"DELETE", "/v1/channels/" + ch.ChannelID, nil},
		{"POST", "/v1/channels/" + ch.ChannelID + "/test-webhook", nil},
		{"GET", "/v1/channels/" + ch.ChannelID + "/deliveries", nil},
		{"GET", "/v1/channels/" + ch.ChannelID + "/deliveries?limit=500", nil},
		{"POST", "/v1/deliveries/" + dead + "/replay", nil},
		{"DELETE", "/v1/tokens/" + aToken.ID, nil},
		{"DELETE", "/v1/tokens/tok_" + e.projectA, nil},
		{"POST", "/v1/conversations/" + conv + "/messages", []byte(`{"text":"from elsewhere","as":"agent","adminID":1}`)},
		{"PATCH", "/v1/conversations/" + conv + "/session", []byte(`{"vars":{"stolen":true}}`)},
		{"POST", "/v1/conversations/" + conv + "/pause", nil},
		{"POST", "/v1/conversations/" + conv + "/unpause", nil},
		{"POST", "/v1/conversations/" + conv + "/trigger", []byte(`{"block":"listen"}`)},
		{"GET", "/v1/conversations/" + conv + "/commands/" + steered, nil},
		{"GET", "/v1/webhooks/" + hook, nil},
		{"PATCH", "/v1/webhooks/" + hook, []byte(`{"url":"https://evil.example.com/","events":["*"]}`)},
		{"PATCH", "/v1/webhooks/" + hook, []byte(`{"rotateSecret":true,"enable":true}`)},
		{"DELETE", "/v1/webhooks/" + hook, nil},
		{"POST", "/v1/webhooks/" + hook + "/test", nil},
		{"GET", "/v1/webhooks/" + hook + "/deliveries", nil},
		{"GET", "/v1/webhooks/" + hook + "/deliveries?limit=500", nil},
		{"POST", "/v1/deliveries/" + deadEvent + "/replay", nil},
		{"GET", "/v1/conversations/" + conv, nil},
		{"GET", "/v1/conversations/" + conv + "/messages", nil},
		{"GET", "/v1/conversations/" + conv + "/messages?order=desc&after=0", nil},
		{"GET", "/v1/conversations/" + conv + "/logs", nil},
	} {
		t.Run(r.method+" "+r.path, func(t *testing.T) {
			a := e.do(t, r.method, r.path, otherText, r.body)
			wantProblem(t, a, http.StatusNotFound, "", "not found")
			for _, s := range secrets {
				if strings.Contains(string(a.body), s) {
					t.Errorf("the answer shows %q: %s", s, a.body)
				}
			}
		})
	}
	// The lists hold only the other project's own records.
	for _, path := range []string{"/v1/channels", "/v1/tokens", "/v1/webhooks", "/v1/conversations", "/v1/conversations?channel=a-private",
		"/v1/conversations?user=1", "/v1/bots"} {
		a := e.do(t, "GET", path, otherText, nil)
		if a.status != http.StatusOK {
			t.Fatalf("GET %s = %d %s", path, a.status, a.body)
		}
		for _, s := range secrets {
			if strings.Contains(string(a.body), s) {
				t.Errorf("GET %s shows %q: %s", path, s, a.body)
			}
		}
	}
	if got := tokenNames(e.listTokens(t, otherText)); !slices.Equal(got, []string{"other's admin"}) {
		t.Errorf("the other project's tokens: %v", got)
	}
	a := e.do(t, "GET", "/v1/channels", otherText, nil)
	if m := a.json(t); len(m["channels"].([]any)) != 1 || m["channels"].([]any)[0].(map[string]any)["channelID"] != ownChannel.ChannelID {
		t.Errorf("the other project's channels: %s", a.body)
	}

	// A's records are all there, unchanged, and A's tokens still work.
	e.steeredUnchanged(t, conv, steered, steeredBefore)
	a = e.do(t, "GET", "/v1/channels/"+ch.ChannelID, aToken.Token, nil)
	if m := a.json(t); a.status != http.StatusOK || m["webhookUrl"] != "https://a-private.example.com/hook" || m["updatedAt"] != m["createdAt"] {
		t.Errorf("A's channel after the other's attempts = %d %s", a.status, a.body)
	}
	a = e.do(t, "GET", "/v1/channels/"+ch.ChannelID+"/deliveries", tokenA, nil)
	if a.status != http.StatusOK || !strings.Contains(string(a.body), `"id":"`+dead+`","conversationID"`) || !strings.Contains(string(a.body), `"status":"dead"`) {
		t.Errorf("A's deliveries after the other's attempts = %d %s", a.status, a.body)
	}
	if got := tokenNames(e.listTokens(t, tokenA)); !slices.Equal(got, []string{"a-deploys", "test"}) {
		t.Errorf("A's tokens after the other's attempts: %v", got)
	}
	a = e.do(t, "GET", "/v1/webhooks/"+hook, tokenA, nil)
	if m := a.json(t); a.status != http.StatusOK || m["url"] != "https://a-events.example.com/hook" || m["updatedAt"] != m["createdAt"] {
		t.Errorf("A's webhook after the other's attempts = %d %s", a.status, a.body)
	}
	a = e.do(t, "GET", "/v1/webhooks/"+hook+"/deliveries", tokenA, nil)
	if a.status != http.StatusOK || !strings.Contains(string(a.body), `"id":"`+deadEvent+`"`) || !strings.Contains(string(a.body), `"status":"dead"`) {
		t.Errorf("A's event deliveries after the other's attempts = %d %s", a.status, a.body)
	}
	if a := e.do(t, "POST", "/v1/messages", "", jsonBody(t, map[string]any{"channelID": ch.ChannelID, "token": ch.Token, "message": "still mine"})); a.status != http.StatusOK {
		t.Errorf("A's channel token after the other's attempts = %d %s", a.status, a.body)
	}
}
