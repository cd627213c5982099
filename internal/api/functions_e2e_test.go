package api_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/confab/confab/client"
	"github.com/confab/confab/internal/config"
	"github.com/confab/confab/internal/testkit"
)

// shopToken is the secret the shop bot's calls carry as a Bearer token.
const shopToken = "shop-secret-0123456789"

// shopCall is a request the team's server got from Confab.
type shopCall struct {
	path    string
	header  http.Header
	body    []byte
	payload map[string]any
}

// shopServer is the team's server of the shop bot (testdata/functionbots)
// on 127.0.0.1: it records every call and answers with the answer of its
// case, chosen by the function's order_id or the custom action's user id.
type shopServer struct {
	*httptest.Server
	mu    sync.Mutex
	calls map[string][]shopCall // by case key
}

// shopAnswer is what the team's server answers: a status, a content type
// and a body; hang waits until Confab gives up.
type shopAnswer struct {
	status int
	ct     string
	body   string
	hang   bool
}

func newShopServer(t *testing.T, answers map[string]shopAnswer) *shopServer {
	s := &shopServer{calls: map[string][]shopCall{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, _ := io.ReadAll(r.Body)
		var p map[string]any
		if err := json.Unmarshal(data, &p); err != nil {
			t.Errorf("%s: the body is not a JSON object: %v\n%s", r.URL.Path, err, data)
		}
		key := caseKey(r.URL.Path, p)
		s.mu.Lock()
		s.calls[key] = append(s.calls[key], shopCall{path: r.URL.Path, header: r.Header.Clone(), body: data, payload: p})
		s.mu.Unlock()
		a, ok := answers[key]
		if !ok {
			t.Errorf("no answer for the call %s", key)
			w.WriteHeader(http.StatusTeapot)
			return
		}
		if a.hang {
			<-r.Context().Done()
			return
		}
		if a.ct != "" {
			w.Header().Set("Content-Type", a.ct)
		}
		w.WriteHeader(a.status)
		_, _ = io.WriteString(w, a.body)
	}))
	t.Cleanup(s.Close)
	return s
}

// caseKey names a call: "order <order_id>" for a function, "user
// <userId>" for a custom action.
func caseKey(path string, p map[string]any) string {
	if path == "/functions" {
		params, _ := p["params"].(map[string]any)
		return fmt.Sprintf("order %v", params["order_id"])
	}
	session, _ := p["session"].(map[string]any)
	return fmt.Sprintf("user %v", session["userId"])
}

func (s *shopServer) callsOf(key string) []shopCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]shopCall(nil), s.calls[key]...)
}

// tiptapDoc is a TipTap answer with a paragraph, a list and a hostile link.
const tiptapDoc = `{"type": "doc", "content": [
	{"type": "paragraph", "content": [{"type": "text", "text": "We are sorry!", "marks": [{"type": "bold"}]}]},
	{"type": "bulletList", "content": [
		{"type": "listItem", "content": [{"type": "paragraph", "content": [{"type": "text", "text": "a voucher"}]}]}
	]},
	{"type": "paragraph", "content": [{"type": "text", "text": "<script>x</script>", "marks": [{"type": "link", "attrs": {"href": "javascript:alert(1)"}}]}]}
]}`

