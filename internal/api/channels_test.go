package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/confab/confab/internal/token"
)

func TestCreateChannelValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.createChannel(t, tokenA, map[string]any{"channelID": "taken-id"})
	hook := "https://hooks.example.com/confab"
	for _, tc := range []struct {
		name    string
		body    map[string]any
		status  int
		pointer string
		detail  string
	}{
		{"missing bot", map[string]any{"webhookUrl": hook}, 400, "/bot", "bot is required"},
		{"unknown bot", map[string]any{"bot": "ghost", "webhookUrl": hook}, 400, "/bot", `no bot "ghost" is served here`},
		{"missing webhookUrl", map[string]any{"bot": "echo"}, 400, "/webhookUrl", "webhookUrl is required"},
		{"webhookUrl not a URL", map[string]any{"bot": "echo", "webhookUrl": "::nope"}, 400, "/webhookUrl", "absolute http or https URL"},
		{"webhookUrl relative", map[string]any{"bot": "echo", "webhookUrl": "/hooks/confab"}, 400, "/webhookUrl", "absolute http or https URL"},
		{"webhookUrl without host", map[string]any{"bot": "echo", "webhookUrl": "https://"}, 400, "/webhookUrl", "absolute http or https URL"},
		{"webhookUrl ftp", map[string]any{"bot": "echo", "webhookUrl": "ftp://hooks.example.com/"}, 400, "/webhookUrl", "absolute http or https URL"},
		{"webhookUrl empty", map[string]any{"bot": "echo", "webhookUrl": ""}, 400, "/webhookUrl", "absolute http or https URL"},
		{"empty keyword", map[string]any{"bot": "echo", "webhookUrl": hook, "keywords": []string{""}}, 400, "/keywords/0", "a keyword must not be empty"},
		{"blank second keyword", map[string]any{"bot": "echo", "webhookUrl": hook, "keywords": []string{"#start", " \t"}}, 400, "/keywords/1", "a keyword must not be empty"},
		{"short token", map[string]any{"bot": "echo", "webhookUrl": hook, "token": strings.Repeat("t", 31)}, 400, "/token", "at least 32 characters"},
		{"channelID too short", map[string]any{"bot": "echo", "webhookUrl": hook, "channelID": "ab"}, 400, "/channelID", "3 to 64"},
		{"channelID with a space", map[string]any{"bot": "echo", "webhookUrl": hook, "channelID": "my channel"}, 400, "/channelID", "3 to 64"},
		{"channelID too long", map[string]any{"bot": "echo", "webhookUrl": hook, "channelID": strings.Repeat("c", 65)}, 400, "/channelID", "3 to 64"},
		{"taken channelID", map[string]any{"bot": "echo", "webhookUrl": hook, "channelID": "taken-id"}, 409, "/channelID", `the channelID "taken-id" is taken`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			wantProblem(t, e.do(t, "POST", "/v1/channels", tokenA, jsonBody(t, tc.body)), tc.status, tc.pointer, tc.detail)
		})
	}
}

func TestCreateChannelWithGivenIDAndToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := strings.Repeat("s", 32)
	before := time.Now().Add(-time.Second)
	ch := e.createChannel(t, tokenA, map[string]any{"channelID": "web_Shop-1", "bot": "shop", "webhookUrl": "http://127.0.0.1:9/hook",
		"keywords": []string{"#start", "Restart"}, "token": tok})
	if ch.ChannelID != "web_Shop-1" || ch.Bot != "shop" || ch.WebhookURL != "http://127.0.0.1:9/hook" || ch.Token != tok ||
		!strings.HasPrefix(ch.WebhookSecret, "whsec_") || strings.Join(ch.Keywords, ",") != "#start,Restart" {
		t.Errorf("created %+v", ch)
	}
	if at, err := time.Parse(time.RFC3339Nano, ch.CreatedAt); err != nil || at.Before(before) || ch.UpdatedAt != ch.CreatedAt {
		t.Errorf("createdAt %q updatedAt %q", ch.CreatedAt, ch.UpdatedAt)
	}
	// The store keeps the token's hash, not the token, under project A.
	c, err := e.store.GetChannel(context.Background(), e.projectA, "web_Shop-1")
	if err != nil || !token.Equal(tok, c.TokenHash) || c.WebhookSecret != ch.WebhookSecret {
		t.Errorf("stored %+v %v", c, err)
	}
	// A generated token is a channel token.
	gen := e.createChannel(t, tokenA, map[string]any{})
	if !strings.HasPrefix(gen.Token, "cfb_chan_") || !strings.HasPrefix(gen.ChannelID, "ch") || gen.Keywords == nil || len(gen.Keywords) != 0 {
		t.Errorf("generated %+v", gen)
	}
	// The list shows both, without token or secret.
	a := e.do(t, "GET", "/v1/channels", tokenA, nil)
	var list struct{ Channels []map[string]any }
	if err := json.Unmarshal(a.body, &list); err != nil || len(list.Channels) != 2 {
		t.Fatalf("list %s", a.body)
	}
	for _, c := range list.Channels {
		if _, ok := c["token"]; ok {
			t.Errorf("the list shows a token: %v", c)
		}
		if _, ok := c["webhookSecret"]; ok {
			t.Errorf("the list shows a secret: %v", c)
		}
	}
}

