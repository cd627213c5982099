package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/confab/confab/internal/webhook"
)

// TestServerAnswersTheOrdersBot sends the server the requests the orders
// bot sends (their bodies as Confab builds them) and checks its answers.
func TestServerAnswersTheOrdersBot(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	srv := httptest.NewServer(newServer("orders-token", "shop-token", func() time.Time { return now }).handler())
	t.Cleanup(srv.Close)
	session := `"session": {"id": 42, "gleapId": 42, "userId": 42, "email": "sam@example.com", "name": "Sam", "value": 0, "customData": {}}`
	function := func(name, params string) string {
		return `{"functionCall": "` + name + `", "params": ` + params + `, "projectId": "prj_1", ` + session + `,
			"comments": [{"type": "user", "text": "#1234", "createdAt": "2026-01-05T09:00:00Z"}],
			"ticket": {"_id": "conv_1", "bugId": null, "shareToken": "", "createdAt": "2026-01-05T08:59:00Z", "title": "",
				"status": "OPEN", "priority": null, "type": "INQUIRY", "formData": {}, "sentiment": null, "isSpam": false,
				"attachments": [], "metaData": {"bot": "orders", "channel": "api", "channelId": "ch_1"}}}`
	}
	tests := []struct {
		name, method, path, auth, body string
		status                         int
		want                           string
	}{
		{"get_order short", "POST", "/functions", "Bearer orders-token", function("get_order", `{"order_id": 1234, "detail": "short"}`),
			200, `{"type": "context", "context": "Order 1234 is in delivery"}`},
		{"get_order full", "POST", "/functions", "Bearer orders-token", function("get_order", `{"order_id": 1234, "detail": "full"}`),
			200, `{"type": "context", "context": "Order 1234 is in delivery. Total: €23.50. Arrives: 9:25AM."}`},
		{"get_order of an unknown order", "POST", "/functions", "Bearer orders-token", function("get_order", `{"order_id": 99}`),
			200, `{"type": "message", "message": "I cannot find order 99."}`},
		{"get_invoices", "POST", "/functions", "Bearer orders-token", function("get_invoices", `{}`),
			200, `{"type": "documents", "documents": [
				{"title": "Invoice #1923", "url": "https://url-to-invoice.com/1923", "content": "Paid, 1920$"},
				{"title": "Invoice #9903", "url": "https://url-to-invoice.com/9903", "content": "Unpaid, 199$"}]}`},
		{"an unknown function", "POST", "/functions", "Bearer orders-token", function("get_pizza", `{}`),
			404, `{"error": "no function \"get_pizza\""}`},
		{"a function with the shop's token", "POST", "/functions", "Bearer shop-token", function("get_invoices", `{}`),
			401, `{"error": "wrong or missing Authorization"}`},
		{"a function without a token", "POST", "/functions", "", function("get_invoices", `{}`),
			401, `{"error": "wrong or missing Authorization"}`},
		{"the custom action", "POST", "/bot-action", "Bearer shop-token",
			`{"conversation": {"id": "conv_1", "type": "INQUIRY", "project": "prj_1", "organisation": "", "shareToken": "", "customData": {}}, ` + session + `,
			"comments": [{"type": "bot", "text": "Hi!", "createdAt": "2026-01-05T09:00:00Z"}, {"type": "user", "text": "my pizza was cold", "createdAt": "2026-01-05T09:00:01Z"}]}`,
			200, `{"message": {"type": "doc", "content": [{"type": "paragraph", "content": [
				{"type": "text", "text": "We are sorry!", "marks": [{"type": "bold"}]},
				{"type": "text", "text": " A voucher of €5 is on its way to sam@example.com."}]}]}}`},
		{"the custom action with the orders' token", "POST", "/bot-action", "Bearer orders-token", `{}`,
			401, `{"error": "wrong or missing Authorization"}`},
		{"cancel an order out for delivery", "POST", "/orders/1234/cancel", "Bearer shop-token", `{"reason": "customer asked in chat", "order": 1234}`,
			200, `{"status": "in delivery"}`},
		{"cancel an order being prepared", "POST", "/orders/4321/cancel", "Bearer shop-token", `{"reason": "customer asked in chat", "order": 4321}`,
			200, `{"status": "cancelled", "refund": 23.5}`},
		{"cancel it again", "POST", "/orders/4321/cancel", "Bearer shop-token", `{"reason": "customer asked in chat", "order": 4321}`,
			200, `{"status": "cancelled"}`},
		{"cancel an unknown order", "POST", "/orders/1/cancel", "Bearer shop-token", `{}`, 404, `{"error": "no such order"}`},
		{"cancel with a body that is not JSON", "POST", "/orders/4321/cancel", "Bearer shop-token", `reason=none`,
			400, `{"error": "the body is not valid JSON: invalid character 'r' looking for beginning of value"}`},
		{"the delivery time", "GET", "/orders/1234/eta", "", "",
			200, `{"now": "2026-01-05T09:00:00Z", "arrives": "2026-01-05T09:25:00Z", "late": true}`},
		{"the delivery time of an unknown order", "GET", "/orders/99999/eta", "", "", 404, `{"error": "no such order"}`},
	}
	// In order: the cancellations change the orders.
	for _, tt := range tests {
		req, err := http.NewRequestWithContext(t.Context(), tt.method, srv.URL+tt.path, strings.NewReader(tt.body))
		if err != nil {
			t.Fatal(err)
		}
		if tt.body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if tt.auth != "" {
			req.Header.Set("Authorization", tt.auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status || resp.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s: %d %s, want %d application/json", tt.name, resp.StatusCode, resp.Header.Get("Content-Type"), tt.status)
		}
		var got, want any
		if err := json.Unmarshal(data, &got); err != nil {
			t.Errorf("%s: the answer is not JSON: %v\n%s", tt.name, err, data)
		}
		if err := json.Unmarshal([]byte(tt.want), &want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: answer\n%s\nwant\n%s", tt.name, data, tt.want)
		}
	}
}

// call sends one request to the server and returns its status and its
// answer, decoded.
func call(t *testing.T, url string, h http.Header, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), "POST", url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = h
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("the answer is not JSON: %v", err)
	}
	return resp.StatusCode, out
}

