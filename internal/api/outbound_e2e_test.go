package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/confab/confab/client"
	"github.com/confab/confab/internal/config"
	"github.com/confab/confab/internal/ratelimit"
	"github.com/confab/confab/internal/testkit"
)

const vaultSecret = "sk-live-7f3a9c0e5b1d4862"

// vaultBot uses its secret in a call's URL (path and query), headers and
// body, fetches from a script, makes a call the server refuses with the
// secret in its URL, and names the secret in a message.
const vaultBot = `confab: 1
id: vault
start: lookup
variables:
  stock: 0
blocks:
  lookup:
    type: api
    method: POST
    url: "{{ env.SHOP_URL }}/orders/{{ secret.KEY }}?key={{ secret.KEY }}&lang=en"
    headers: { Authorization: "Bearer {{ secret.KEY }}", X-Api-Key: "{{ secret.KEY }}" }
    body: { token: "{{ secret.KEY }}", text: "{{ input }}" }
    save: answer
    on_error: failed
    next: stock
  stock:
    type: code
    script: |
      const r = await fetch(env.SHOP_URL + "/stock?sku=7", {method: "POST", body: {sku: 7}})
      vars.stock = r.status
    on_error: failed
    next: refused
  refused:
    type: api
    url: "http://10.0.0.1/orders?key={{ secret.KEY }}"
    save: nothing
    on_error: tell
    next: tell
  tell:
    type: message
    messages: ["got {{ answer.status }} and {{ stock }}, then {{ error }}; psst {{ secret.KEY }}"]
    next: listen
  listen:
    type: input
    next: lookup
  failed:
    type: end
    messages: ["failed: {{ error }}"]
`

