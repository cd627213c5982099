package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/confab/confab/client"
)

// recorded is a request as the test server got it.
type recorded struct {
	method, uri, auth, idempotencyKey, contentType, userAgent string
	body                                                      string
}

// cannedServer answers every request with status and body (as
// contentType), and records the last request.
type cannedServer struct {
	*httptest.Server
	mu   sync.Mutex
	last recorded
}

func newCannedServer(t *testing.T, status int, contentType, body string, header http.Header) *cannedServer {
	t.Helper()
	s := &cannedServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.last = recorded{method: r.Method, uri: r.URL.RequestURI(), auth: r.Header.Get("Authorization"),
			idempotencyKey: r.Header.Get("Idempotency-Key"), contentType: r.Header.Get("Content-Type"),
			userAgent: r.UserAgent(), body: string(data)}
		s.mu.Unlock()
		for k, v := range header {
			w.Header()[k] = v
		}
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *cannedServer) request() recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last
}

func TestEveryMethodSendsItsRouteAndDecodesItsAnswer(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 22, 3, 21, 52, 351000000, time.UTC)
	channelJSON := `{"channelID":"ch 1","bot":"pizza","webhookUrl":"https://h.example/c","keywords":["#pizza"],"token":"cfb_chan_x","webhookSecret":"whsec_y","createdAt":"2026-11-22T03:21:52.351Z","updatedAt":"2026-11-22T03:21:52.351Z"}`
	channel := &client.Channel{ChannelID: "ch 1", Bot: "pizza", WebhookURL: "https://h.example/c", Keywords: []string{"#pizza"},
		Token: "cfb_chan_x", WebhookSecret: "whsec_y", CreatedAt: at, UpdatedAt: at}
	key := client.IdempotencyKey("key-1")
	webhookJSON := `{"id":"wh_1","url":"https://h.example/e","events":["message.received"],"description":"crm","secret":"whsec_z","disabled":"gone","failingSince":"2026-11-22T03:21:52.351Z","createdAt":"2026-11-22T03:21:52.351Z","updatedAt":"2026-11-22T03:21:52.351Z"}`
	hook := &client.Webhook{ID: "wh_1", URL: "https://h.example/e", Events: []string{"message.received"}, Description: "crm", Secret: "whsec_z",
		Disabled: "gone", FailingSince: at, CreatedAt: at, UpdatedAt: at}
	for _, tc := range []struct {
		name       string
		call       func(ctx context.Context, c *client.Client) (any, error)
		status     int
		answer     string
		want       any
		wantMethod string
		wantURI    string
		wantBody   string // "" for no body
		wantKey    string
	}{
		{
			name: "SendMessage",
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.SendMessage(ctx, client.SendMessageRequest{ChannelID: "ch_1", Message: "", UserID: 7,
					Attachments: []client.Attachment{{Base64: "data:image/png;base64,iVBO"}, {URL: "https://x.example/i.jpg"}}}, key)
			},
			status: 200, answer: `{"channelID":"ch_1","message":"","userID":7,"success":true}`,
			want:       &client.SendMessageResponse{ChannelID: "ch_1", UserID: 7, Success: true},
			wantMethod: "POST", wantURI: "/v1/messages", wantKey: "key-1",
			wantBody: `{"channelID":"ch_1","message":"","userID":7,"attachments":[{"base64":"data:image/png;base64,iVBO"},{"url":"https://x.example/i.jpg"}]}`,
		},
		{
			name: "CreateChannel",
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.CreateChannel(ctx, client.CreateChannelRequest{Bot: "pizza", WebhookURL: "https://h.example/c", Keywords: []string{"#pizza"}}, key)
			},
			status: 201, answer: channelJSON, want: channel,
			wantMethod: "POST", wantURI: "/v1/channels", wantKey: "key-1",
			wantBody: `{"bot":"pizza","webhookUrl":"https://h.example/c","keywords":["#pizza"]}`,
		},
		{
			name:   "ListChannels",
			call:   func(ctx context.Context, c *client.Client) (any, error) { return c.ListChannels(ctx) },
			status: 200, answer: `{"channels":[` + channelJSON + `]}`, want: &client.ChannelList{Channels: []client.Channel{*channel}},
			wantMethod: "GET", wantURI: "/v1/channels",
		},
		{
			name:   "GetChannel escapes the id",
			call:   func(ctx context.Context, c *client.Client) (any, error) { return c.GetChannel(ctx, "ch 1") },
			status: 200, answer: channelJSON, want: channel,
			wantMethod: "GET", wantURI: "/v1/channels/ch%201",
		},
		{
			name: "UpdateChannel sends only what changes, and [] to clear keywords",
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.UpdateChannel(ctx, "ch_1", client.UpdateChannelRequest{RotateSecret: true, Keywords: []string{}})
			},
			status: 200, answer: channelJSON, want: channel,
			wantMethod: "PATCH", wantURI: "/v1/channels/ch_1", wantBody: `{"keywords":[],"rotateSecret":true}`,
		},
		{
			name: "UpdateChannel leaves nil keywords out",
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.UpdateChannel(ctx, "ch_1", client.UpdateChannelRequest{Bot: "echo"})
			},
			status: 200, answer: channelJSON, want: channel,
			wantMethod: "PATCH", wantURI: "/v1/channels/ch_1", wantBody: `{"bot":"echo"}`,
		},
		{
			name:   "DeleteChannel",
			call:   func(ctx context.Context, c *client.Client) (any, error) { return nil, c.DeleteChannel(ctx, "ch_1") },
			status: 204, wantMethod: "DELETE", wantURI: "/v1/channels/ch_1",
		},
		{
			name:   "TestWebhook",
			call:   func(ctx context.Context, c *client.Client) (any, error) { return c.TestWebhook(ctx, "ch_1") },
			status: 200, answer: `{"reachable":false,"status":0,"latencyMs":0,"error":"refused"}`,
			want:       &client.TestWebhookResult{Error: "refused"},
			wantMethod: "POST", wantURI: "/v1/channels/ch_1/test-webhook",
		},
		{
			name: "ListDeliveries",
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.ListDeliveries(ctx, "ch_1", client.ListDeliveriesOptions{Limit: 5})
			},
			status: 200,
			answer: `{"deliveries":[{"id":"msg_1","conversationID":"conv_1","status":"dead","attempts":1,"lastStatus":302,"lastError":"redirect","createdAt":"2026-11-22T03:21:52.351Z","history":[{"at":"2026-11-22T03:21:52.351Z","status":302,"latencyMs":3,"error":"redirect","responseExcerpt":"no"}]}]}`,
			want: &client.DeliveryList{Deliveries: []client.Delivery{{ID: "msg_1", ConversationID: "conv_1", Status: client.DeliveryDead, Attempts: 1,
				LastStatus: 302, LastError: "redirect", CreatedAt: at,
				History: []client.DeliveryAttempt{{At: at, Status: 302, LatencyMs: 3, Error: "redirect", ResponseExcerpt: "no"}}}}},
			wantMethod: "GET", wantURI: "/v1/channels/ch_1/deliveries?limit=5",
		},
		{
			name: "ListDeliveries with the default limit",
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.ListDeliveries(ctx, "ch_1", client.ListDeliveriesOptions{})
			},
			status: 200, answer: `{"deliveries":[]}`, want: &client.DeliveryList{Deliveries: []client.Delivery{}},
			wantMethod: "GET", wantURI: "/v1/channels/ch_1/deliveries",
		},
		{
			name:   "ReplayDelivery",
			call:   func(ctx context.Context, c *client.Client) (any, error) { return c.ReplayDelivery(ctx, "msg_1", key) },
			status: 202, answer: `{"id":"msg_1","status":"pending"}`, want: &client.ReplayResult{ID: "msg_1", Status: "pending"},
			wantMethod: "POST", wantURI: "/v1/deliveries/msg_1/replay", wantKey: "key-1",
		},
		{
			name: "CreateToken",
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.CreateToken(ctx, client.CreateTokenRequest{Name: "crm", ExpiresAt: at}, key)
			},
			status: 201, answer: `{"id":"tok_1","name":"crm","token":"cfb_admin_abcd","prefix":"cfb_admin_abcd","createdAt":"2026-11-22T03:21:52.351Z","expiresAt":"2026-11-22T03:21:52.351Z"}`,
			want:       &client.Token{ID: "tok_1", Name: "crm", Token: "cfb_admin_abcd", Prefix: "cfb_admin_abcd", CreatedAt: at, ExpiresAt: at},
			wantMethod: "POST", wantURI: "/v1/tokens", wantKey: "key-1",
			wantBody: `{"name":"crm","expiresAt":"2026-11-22T03:21:52.351Z"}`,
		},
		{
			name: "CreateToken that does not expire",
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.CreateToken(ctx, client.CreateTokenRequest{Name: "crm"})
			},
			status: 201, answer: `{"id":"tok_1","name":"crm","token":"cfb_admin_abcd","prefix":"cfb_admin_abcd","createdAt":"2026-11-22T03:21:52.351Z"}`,
			want:       &client.Token{ID: "tok_1", Name: "crm", Token: "cfb_admin_abcd", Prefix: "cfb_admin_abcd", CreatedAt: at},
			wantMethod: "POST", wantURI: "/v1/tokens", wantBody: `{"name":"crm"}`,
		},
		{
			name:   "ListTokens",
			call:   func(ctx context.Context, c *client.Client) (any, error) { return c.ListTokens(ctx) },
			status: 200, answer: `{"tokens":[{"id":"tok_1","name":"crm","prefix":"cfb_admin_abcd","createdAt":"2026-11-22T03:21:52.351Z","lastUsedAt":"2026-11-22T03:21:52.351Z"}]}`,
			want:       &client.TokenList{Tokens: []client.Token{{ID: "tok_1", Name: "crm", Prefix: "cfb_admin_abcd", CreatedAt: at, LastUsedAt: at}}},
			wantMethod: "GET", wantURI: "/v1/tokens",
		},
		{
			name:   "RevokeToken",
			call:   func(ctx context.Context, c *client.Client) (any, error) { return nil, c.RevokeToken(ctx, "tok_1") },
			status: 204, wantMethod: "DELETE", wantURI: "/v1/tokens/tok_1",
		},
		{
			name: "CreateWebhook",
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.CreateWebhook(ctx, client.CreateWebhookRequest{URL: "https://h.example/e", Events: []string{client.EventMessageReceived}, Description: "crm"}, key)
			},
			status: 201, answer: webhookJSON, want: hook,
			wantMethod: "POST", wantURI: "/v1/webhooks", wantKey: "key-1",
			wantBody: `{"url":"https://h.example/e","events":["message.received"],"description":"crm"}`,
		},
		{
			name:   "ListWebhooks",
			call:   func(ctx context.Context, c *client.Client) (any, error) { return c.ListWebhooks(ctx) },
			status: 200, answer: `{"webhooks":[` + webhookJSON + `]}`, want: &client.WebhookList{Webhooks: []client.Webhook{*hook}},
			wantMethod: "GET", wantURI: "/v1/webhooks",
		},
		{
			name:   "GetWebhook escapes the id",
			call:   func(ctx context.Context, c *client.Client) (any, error) { return c.GetWebhook(ctx, "wh 1") },
			status: 200, answer: webhookJSON, want: hook,
			wantMethod: "GET", wantURI: "/v1/webhooks/wh%201",
		},
		{
			name: "UpdateWebhook sends only what changes",
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.UpdateWebhook(ctx, "wh_1", client.UpdateWebhookRequest{Events: []string{client.EventAll}, RotateSecret: true, Enable: true})
			},
			status: 200, answer: webhookJSON, want: hook,
			wantMethod: "PATCH", wantURI: "/v1/webhooks/wh_1", wantBody: `{"events":["*"],"rotateSecret":true,"enable":true}`,
		},
		{
			name:   "DeleteWebhook",
			call:   func(ctx context.Context, c *client.Client) (any, error) { return nil, c.DeleteWebhook(ctx, "wh_1") },
			status: 204, wantMethod: "DELETE", wantURI: "/v1/webhooks/wh_1",
		},
		{
			name:   "SendTestEvent",
			call:   func(ctx context.Context, c *client.Client) (any, error) { return c.SendTestEvent(ctx, "wh_1") },
			status: 200, answer: `{"reachable":true,"status":204,"latencyMs":3}`,
			want:       &client.TestWebhookResult{Reachable: true, Status: 204, LatencyMs: 3},
			wantMethod: "POST", wantURI: "/v1/webhooks/wh_1/test",
		},
		{
			name: "ListWebhookDeliveries",
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.ListWebhookDeliveries(ctx, "wh_1", client.ListDeliveriesOptions{Limit: 5})
			},
			status: 200,
			answer: `{"deliveries":[{"id":"msg_1","eventID":"evt_1","eventType":"handover.requested","conversationID":"conv_1","status":"pending","attempts":1,"nextAt":"2026-11-22T03:21:52.351Z","lastStatus":503,"lastError":"status 503","createdAt":"2026-11-22T03:21:52.351Z","history":[{"at":"2026-11-22T03:21:52.351Z","status":503,"latencyMs":3,"error":"status 503"}]}]}`,
			want: &client.EventDeliveryList{Deliveries: []client.EventDelivery{{ID: "msg_1", EventID: "evt_1", EventType: client.EventHandoverRequested,
				ConversationID: "conv_1", Status: client.DeliveryPending, Attempts: 1, NextAt: at, LastStatus: 503, LastError: "status 503", CreatedAt: at,
				History: []client.DeliveryAttempt{{At: at, Status: 503, LatencyMs: 3, Error: "status 503"}}}}},
			wantMethod: "GET", wantURI: "/v1/webhooks/wh_1/deliveries?limit=5",
		},
		{
			name: "ListWebhookDeliveries with the default limit",
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.ListWebhookDeliveries(ctx, "wh_1", client.ListDeliveriesOptions{})
			},
			status: 200, answer: `{"deliveries":[]}`, want: &client.EventDeliveryList{Deliveries: []client.EventDelivery{}},
			wantMethod: "GET", wantURI: "/v1/webhooks/wh_1/deliveries",
		},
		{
			name: "ListConversations",
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.ListConversations(ctx, client.ListConversationsOptions{Bot: "pizza", ChannelID: "ch 1", Status: "input", User: "42",
					UpdatedSince: at, Limit: 20, Cursor: "Yyw0"})
			},
			status: 200,
			answer: `{"conversations":[{"id":"conv_1","bot":"pizza","channelID":"ch 1","userID":42,"senderID":"c-42","status":"input","createdAt":"2026-11-22T03:21:52.351Z","updatedAt":"2026-11-22T03:21:52.351Z","lastMessageAt":"2026-11-22T03:21:52.351Z"}],"nextCursor":"Yyw1"}`,
			want: &client.ConversationList{Conversations: []client.Conversation{{ID: "conv_1", Bot: "pizza", ChannelID: "ch 1", UserID: 42, SenderID: "c-42",
				Status: "input", CreatedAt: at, UpdatedAt: at, LastMessageAt: at}}, NextCursor: "Yyw1"},
			wantMethod: "GET", wantURI: "/v1/conversations?bot=pizza&channel=ch+1&cursor=Yyw0&limit=20&status=input&updatedSince=2026-11-22T03%3A21%3A52.351Z&user=42",
		},
		{
			name: "ListConversations without options",
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.ListConversations(ctx, client.ListConversationsOptions{})
			},
			status: 200, answer: `{"conversations":[]}`, want: &client.ConversationList{Conversations: []client.Conversation{}},
			wantMethod: "GET", wantURI: "/v1/conversations",
		},
		{
			name:   "GetConversation",
			call:   func(ctx context.Context, c *client.Client) (any, error) { return c.GetConversation(ctx, "conv 1") },
			status: 200,
			answer: `{"id":"conv 1","bot":"pizza","channelID":"ch_1","userID":7,"status":"input","block":"ask_size","vars":{"size":null,"qty":2},"createdAt":"2026-11-22T03:21:52.351Z","updatedAt":"2026-11-22T03:21:52.351Z"}`,
			want: &client.Conversation{ID: "conv 1", Bot: "pizza", ChannelID: "ch_1", UserID: 7, Status: "input", Block: "ask_size",
				Vars: map[string]any{"size": nil, "qty": float64(2)}, CreatedAt: at, UpdatedAt: at},
			wantMethod: "GET", wantURI: "/v1/conversations/conv%201",
		},
		{
			name: "SendConversationMessage",
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.SendConversationMessage(ctx, "conv 1", client.OperatorMessage{Text: "Ana here", As: "agent", AdminID: 7,
					Rich: &client.RichMessage{QuickReplies: []client.QuickReply{{Title: "Yes"}}}})
			},
			status: 201,
			answer: `{"conversationID":"conv 1","commandID":"cmd_1","seq":9,"deliveryId":"msg_1","message":{"text":"Ana here","rich":{"quickReplies":[{"title":"Yes","payload":"Yes"}]},"as":"agent","adminID":7}}`,
			want: &client.SentConversationMessage{ConversationID: "conv 1", CommandID: "cmd_1", Seq: 9, DeliveryID: "msg_1", Message: client.OperatorMessage{
				Text: "Ana here", Rich: &client.RichMessage{QuickReplies: []client.QuickReply{{Title: "Yes", Payload: "Yes"}}}, As: "agent", AdminID: 7}},
			wantMethod: "POST", wantURI: "/v1/conversations/conv%201/messages",
			wantBody: `{"text":"Ana here","rich":{"quickReplies":[{"title":"Yes"}]},"as":"agent","adminID":7}`,
		},
		{
			name: "SetConversationSession sends null to delete",
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.SetConversationSession(ctx, "conv_1", map[string]any{"name": "Kim", "coupon": nil})
			},
			status: 200, answer: `{"conversationID":"conv_1","commandID":"cmd_1","status":"input","paused":false,"block":"ask","vars":{"name":"Kim"}}`,
			want:       &client.ConversationState{ConversationID: "conv_1", CommandID: "cmd_1", Status: "input", Block: "ask", Vars: map[string]any{"name": "Kim"}},
			wantMethod: "PATCH", wantURI: "/v1/conversations/conv_1/session", wantBody: `{"vars":{"coupon":null,"name":"Kim"}}`,
		},
		{
			name: "PostCallback",
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.PostCallback(ctx, "prj_1.conv_1.2.c2ln", map[string]any{"status": "paid"})
			},
			status: 202, answer: `{"accepted":true,"conversationID":"conv_1"}`,
			want:       &client.CallbackAccepted{Accepted: true, ConversationID: "conv_1"},
			wantMethod: "POST", wantURI: "/v1/callbacks/prj_1.conv_1.2.c2ln", wantBody: `{"status":"paid"}`,
		},
		{
			name:   "PauseConversation",
			call:   func(ctx context.Context, c *client.Client) (any, error) { return c.PauseConversation(ctx, "conv_1") },
			status: 200, answer: `{"conversationID":"conv_1","commandID":"cmd_1","status":"paused","paused":true,"vars":{}}`,
			want:       &client.ConversationState{ConversationID: "conv_1", CommandID: "cmd_1", Status: "paused", Paused: true, Vars: map[string]any{}},
			wantMethod: "POST", wantURI: "/v1/conversations/conv_1/pause",
		},
		{
			name:   "UnpauseConversation",
			call:   func(ctx context.Context, c *client.Client) (any, error) { return c.UnpauseConversation(ctx, "conv_1") },
			status: 200, answer: `{"conversationID":"conv_1","commandID":"cmd_1","status":"input","paused":false,"vars":{}}`,
			want:       &client.ConversationState{ConversationID: "conv_1", CommandID: "cmd_1", Status: "input", Vars: map[string]any{}},
			wantMethod: "POST", wantURI: "/v1/conversations/conv_1/unpause",
		},
		{
			name: "TriggerBlock",
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.TriggerBlock(ctx, "conv_1", client.TriggerRequest{Block: "checkout", Vars: map[string]any{"coupon": "X"}})
			},
			status: 200, answer: `{"conversationID":"conv_1","commandID":"cmd_1","status":"input","paused":false,"block":"confirm","vars":{"coupon":"X"}}`,
			want:       &client.ConversationState{ConversationID: "conv_1", CommandID: "cmd_1", Status: "input", Block: "confirm", Vars: map[string]any{"coupon": "X"}},
			wantMethod: "POST", wantURI: "/v1/conversations/conv_1/trigger", wantBody: `{"block":"checkout","vars":{"coupon":"X"}}`,
		},
		{
			name: "GetConversationCommand",
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.GetConversationCommand(ctx, "conv_1", "cmd 1")
			},
			status: 200,
			answer: `{"id":"cmd 1","conversationID":"conv_1","kind":"pause","status":"done","url":"/v1/conversations/conv_1/commands/cmd%201","createdAt":"2026-11-22T03:21:52.351Z","doneAt":"2026-11-22T03:21:52.351Z","result":{"status":"paused"}}`,
			want: &client.Command{ID: "cmd 1", ConversationID: "conv_1", Kind: "pause", Status: client.CommandDone, URL: "/v1/conversations/conv_1/commands/cmd%201",
				CreatedAt: at, DoneAt: at, Result: []byte(`{"status":"paused"}`)},
			wantMethod: "GET", wantURI: "/v1/conversations/conv_1/commands/cmd%201",
		},
		{
			name: "ListConversationMessages",
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.ListConversationMessages(ctx, "conv_1", client.ListConversationMessagesOptions{After: 2, Before: 9, Desc: true, Limit: 3, Cursor: "bSw4"})
			},
			status: 200,
			answer: `{"messages":[{"seq":4,"direction":"out","text":"hi","rich":{"quickReplies":[{"title":"A","payload":"a"}]},"as":"agent","adminID":3,"createdAt":"2026-11-22T03:21:52.351Z"},{"seq":3,"direction":"in","text":"x","attachments":[{"url":"https://x.example/i.jpg"}],"createdAt":"2026-11-22T03:21:52.351Z"}],"nextCursor":"bSwz"}`,
			want: &client.ConversationMessageList{Messages: []client.ConversationMessage{
				{Seq: 4, Direction: "out", Text: "hi", Rich: []byte(`{"quickReplies":[{"title":"A","payload":"a"}]}`), As: "agent", AdminID: 3, CreatedAt: at},
				{Seq: 3, Direction: "in", Text: "x", Attachments: []client.Attachment{{URL: "https://x.example/i.jpg"}}, CreatedAt: at}}, NextCursor: "bSwz"},
			wantMethod: "GET", wantURI: "/v1/conversations/conv_1/messages?after=2&before=9&cursor=bSw4&limit=3&order=desc",
		},
		{
			name: "ListConversationLogs",
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.ListConversationLogs(ctx, "conv_1", client.ListConversationLogsOptions{Desc: true, Limit: 1})
			},
			status: 200,
			answer: `{"logs":[{"seq":3,"at":"2026-11-22T03:21:52.351Z","steps":[{"kind":"set","block":"b","var":"v","new":"x"},{"kind":"call","block":"c","detail":"GET https://x.example/","status":200,"latencyMs":4.5}]}]}`,
			want: &client.TurnLogList{Logs: []client.TurnLog{{Seq: 3, At: at, Steps: []client.LogStep{{Kind: "set", Block: "b", Var: "v", New: "x"},
				{Kind: "call", Block: "c", Detail: "GET https://x.example/", Status: 200, LatencyMs: 4.5}}}}},
			wantMethod: "GET", wantURI: "/v1/conversations/conv_1/logs?limit=1&order=desc",
		},
		{
			name:   "ListBots",
			call:   func(ctx context.Context, c *client.Client) (any, error) { return c.ListBots(ctx) },
			status: 200,
			answer: `{"bots":[{"id":"pizza","name":"Pizza Palace","version":{"hash":"ab12","loadedAt":"2026-11-22T03:21:52.351Z","source":"bots/pizza.yaml"},"channels":["ch_1"]}]}`,
			want: &client.BotList{Bots: []client.Bot{{ID: "pizza", Name: "Pizza Palace", Version: client.BotVersion{Hash: "ab12", LoadedAt: at, Source: "bots/pizza.yaml"},
				Channels: []string{"ch_1"}}}},
			wantMethod: "GET", wantURI: "/v1/bots",
		},
		{
			name:   "GetBot",
			call:   func(ctx context.Context, c *client.Client) (any, error) { return c.GetBot(ctx, "pizza") },
			status: 200,
			answer: `{"id":"pizza","version":{"hash":"ab12","loadedAt":"2026-11-22T03:21:52.351Z","source":"b.yaml"},"channels":[],"versions":[{"hash":"ab12","loadedAt":"2026-11-22T03:21:52.351Z","source":"b.yaml"}]}`,
			want: &client.Bot{ID: "pizza", Version: client.BotVersion{Hash: "ab12", LoadedAt: at, Source: "b.yaml"}, Channels: []string{},
				Versions: []client.BotVersion{{Hash: "ab12", LoadedAt: at, Source: "b.yaml"}}},
			wantMethod: "GET", wantURI: "/v1/bots/pizza",
		},
		{
			name:   "ReloadBot",
			call:   func(ctx context.Context, c *client.Client) (any, error) { return c.ReloadBot(ctx, "pizza") },
			status: 200,
			answer: `{"bot":{"id":"pizza","version":{"hash":"cd34","loadedAt":"2026-11-22T03:21:52.351Z","source":"b.yaml"},"channels":[]},"changed":true,"warnings":["b.yaml:1:1: warning: w"]}`,
			want: &client.BotReload{Bot: client.Bot{ID: "pizza", Version: client.BotVersion{Hash: "cd34", LoadedAt: at, Source: "b.yaml"}, Channels: []string{}},
				Changed: true, Warnings: []string{"b.yaml:1:1: warning: w"}},
			wantMethod: "POST", wantURI: "/v1/bots/pizza/reload",
		},
		{
			name: "ParseText",
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.ParseText(ctx, client.ParseRequest{Bot: "pizza", Text: "a big one"})
			},
			status: 200,
			answer: `{"intent":{"name":"order","confidence":0.8},"confidence":0.8,"entities":[{"entity":"size","value":"large","start":2,"end":5,"text":"big"}],"alternatives":[{"name":"order","confidence":0.8}]}`,
			want: &client.ParseResult{Intent: &client.IntentScore{Name: "order", Confidence: 0.8}, Confidence: 0.8,
				Entities:     []client.ParsedEntity{{Entity: "size", Value: "large", Start: 2, End: 5, Text: "big"}},
				Alternatives: []client.IntentScore{{Name: "order", Confidence: 0.8}}},
			wantMethod: "POST", wantURI: "/v1/nlp/parse", wantBody: `{"bot":"pizza","text":"a big one"}`,
		},
		{
			name: "CallFunction",
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.CallFunction(ctx, "orders", "get order", client.FunctionCallRequest{ConversationID: "conv_1", Params: map[string]any{"order_id": 1234}})
			},
			status: 200,
			answer: `{"function":"get order","status":200,"latencyMs":12,"answer":{"type":"context","context":"in delivery"},"request":{"functionCall":"get order"}}`,
			want: &client.FunctionCallResult{Function: "get order", Status: 200, LatencyMs: 12,
				Answer: client.FunctionAnswer{Type: "context", Context: "in delivery"}, Request: map[string]any{"functionCall": "get order"}},
			wantMethod: "POST", wantURI: "/v1/bots/orders/functions/get%20order/call", wantBody: `{"conversationId":"conv_1","params":{"order_id":1234}}`,
		},
		{
			name:   "Health",
			call:   func(ctx context.Context, c *client.Client) (any, error) { return c.Health(ctx) },
			status: 200, answer: `{"status":"ok"}`, want: &client.Health{Status: "ok"},
			wantMethod: "GET", wantURI: "/healthz",
		},
		{
			name:   "Ready",
			call:   func(ctx context.Context, c *client.Client) (any, error) { return c.Ready(ctx) },
			status: 200, answer: `{"status":"ready"}`, want: &client.Health{Status: "ready"},
			wantMethod: "GET", wantURI: "/readyz",
		},
		{
			name:   "Metrics",
			call:   func(ctx context.Context, c *client.Client) (any, error) { return c.Metrics(ctx) },
			status: 200, answer: "a_metric 1\n", want: []byte("a_metric 1\n"),
			wantMethod: "GET", wantURI: "/metrics",
		},
		{
			name:   "OpenAPI",
			call:   func(ctx context.Context, c *client.Client) (any, error) { return c.OpenAPI(ctx) },
			status: 200, answer: `{"openapi":"3.1.0"}`, want: []byte(`{"openapi":"3.1.0"}`),
			wantMethod: "GET", wantURI: "/v1/openapi.json",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newCannedServer(t, tc.status, "application/json", tc.answer, nil)
			got, err := tc.call(t.Context(), client.New(s.URL+"/", "tok-1"))
			if err != nil {
				t.Fatal(err)
			}
			if tc.want != nil && !reflect.DeepEqual(got, tc.want) {
				t.Errorf("answer\n%+v\nwant\n%+v", got, tc.want)
			}
			r := s.request()
			if r.method != tc.wantMethod || r.uri != tc.wantURI || r.auth != "Bearer tok-1" || r.idempotencyKey != tc.wantKey {
				t.Errorf("request %s %s, Authorization %q, Idempotency-Key %q; want %s %s, Bearer tok-1, %q",
					r.method, r.uri, r.auth, r.idempotencyKey, tc.wantMethod, tc.wantURI, tc.wantKey)
			}
			if r.userAgent != "confab-go-client" {
				t.Errorf("User-Agent %q", r.userAgent)
			}
			if r.body != "" && r.contentType != "application/json" {
				t.Errorf("Content-Type %q", r.contentType)
			}
			if tc.wantBody != "" || r.body != "" {
				if !sameJSON(t, r.body, tc.wantBody) {
					t.Errorf("body %s, want %s", r.body, tc.wantBody)
				}
			}
		})
	}
}