// TestCustomActionsAndFunctionsAgainstARealServer runs `confab serve` with
// the shop bot, whose custom action and function call a real server on
// 127.0.0.1 (allow-listed). The server checks the seed payloads field by
// field and the Authorization header, and answers each shape, a failure
// status, non-JSON, a wrong shape and a time-out; what the bot says
// reaches the channel's webhook.
func TestCustomActionsAndFunctionsAgainstARealServer(t *testing.T) {
	t.Parallel()
	jsonAnswer := func(body string) shopAnswer { return shopAnswer{status: 200, ct: "application/json", body: body} }
	tests := []struct {
		name   string
		user   int64
		text   string // what the user says after "hi" and "what?"
		answer shopAnswer
		want   []string // what the bot says then, before it waits again; a /.../ is a pattern
	}{
		{"function context", 101, "1001", jsonAnswer(`{"type": "context", "context": "Order 1001 is in delivery"}`),
			[]string{"info: Order 1001 is in delivery"}},
		{"function message", 102, "1002", jsonAnswer(`{"type": "message", "message": "Order 1002 was delivered at 12:03."}`),
			[]string{"Order 1002 was delivered at 12:03.", "info: "}},
		{"function TipTap message", 103, "1003", jsonAnswer(`{"type": "message", "message": ` + tiptapDoc + `}`),
			[]string{"We are sorry!\n- a voucher\n<script>x</script> (javascript:alert(1))", "info: "}},
		{"function documents", 104, "1004", jsonAnswer(`{"type": "documents", "documents": [{"title": "Invoice #1923", "url": "https://url-to-invoice.com/1923", "content": "Paid"}]}`),
			[]string{`/^info: \[\{"content":"Paid","title":"Invoice #1923","url":"https://url-to-invoice.com/1923"\}\]$/`}},
		{"function failure status", 105, "1005", shopAnswer{status: 500, ct: "text/plain", body: "database down"},
			[]string{"sorry: the server answered 500 Internal Server Error: database down"}},
		{"function not JSON", 106, "1006", shopAnswer{status: 200, ct: "text/plain", body: "in delivery"},
			[]string{"sorry: the answer must be application/json, not text/plain"}},
		{"function wrong shape", 107, "1007", jsonAnswer(`{"type": "nonsense"}`),
			[]string{"sorry: the answer type nonsense is not context, message or documents"}},
		{"function context that is not text", 108, "1008", jsonAnswer(`{"type": "context", "context": 5}`),
			[]string{`sorry: a "context" answer needs a context text`}},
		{"function time-out", 109, "1009", shopAnswer{hang: true},
			[]string{"/^sorry: timeout: /"}},
		{"custom action text", 201, "complaint", jsonAnswer(`{"message": "A voucher of €5 is on its way."}`),
			[]string{"A voucher of €5 is on its way."}},
		{"custom action TipTap", 202, "complaint", jsonAnswer(`{"message": ` + tiptapDoc + `}`),
			[]string{"We are sorry!\n- a voucher\n<script>x</script> (javascript:alert(1))"}},
		{"custom action not 200", 203, "complaint", shopAnswer{status: 201, ct: "application/json", body: `{"message": "created"}`},
			[]string{`sorry: the answer must be 200 with {"message": ...}, not 201`}},
		{"custom action failure status", 204, "complaint", shopAnswer{status: 503, ct: "text/plain", body: "maintenance"},
			[]string{"sorry: the server answered 503 Service Unavailable: maintenance"}},
		{"custom action not JSON", 205, "complaint", shopAnswer{status: 200, ct: "text/html", body: "<p>hi</p>"},
			[]string{"sorry: the answer must be application/json, not text/html"}},
		{"custom action wrong shape", 206, "complaint", jsonAnswer(`{"text": "wrong field"}`),
			[]string{"sorry: the answer has no message"}},
		{"custom action time-out", 207, "complaint", shopAnswer{hang: true},
			[]string{"/^sorry: timeout: /"}},
	}
	answers := map[string]shopAnswer{}
	for _, tt := range tests {
		key := fmt.Sprintf("user %d", tt.user)
		if tt.text != "complaint" {
			key = "order " + tt.text
		}
		answers[key] = tt.answer
	}
	shop, url, ch, rcv := serveShop(t, answers, nil)
	ctx := t.Context()
	admin := client.New(url, e2eAdminToken)
	users := client.New(url, ch.Token)
	start := time.Now().UTC().Truncate(time.Second)

	// Every user's conversation runs at once.
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, text := range []string{"hi", "what?", tt.text} {
				if _, err := users.SendMessage(ctx, client.SendMessageRequest{ChannelID: ch.ChannelID, Message: text, UserID: tt.user}); err != nil {
					t.Fatal(err)
				}
			}
			intro := []string{"Hi! Say complaint or an order number.", "Say complaint or an order number."}
			got := repliesTo(t, rcv, tt.user, len(intro)+len(tt.want))
			if diff := cmp.Diff(intro, got[:len(intro)]); diff != "" {
				t.Errorf("the bot's first replies (-want +got):\n%s", diff)
			}
			for i, want := range tt.want {
				if !matchText(want, got[len(intro)+i]) {
					t.Errorf("reply %d = %q, want %q", len(intro)+i+1, got[len(intro)+i], want)
				}
			}

			key := fmt.Sprintf("user %d", tt.user)
			if tt.text != "complaint" {
				key = "order " + tt.text
			}
			calls := shop.callsOf(key)
			if len(calls) != 1 {
				t.Fatalf("the server got %d calls for %s, want 1", len(calls), key)
			}
			c := calls[0]
			for name, want := range map[string]string{"Authorization": "Bearer " + shopToken, "Content-Type": "application/json"} {
				if got := c.header.Get(name); got != want {
					t.Errorf("%s: %q, want %q", name, got, want)
				}
			}
			if c.header.Get("Idempotency-Key") == "" {
				t.Error("the call has no Idempotency-Key")
			}
			convs, err := admin.ListConversations(ctx, client.ListConversationsOptions{User: strconv.FormatInt(tt.user, 10), ChannelID: ch.ChannelID})
			if err != nil || len(convs.Conversations) != 1 {
				t.Fatalf("ListConversations = %+v, %v", convs, err)
			}
			conv := convs.Conversations[0]
			got1 := normalise(t, c.payload, start)
			var want any
			if tt.text == "complaint" {
				want = customActionPayload(conv.ID, ch.ChannelID, tt.user)
			} else {
				want = functionPayload(conv.ID, ch.ChannelID, tt.user, tt.text)
			}
			if diff := cmp.Diff(want, got1); diff != "" {
				t.Errorf("payload (-want +got):\n%s", diff)
			}
		})
	}
}