// TestSecretsStayInTheCalls runs a bot that sends its secret to a shop in
// a URL, headers and a body through confab serve: the shop gets it,
// with every request signed by the channel's webhook secret; the user, the
// execution log, the other API answers, the server's log and the database
// never show it.
func TestSecretsStayInTheCalls(t *testing.T) {
	t.Parallel()
	type request struct {
		path   string
		header http.Header
		body   []byte
	}
	var mu sync.Mutex
	var got []request
	shop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, request{path: r.URL.Path, header: r.Header.Clone(), body: body})
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":true}`)
	}))
	t.Cleanup(shop.Close)

	bots, data := t.TempDir(), t.TempDir()
	writeFile(t, filepath.Join(bots, "vault.yaml"), vaultBot)
	logs := &testkit.LogBuffer{}
	url := serveAppLogging(t, func(cfg *config.Config) {
		cfg.BotsDir, cfg.DataDir = bots, data
		cfg.Env = map[string]string{"SHOP_URL": shop.URL}
		cfg.Secrets = map[string]string{"KEY": vaultSecret}
		cfg.RateLimits = ratelimit.Plans{}
	}, logs)
	ctx := t.Context()
	admin := client.New(url, e2eAdminToken)
	rcv := testkit.NewReceiver(t)
	ch, err := admin.CreateChannel(ctx, client.CreateChannelRequest{Bot: "vault", WebhookURL: rcv.URL})
	if err != nil {
		t.Fatal(err)
	}
	rcv.SetSecret(ch.WebhookSecret)
	users := client.New(url, ch.Token)
	for _, text := range []string{"hi", "again"} {
		if _, err := users.SendMessage(ctx, client.SendMessageRequest{ChannelID: ch.ChannelID, Message: text, SenderID: "customer-1"}); err != nil {
			t.Fatal(err)
		}
	}
	rcv.WaitFor(t, 20*time.Second, "two replies", func(hits []testkit.Hit) bool { return len(hits) >= 2 })

	// The shop got the secret where the bot put it, in signed requests.
	wh, err := standardwebhooks.NewWebhook(ch.WebhookSecret)
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	requests := append([]request(nil), got...)
	mu.Unlock()
	if len(requests) != 4 {
		t.Fatalf("the shop got %d requests, want an order and a stock request per message", len(requests))
	}
	keys := map[string]bool{}
	for _, r := range requests {
		if err := wh.Verify(r.body, r.header); err != nil {
			t.Errorf("%s: the signature does not verify: %v", r.path, err)
		}
		k := r.header.Get("Idempotency-Key")
		if k == "" || k != r.header.Get("Webhook-Id") || keys[k] {
			t.Errorf("%s: Idempotency-Key %q, webhook-id %q: want one new key in both", r.path, k, r.header.Get("Webhook-Id"))
		}
		keys[k] = true
		if r.path == "/orders/"+vaultSecret && (r.header.Get("Authorization") != "Bearer "+vaultSecret || !strings.Contains(string(r.body), vaultSecret)) {
			t.Errorf("the order request lost the secret: %v %s", r.header, r.body)
		}
	}

	// The user was told, without the secret.
	for _, h := range rcv.Hits() {
		if strings.Contains(string(h.Body), vaultSecret) {
			t.Errorf("a reply shows the secret: %s", h.Body)
		}
	}
	if body := string(rcv.Hits()[0].Body); !strings.Contains(body, "psst [redacted]") || !strings.Contains(body, "blocked") {
		t.Errorf("the first reply %s, want the refused call's error class and the secret masked", body)
	}

	// The API's answers: the conversation, its messages and its log.
	list, err := admin.ListConversations(ctx, client.ListConversationsOptions{})
	if err != nil || len(list.Conversations) != 1 {
		t.Fatalf("ListConversations = %+v, %v", list, err)
	}
	id := list.Conversations[0].ID
	var logBody string
	for _, path := range []string{"/v1/conversations/" + id, "/v1/conversations/" + id + "/messages", "/v1/conversations/" + id + "/logs", "/v1/conversations"} {
		body := adminGet(t, url+path)
		if strings.Contains(body, vaultSecret) {
			t.Errorf("GET %s shows the secret: %s", path, body)
		}
		if strings.HasSuffix(path, "/logs") {
			logBody = body
		}
	}
	var logList struct {
		Logs []struct {
			Steps []struct {
				Kind       string `json:"kind"`
				Block      string `json:"block"`
				Detail     string `json:"detail"`
				ErrorClass string `json:"errorClass"`
				Requests   []struct {
					Method     string   `json:"method"`
					URL        string   `json:"url"`
					Status     int      `json:"status"`
					LatencyMs  *float64 `json:"latencyMs"`
					Bytes      *int     `json:"bytes"`
					ErrorClass string   `json:"errorClass"`
				} `json:"requests"`
			} `json:"steps"`
		} `json:"logs"`
	}
	if err := json.Unmarshal([]byte(logBody), &logList); err != nil || len(logList.Logs) != 2 {
		t.Fatalf("logs %s: %v", logBody, err)
	}
	wantURLs := map[string]string{
		"lookup":  "POST " + shop.URL + "/orders/[redacted]?key=[redacted]&lang=en 200",
		"stock":   "POST " + shop.URL + "/stock?sku=7 200",
		"refused": "GET http://10.0.0.1/orders?key=[redacted] 0 blocked",
	}
	for _, l := range logList.Logs {
		calls := 0
		for _, s := range l.Steps {
			if s.Kind != "call" {
				continue
			}
			calls++
			if len(s.Requests) != 1 || s.Requests[0].LatencyMs == nil || s.Requests[0].Bytes == nil {
				t.Errorf("call of %s: requests %+v, want one with latency and size", s.Block, s.Requests)
				continue
			}
			r := s.Requests[0]
			line := strings.TrimSpace(fmt.Sprintf("%s %s %d %s", r.Method, r.URL, r.Status, r.ErrorClass))
			if line != wantURLs[s.Block] {
				t.Errorf("call of %s logged as %q, want %q", s.Block, line, wantURLs[s.Block])
			}
			if s.Block == "refused" && s.ErrorClass != "blocked" {
				t.Errorf("the refused call's step has the error class %q", s.ErrorClass)
			}
		}
		if calls != 3 {
			t.Errorf("%d call steps in a turn, want 3: %+v", calls, l.Steps)
		}
	}

	// The server's log and its database files.
	if !strings.Contains(logs.String(), "confab is serving") {
		t.Errorf("the server's log was not captured: %q", logs.String())
	}
	if strings.Contains(logs.String(), vaultSecret) {
		t.Errorf("the server's log shows the secret:\n%s", logs.String())
	}
	files, err := os.ReadDir(data)
	if err != nil || len(files) == 0 {
		t.Fatalf("data dir: %v, %d files", err, len(files))
	}
	for _, f := range files {
		content, err := os.ReadFile(filepath.Join(data, f.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if i := bytes.Index(content, []byte(vaultSecret)); i >= 0 {
			t.Errorf("the database file %s holds the secret: %q", f.Name(), content[max(0, i-300):min(len(content), i+100)])
		}
	}
}

// adminGet returns the body of a GET with the admin token.
func adminGet(t *testing.T, url string) string {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e2eAdminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, body)
	}
	return string(body)
}