// sameJSON says whether two JSON texts hold the same value, keys in the
// same order.
func sameJSON(t *testing.T, a, b string) bool {
	t.Helper()
	if a == "" || b == "" {
		return a == b
	}
	var va, vb any
	if err := json.Unmarshal([]byte(a), &va); err != nil {
		t.Fatalf("%q: %v", a, err)
	}
	if err := json.Unmarshal([]byte(b), &vb); err != nil {
		t.Fatalf("%q: %v", b, err)
	}
	return reflect.DeepEqual(va, vb) && strings.Join(keys(a), ",") == strings.Join(keys(b), ",")
}

// keys lists the keys of a JSON text in order.
func keys(s string) []string {
	var out []string
	dec := json.NewDecoder(strings.NewReader(s))
	for {
		tok, err := dec.Token()
		if err != nil {
			return out
		}
		if k, ok := tok.(string); ok && dec.More() {
			out = append(out, k)
		}
	}
}

func TestErrorAnswersBecomeErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name        string
		status      int
		contentType string
		body        string
		header      http.Header
		want        client.Error
		wantText    string
	}{
		{
			name: "problem+json", status: 400, contentType: "application/problem+json",
			body:     `{"type":"about:blank","title":"Bad Request","status":400,"detail":"no bot \"x\" is served here","pointer":"/bot"}`,
			want:     client.Error{Method: "GET", Path: "/v1/channels", Status: 400, Type: "about:blank", Title: "Bad Request", Detail: `no bot "x" is served here`, Pointer: "/bot"},
			wantText: `confab: GET /v1/channels: 400 Bad Request: no bot "x" is served here (at /bot)`,
		},
		{
			name: "the API channel's error", status: 401, contentType: "application/json",
			body:     `{"success":false,"error":"wrong channelID or token"}`,
			want:     client.Error{Method: "GET", Path: "/v1/channels", Status: 401, Message: "wrong channelID or token"},
			wantText: "confab: GET /v1/channels: 401 Unauthorized: wrong channelID or token",
		},
		{
			name: "503 with Retry-After", status: 503, contentType: "application/problem+json",
			body:     `{"type":"about:blank","title":"Service Unavailable","status":503,"detail":"the server is shutting down; try again"}`,
			header:   http.Header{"Retry-After": {"5"}},
			want:     client.Error{Method: "GET", Path: "/v1/channels", Status: 503, Type: "about:blank", Title: "Service Unavailable", Detail: "the server is shutting down; try again", RetryAfter: 5 * time.Second},
			wantText: "confab: GET /v1/channels: 503 Service Unavailable: the server is shutting down; try again",
		},
		{
			name: "a bot file's problems", status: 422, contentType: "application/problem+json",
			body:     `{"type":"about:blank","title":"Unprocessable Entity","status":422,"detail":"the bot file has errors","problems":["bots/a.yaml:3:1: x","bots/a.yaml:9:5: y"]}`,
			want:     client.Error{Method: "GET", Path: "/v1/channels", Status: 422, Type: "about:blank", Title: "Unprocessable Entity", Detail: "the bot file has errors", Problems: []string{"bots/a.yaml:3:1: x", "bots/a.yaml:9:5: y"}},
			wantText: "confab: GET /v1/channels: 422 Unprocessable Entity: the bot file has errors",
		},
		{
			name: "plain text", status: 404, contentType: "text/plain; charset=utf-8", body: "404 page not found\n",
			want:     client.Error{Method: "GET", Path: "/v1/channels", Status: 404, Detail: "404 page not found"},
			wantText: "confab: GET /v1/channels: 404 Not Found: 404 page not found",
		},
		{
			name: "JSON that is neither shape", status: 500, contentType: "application/json", body: `{"oops":1}`,
			want:     client.Error{Method: "GET", Path: "/v1/channels", Status: 500, Detail: `{"oops":1}`},
			wantText: `confab: GET /v1/channels: 500 Internal Server Error: {"oops":1}`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newCannedServer(t, tc.status, tc.contentType, tc.body, tc.header)
			_, err := client.New(s.URL, "").ListChannels(t.Context())
			var e *client.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is not a *client.Error", err)
			}
			if !reflect.DeepEqual(*e, tc.want) {
				t.Errorf("error\n%+v\nwant\n%+v", *e, tc.want)
			}
			if e.Error() != tc.wantText {
				t.Errorf("Error() = %q, want %q", e.Error(), tc.wantText)
			}
		})
	}
}