// serveShop starts the team's server with answers and `confab serve` with
// the shop bot calling it, and creates a channel whose webhook is a
// receiver. hc (may be nil) is the HTTP client of the channel's creation.
func serveShop(t *testing.T, answers map[string]shopAnswer, hc *http.Client) (*shopServer, string, *client.Channel, *testkit.Receiver) {
	shop := newShopServer(t, answers)
	url := serveApp(t, func(c *config.Config) {
		c.BotsDir = "testdata/functionbots"
		c.Env = map[string]string{"SHOP_URL": shop.URL}
		c.Secrets = map[string]string{"SHOP_TOKEN": shopToken}
	})
	rcv := testkit.NewReceiver(t)
	if hc == nil {
		hc = http.DefaultClient
	}
	ch, err := client.New(url, e2eAdminToken, client.WithHTTPClient(hc)).CreateChannel(t.Context(), client.CreateChannelRequest{Bot: "shop", WebhookURL: rcv.URL})
	if err != nil {
		t.Fatal(err)
	}
	rcv.SetSecret(ch.WebhookSecret)
	return shop, url, ch, rcv
}

// customActionPayload is the body of seed 000 the shop bot's custom
// action sends after "hi", "what?", "complaint": the last two messages.
func customActionPayload(convID, channelID string, user int64) any {
	return jsonOf(fmt.Sprintf(`{
		"conversation": {
			"id": %q, "type": "INQUIRY", "project": "<project>", "organisation": "", "shareToken": "",
			"customData": {"plan": "pro", "info": null}
		},
		"session": {"id": %d, "gleapId": %d, "userId": %d, "email": "", "name": "", "value": 0, "customData": {}},
		"comments": [
			{"type": "bot", "text": "Say complaint or an order number.", "createdAt": "<time>"},
			{"type": "user", "text": "complaint", "createdAt": "<time>"}
		]
	}`, convID, user, user, user))
}

// functionPayload is the body of seed 002 the shop bot's function sends
// after "hi", "what?", order: the last four messages.
func functionPayload(convID, channelID string, user int64, order string) any {
	return jsonOf(fmt.Sprintf(`{
		"functionCall": "get_order",
		"params": {"order_id": %s, "detail": "short"},
		"projectId": "<project>",
		"session": {"id": %d, "gleapId": %d, "userId": %d, "email": "", "name": "", "value": 0, "customData": {}},
		"comments": [
			{"type": "bot", "text": "Hi! Say complaint or an order number.", "createdAt": "<time>"},
			{"type": "user", "text": "what?", "createdAt": "<time>"},
			{"type": "bot", "text": "Say complaint or an order number.", "createdAt": "<time>"},
			{"type": "user", "text": %q, "createdAt": "<time>"}
		],
		"ticket": {
			"_id": %q, "bugId": null, "shareToken": "", "createdAt": "<time>", "title": "", "status": "OPEN",
			"priority": null, "type": "INQUIRY", "formData": {"plan": "pro", "info": null},
			"sentiment": null, "isSpam": false, "attachments": [],
			"metaData": {"bot": "shop", "channel": "api", "channelId": %q}
		}
	}`, order, user, user, user, order, convID, channelID))
}

func jsonOf(s string) any {
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		panic(err)
	}
	return v
}

var projectID = regexp.MustCompile(`^prj_[a-z0-9]{16}$`)

