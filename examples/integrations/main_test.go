package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
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
			200, `{"status": "shipped"}`},
		{"cancel an order being prepared", "POST", "/orders/4321/cancel", "Bearer shop-token", `{"reason": "customer asked in chat", "order": 4321}`,
			200, `{"status": "cancelled", "refund": 23.5}`},
		{"cancel it again", "POST", "/orders/4321/cancel", "Bearer shop-token", `{"reason": "customer asked in chat", "order": 4321}`,
			200, `{"status": "shipped"}`},
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