func TestNoAnswerIsAnErrorNamingTheRequest(t *testing.T) {
	t.Parallel()
	s := httptest.NewServer(http.NotFoundHandler())
	url := s.URL
	s.Close()
	_, err := client.New(url, "").GetChannel(t.Context(), "ch_1")
	var e *client.Error
	if err == nil || errors.As(err, &e) || !strings.Contains(err.Error(), "GET /v1/channels/ch_1") {
		t.Errorf("error %v, want a transport error naming GET /v1/channels/ch_1", err)
	}
}

func TestAnswerThatIsNotTheJSONExpected(t *testing.T) {
	t.Parallel()
	s := newCannedServer(t, 200, "application/json", `{"channels":"no"}`, nil)
	_, err := client.New(s.URL, "").ListChannels(t.Context())
	if err == nil || !strings.Contains(err.Error(), "GET /v1/channels: the answer 200 is not the JSON expected") {
		t.Errorf("error %v", err)
	}
}

func TestContextCancelsTheCall(t *testing.T) {
	t.Parallel()
	s := newCannedServer(t, 200, "application/json", `{"status":"ok"}`, nil)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := client.New(s.URL, "").Health(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
}

// countingTransport counts the requests it carries.
type countingTransport struct {
	mu sync.Mutex
	n  int
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

func TestOptionsSetTheHTTPClientAndUserAgent(t *testing.T) {
	t.Parallel()
	s := newCannedServer(t, 200, "application/json", `{"status":"ok"}`, nil)
	tr := &countingTransport{}
	c := client.New(s.URL, "", client.WithHTTPClient(&http.Client{Transport: tr}), client.WithUserAgent("my-app/2"))
	if _, err := c.Health(t.Context()); err != nil {
		t.Fatal(err)
	}
	if r := s.request(); r.userAgent != "my-app/2" || r.auth != "" {
		t.Errorf("User-Agent %q, Authorization %q", r.userAgent, r.auth)
	}
	if tr.n != 1 {
		t.Errorf("the HTTP client carried %d requests, want 1", tr.n)
	}
}