// normalise replaces the values a test cannot know in a payload, after
// checking them: the project id ("<project>") and times from start on
// ("<time>"), at any depth.
func normalise(t *testing.T, v any, start time.Time) any {
	t.Helper()
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			s, isString := e.(string)
			switch {
			case (k == "project" || k == "projectId") && isString:
				if !projectID.MatchString(s) {
					t.Errorf("%s %q is not a project id", k, s)
				}
				out[k] = "<project>"
			case k == "createdAt" && isString:
				at, err := time.Parse(time.RFC3339, s)
				if err != nil || at.Before(start) || at.After(time.Now()) {
					t.Errorf("createdAt %q is not an RFC 3339 time of this test (%v)", s, err)
				}
				out[k] = "<time>"
			default:
				out[k] = normalise(t, e, start)
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalise(t, e, start)
		}
		return out
	}
	return v
}

// matchText says whether got is want, or matches it when want is /.../.
func matchText(want, got string) bool {
	if len(want) > 1 && strings.HasPrefix(want, "/") && strings.HasSuffix(want, "/") {
		return regexp.MustCompile(want[1 : len(want)-1]).MatchString(got)
	}
	return got == want
}

// repliesTo waits for n signed replies to a user at the channel's webhook
// and returns their texts in order.
func repliesTo(t *testing.T, rcv *testkit.Receiver, user int64, n int) []string {
	t.Helper()
	var out []string
	rcv.WaitFor(t, 20*time.Second, fmt.Sprintf("%d replies to user %d", n, user), func([]testkit.Hit) bool {
		out = out[:0]
		for _, h := range rcv.Delivered() {
			var r struct {
				Message string `json:"message"`
				UserID  int64  `json:"userID"`
			}
			if json.Unmarshal(h.Body, &r) == nil && r.UserID == user && h.Verified {
				out = append(out, r.Message)
			}
		}
		return len(out) >= n
	})
	return out
}