// TestCancelAnswersARepeatedKeyAsBefore: a call Confab repeats with the
// same Idempotency-Key gets the first answer, refund included, and the
// order is cancelled once; another key is another cancellation.
func TestCancelAnswersARepeatedKeyAsBefore(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(newServer("orders-token", "shop-token", time.Now).handler())
	t.Cleanup(srv.Close)
	h := http.Header{"Content-Type": {"application/json"}, "Authorization": {"Bearer shop-token"}}
	const body = `{"reason": "customer asked in chat", "order": 4321}`
	first := h.Clone()
	first.Set("Idempotency-Key", "conv_1/cancel#3")
	for i := range 2 {
		code, got := call(t, srv.URL+"/orders/4321/cancel", first, body)
		if code != 200 || got["status"] != "cancelled" || got["refund"] != 23.5 {
			t.Errorf("call %d with the first key = %d %v, want the cancellation with its refund", i+1, code, got)
		}
	}
	other := h.Clone()
	other.Set("Idempotency-Key", "conv_2/cancel#1")
	if code, got := call(t, srv.URL+"/orders/4321/cancel", other, body); code != 200 || got["status"] != "cancelled" || got["refund"] != nil {
		t.Errorf("another key = %d %v, want the order's status (cancelled) without a refund", code, got)
	}
}

// TestSignedCallsOnly: with the channel's webhook secret, the server takes
// calls signed by Confab's signer with it (two signatures while the secret
// is rotated included) and refuses the others.
func TestSignedCallsOnly(t *testing.T) {
	t.Parallel()
	secret, err := webhook.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	other, err := webhook.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	s := newServer("orders-token", "shop-token", time.Now)
	s.webhookSecret = secret.String()
	srv := httptest.NewServer(s.handler())
	t.Cleanup(srv.Close)
	const body = `{"functionCall": "get_order", "params": {"order_id": 1234}}`
	headers := func(signed http.Header) http.Header {
		h := signed.Clone()
		h.Set("Content-Type", "application/json")
		h.Set("Authorization", "Bearer orders-token")
		return h
	}
	now := time.Now()
	for _, tt := range []struct {
		name   string
		h      http.Header
		status int
	}{
		{"signed with the secret", headers(webhook.NewSigner(secret).Sign("conv_1/lookup#1", now, []byte(body))), 200},
		{"signed with a new and the old secret", headers(webhook.NewSigner(other, secret).Sign("conv_1/lookup#1", now, []byte(body))), 200},
		{"signed with another secret", headers(webhook.NewSigner(other).Sign("conv_1/lookup#1", now, []byte(body))), 401},
		{"signed 10 minutes ago", headers(webhook.NewSigner(secret).Sign("conv_1/lookup#1", now.Add(-10*time.Minute), []byte(body))), 401},
		{"not signed", headers(http.Header{}), 401},
	} {
		code, got := call(t, srv.URL+"/functions", tt.h, body)
		if code != tt.status {
			t.Errorf("%s: %d %v, want %d", tt.name, code, got, tt.status)
		}
	}
	// The signature covers the body as sent.
	h := headers(webhook.NewSigner(secret).Sign("conv_1/lookup#1", now, []byte(body)))
	if code, got := call(t, srv.URL+"/functions", h, strings.Replace(body, "1234", "5678", 1)); code != 401 {
		t.Errorf("a changed body = %d %v, want 401", code, got)
	}
}

// TestVerifyIsTheDocsSnippet keeps verifyWebhook here and the Go snippet
// of docs/webhooks.md identical.
func TestVerifyIsTheDocsSnippet(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile("main.go")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok1 := strings.Cut(string(src), "// BEGIN verifyWebhook (docs/webhooks.md holds the same code)\n\n")
	code, _, ok2 := strings.Cut(rest, "\n// END verifyWebhook")
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "webhooks.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !ok1 || !ok2 || !strings.Contains(string(doc), code) {
		t.Errorf("verifyWebhook in main.go is not the Go snippet of docs/webhooks.md; copy the doc's code between the markers")
	}
}