func TestUpdateChannel(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ch := e.createChannel(t, tokenA, map[string]any{"channelID": "patch-me", "keywords": []string{"#start"}})
	for _, tc := range []struct {
		name    string
		body    string
		status  int
		pointer string
		detail  string
	}{
		{"channelID cannot change", `{"channelID":"other-id"}`, 400, "/channelID", "cannot be changed"},
		{"unknown bot", `{"bot":"ghost"}`, 400, "/bot", `no bot "ghost"`},
		{"bad webhookUrl", `{"webhookUrl":"mailto:a@b.c"}`, 400, "/webhookUrl", "absolute http or https URL"},
		{"empty keyword", `{"keywords":["#go",""]}`, 400, "/keywords/1", "must not be empty"},
		{"short token", `{"token":"short"}`, 400, "/token", "at least 32"},
		{"unknown channel", ``, 404, "", "not found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := "/v1/channels/patch-me"
			body := []byte(tc.body)
			if tc.status == 404 {
				path, body = "/v1/channels/no-such-channel", []byte(`{"keywords":[]}`)
			}
			wantProblem(t, e.do(t, "PATCH", path, tokenA, body), tc.status, tc.pointer, tc.detail)
		})
	}
	// An empty patch changes nothing and shows no token or secret.
	a := e.do(t, "PATCH", "/v1/channels/patch-me", tokenA, []byte(`{}`))
	if m := a.json(t); a.status != 200 || m["bot"] != "echo" || m["webhookUrl"] != ch.WebhookURL || m["token"] != nil || m["webhookSecret"] != nil {
		t.Errorf("empty PATCH = %d %s", a.status, a.body)
	}
	// A given token replaces the old one; a new secret is shown once.
	tok := strings.Repeat("n", 40)
	a = e.do(t, "PATCH", "/v1/channels/patch-me", tokenA, jsonBody(t, map[string]any{"token": tok, "rotateSecret": true, "bot": "shop", "keywords": []string{}}))
	m := a.json(t)
	if a.status != 200 || m["token"] != tok || m["bot"] != "shop" || m["webhookSecret"] == ch.WebhookSecret || !strings.HasPrefix(m["webhookSecret"].(string), "whsec_") {
		t.Errorf("PATCH = %d %s", a.status, a.body)
	}
	if kw, _ := m["keywords"].([]any); kw == nil || len(kw) != 0 {
		t.Errorf("keywords %v, want []", m["keywords"])
	}
	send := func(tok string) int {
		return e.do(t, "POST", "/v1/messages", "", jsonBody(t, map[string]any{"channelID": "patch-me", "token": tok, "message": "hi"})).status
	}
	if send(ch.Token) != 401 || send(tok) != 200 {
		t.Errorf("after the token change: old %d, new %d", send(ch.Token), send(tok))
	}
	// DELETE answers 204 with no body, then 404.
	if a := e.do(t, "DELETE", "/v1/channels/patch-me", tokenA, nil); a.status != http.StatusNoContent || len(a.body) != 0 {
		t.Errorf("DELETE = %d %q", a.status, a.body)
	}
	wantProblem(t, e.do(t, "DELETE", "/v1/channels/patch-me", tokenA, nil), 404, "", "not found")
}

func TestTestWebhookRouteAnswersTheProbe(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ch := e.createChannel(t, tokenA, map[string]any{})
	a := e.do(t, "POST", "/v1/channels/"+ch.ChannelID+"/test-webhook", tokenA, nil)
	if a.status != 200 || string(a.body) != `{"reachable":true,"status":299,"latencyMs":0,"error":"tested `+ch.ChannelID+`"}`+"\n" {
		t.Errorf("test-webhook = %d %s", a.status, a.body)
	}
	wantProblem(t, e.do(t, "POST", "/v1/channels/nope/test-webhook", tokenA, nil), 404, "", "not found")
}

func TestListDeliveriesLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ch := e.createChannel(t, tokenA, map[string]any{})
	for _, q := range []string{"0", "501", "-1", "ten", "1.5"} {
		wantProblem(t, e.do(t, "GET", "/v1/channels/"+ch.ChannelID+"/deliveries?limit="+q, tokenA, nil), 400, "", "limit must be a number from 1 to 500")
	}
	for _, q := range []string{"1", "500"} {
		if a := e.do(t, "GET", "/v1/channels/"+ch.ChannelID+"/deliveries?limit="+q, tokenA, nil); a.status != 200 || string(a.body) != "{\"deliveries\":[]}\n" {
			t.Errorf("limit=%s: %d %s", q, a.status, a.body)
		}
	}
	wantProblem(t, e.do(t, "GET", "/v1/channels/nope/deliveries", tokenA, nil), 404, "", "not found")
}