// TestFunctionCallRoute calls the shop bot's function through POST
// /v1/bots/shop/functions/get_order/call against a real server: with and
// without a conversation, each answer shape, the failures, and parameters
// that do not fit; every answer is checked against the OpenAPI document.
func TestFunctionCallRoute(t *testing.T) {
	t.Parallel()
	doc := loadDocument(t)
	hc, _ := checkedClient(t, doc)
	jsonAnswer := func(body string) shopAnswer { return shopAnswer{status: 200, ct: "application/json", body: body} }
	shop, url, ch, rcv := serveShop(t, map[string]shopAnswer{
		"order 1001": jsonAnswer(`{"type": "context", "context": "Order 1001 is in delivery"}`),
		"order 1002": jsonAnswer(`{"type": "message", "message": ` + tiptapDoc + `}`),
		"order 1004": jsonAnswer(`{"type": "documents", "documents": [{"title": "Invoice #1923", "url": "https://url-to-invoice.com/1923", "content": "Paid"}]}`),
		"order 1005": {status: 500, ct: "text/plain", body: "database down"},
		"order 1006": {status: 200, ct: "text/plain", body: "in delivery"},
		"order 1007": jsonAnswer(`{"type": "nonsense"}`),
		"order 1009": {hang: true},
	}, hc)
	ctx := t.Context()
	admin := client.New(url, e2eAdminToken, client.WithHTTPClient(hc))
	start := time.Now().UTC().Truncate(time.Second)

	// A conversation with four messages: its session, comments and
	// variables go with the call.
	users := client.New(url, ch.Token)
	for _, text := range []string{"hi", "what?"} {
		if _, err := users.SendMessage(ctx, client.SendMessageRequest{ChannelID: ch.ChannelID, Message: text, UserID: 301}); err != nil {
			t.Fatal(err)
		}
	}
	repliesTo(t, rcv, 301, 2)
	convs, err := admin.ListConversations(ctx, client.ListConversationsOptions{User: "301"})
	if err != nil || len(convs.Conversations) != 1 {
		t.Fatalf("ListConversations = %+v, %v", convs, err)
	}
	conv := convs.Conversations[0]
	res, err := admin.CallFunction(ctx, "shop", "get_order", client.FunctionCallRequest{ConversationID: conv.ID,
		Params: map[string]any{"order_id": "#1001", "detail": "full"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Function != "get_order" || res.Status != 200 || res.LatencyMs < 0 || !cmp.Equal(res.Answer, client.FunctionAnswer{Type: "context", Context: "Order 1001 is in delivery"}) {
		t.Errorf("CallFunction = %+v", res)
	}
	want := jsonOf(fmt.Sprintf(`{
		"functionCall": "get_order",
		"params": {"order_id": 1001, "detail": "full"},
		"projectId": "<project>",
		"session": {"id": 301, "gleapId": 301, "userId": 301, "email": "", "name": "", "value": 0, "customData": {}},
		"comments": [
			{"type": "user", "text": "hi", "createdAt": "<time>"},
			{"type": "bot", "text": "Hi! Say complaint or an order number.", "createdAt": "<time>"},
			{"type": "user", "text": "what?", "createdAt": "<time>"},
			{"type": "bot", "text": "Say complaint or an order number.", "createdAt": "<time>"}
		],
		"ticket": {
			"_id": %q, "bugId": null, "shareToken": "", "createdAt": "<time>", "title": "", "status": "OPEN",
			"priority": null, "type": "INQUIRY", "formData": {"plan": "pro", "info": null},
			"sentiment": null, "isSpam": false, "attachments": [],
			"metaData": {"bot": "shop", "channel": "api", "channelId": %q}
		}
	}`, conv.ID, ch.ChannelID))
	calls := shop.callsOf("order 1001")
	if len(calls) != 1 {
		t.Fatalf("the server got %d calls, want 1", len(calls))
	}
	if diff := cmp.Diff(want, normalise(t, calls[0].payload, start)); diff != "" {
		t.Errorf("payload (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(calls[0].payload, res.Request); diff != "" {
		t.Errorf("the answer's request is not what the server got (-got +answer):\n%s", diff)
	}
	if got := calls[0].header.Get("Authorization"); got != "Bearer "+shopToken {
		t.Errorf("Authorization %q", got)
	}
	// For a conversation, the call is signed like the conversation's own
	// calls, with its channel's webhook secret, and keyed by it.
	wh, err := standardwebhooks.NewWebhook(ch.WebhookSecret)
	if err != nil {
		t.Fatal(err)
	}
	if err := wh.Verify(calls[0].body, calls[0].header); err != nil {
		t.Errorf("the call for a conversation does not verify with its channel's secret: %v", err)
	}
	if key := calls[0].header.Get("Idempotency-Key"); !strings.HasPrefix(key, conv.ID+"/fncall_") || calls[0].header.Get("webhook-id") != key {
		t.Errorf("the call for a conversation has the key %q (webhook-id %q), want %s/fncall_...", key, calls[0].header.Get("webhook-id"), conv.ID)
	}

	// Without a conversation: no session, no comments, the variables'
	// defaults.
	res, err = admin.CallFunction(ctx, "shop", "get_order", client.FunctionCallRequest{Params: map[string]any{"order_id": 1004}})
	if err != nil {
		t.Fatal(err)
	}
	docs := []any{map[string]any{"title": "Invoice #1923", "url": "https://url-to-invoice.com/1923", "content": "Paid"}}
	if diff := cmp.Diff(client.FunctionAnswer{Type: "documents", Documents: docs}, res.Answer); diff != "" {
		t.Errorf("answer (-want +got):\n%s", diff)
	}
	want = jsonOf(`{
		"functionCall": "get_order",
		"params": {"order_id": 1004},
		"projectId": "<project>",
		"session": {"id": null, "gleapId": null, "userId": null, "email": "", "name": "", "value": 0, "customData": {}},
		"comments": [],
		"ticket": {
			"_id": null, "bugId": null, "shareToken": "", "createdAt": null, "title": "", "status": "OPEN",
			"priority": null, "type": "INQUIRY", "formData": {"plan": "pro", "info": null},
			"sentiment": null, "isSpam": false, "attachments": [],
			"metaData": {"bot": "shop", "channel": "api", "channelId": ""}
		}
	}`)
	if diff := cmp.Diff(want, normalise(t, res.Request, start)); diff != "" {
		t.Errorf("payload without a conversation (-want +got):\n%s", diff)
	}
	// Without a conversation there is no channel to sign with: a new key,
	// no signature.
	if calls := shop.callsOf("order 1004"); len(calls) != 1 {
		t.Errorf("the server got %d calls without a conversation, want 1", len(calls))
	} else if h := calls[0].header; !strings.HasPrefix(h.Get("Idempotency-Key"), "fncall_") || h.Get("webhook-signature") != "" {
		t.Errorf("the call without a conversation has the headers %v; want a fncall_ key and no signature", h)
	}
	res, err = admin.CallFunction(ctx, "shop", "get_order", client.FunctionCallRequest{Params: map[string]any{"order_id": 1002}})
	if err != nil || !cmp.Equal(res.Answer, client.FunctionAnswer{Type: "message", Message: "We are sorry!\n- a voucher\n<script>x</script> (javascript:alert(1))"}) {
		t.Errorf("a message answer: %+v, %v", res, err)
	}

	// Failures: 502 (504 for a time-out) with the class and the reason.
	for _, tc := range []struct {
		order          int
		status         int
		class, detail  string
		upstreamStatus float64
	}{
		{1005, 502, "status", "the function answered 500 Internal Server Error", 500},
		{1006, 502, "answer", "the answer must be application/json, not text/plain", 200},
		{1007, 502, "answer", "the answer type nonsense is not context, message or documents", 200},
		{1009, 504, "timeout", "the function did not answer in time: ", 0},
	} {
		p := postJSON(t, hc, url+"/v1/bots/shop/functions/get_order/call", fmt.Sprintf(`{"params": {"order_id": %d}}`, tc.order), tc.status)
		detail, _ := p["detail"].(string)
		if p["errorClass"] != tc.class || !strings.HasPrefix(detail, tc.detail) || p["upstreamStatus"] != valueOrNil(tc.upstreamStatus) {
			t.Errorf("order %d: %v", tc.order, p)
		}
		if req, _ := p["request"].(map[string]any); req["functionCall"] != "get_order" {
			t.Errorf("order %d: the problem's request is %v", tc.order, p["request"])
		}
	}

	// Bad requests: the JSON pointer of the value at fault.
	for _, tc := range []struct {
		body, pointer, detail string
	}{
		{`{"params": {"order_id": "abc"}}`, "/params/order_id", `parameter order_id must be a number, not "abc"`},
		{`{"params": {"order_id": 1, "detail": "everything"}}`, "/params/detail", "parameter detail must be one of [short full], not everything"},
		{`{"params": {"order_id": 1, "a/b": 2}}`, "/params/a~1b", "function get_order has no parameter a/b"},
		{`{"params": {}}`, "/params/order_id", "the required parameter order_id of get_order has no value"},
		{`{}`, "/params/order_id", "the required parameter order_id of get_order has no value"},
		{`{"params": {"order_id": 1}, "conversationID": "x"}`, "/conversationID", "unknown field"},
		{`{"params": [1]}`, "/params", "must be an object, not array"},
	} {
		p := postJSON(t, hc, url+"/v1/bots/shop/functions/get_order/call", tc.body, http.StatusBadRequest)
		if p["pointer"] != tc.pointer || p["detail"] != tc.detail {
			t.Errorf("%s: %v, want %s at %s", tc.body, p, tc.detail, tc.pointer)
		}
	}
	_, err = admin.CallFunction(ctx, "shop", "get_order", client.FunctionCallRequest{ConversationID: "conv_notinthisproject", Params: map[string]any{"order_id": 1}})
	if e := wantError(t, err, http.StatusNotFound, `no conversation "conv_notinthisproject" in this project`); e.Pointer != "/conversationId" {
		t.Errorf("pointer %q", e.Pointer)
	}
	_, err = admin.CallFunction(ctx, "shop", "get_ordr", client.FunctionCallRequest{})
	wantError(t, err, http.StatusNotFound, `bot shop declares no function "get_ordr"`)
	_, err = admin.CallFunction(ctx, "nobot", "get_order", client.FunctionCallRequest{})
	wantError(t, err, http.StatusNotFound, `no bot "nobot" is served here`)
	_, err = client.New(url, "", client.WithHTTPClient(hc)).CallFunction(ctx, "shop", "get_order", client.FunctionCallRequest{})
	wantError(t, err, http.StatusUnauthorized, "missing Authorization")
	if n := len(shop.callsOf("order 1")); n != 0 {
		t.Errorf("refused calls reached the server %d times", n)
	}
}

func valueOrNil(f float64) any {
	if f == 0 {
		return nil
	}
	return f
}

// postJSON POSTs a JSON body with the admin token, checks the status and
// returns the answer decoded.
func postJSON(t *testing.T, hc *http.Client, url, body string, status int) map[string]any {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e2eAdminToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != status {
		t.Fatalf("POST %s %s = %d %s, want %d", url, body, resp.StatusCode, data, status)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("the answer is not JSON: %v\n%s", err, data)
	}
	return m
}
