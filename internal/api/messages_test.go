package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/confab/confab/internal/store"
)

// sendAnswer is the seed's answer of POST /v1/messages.
type sendAnswer struct {
	ChannelID string `json:"channelID"`
	Message   string `json:"message"`
	UserID    int64  `json:"userID"`
	SenderID  string `json:"senderID"`
	Success   bool   `json:"success"`
	Error     string `json:"error"`
}

func (e *env) send(t *testing.T, body map[string]any, h http.Header) (answer, sendAnswer) {
	t.Helper()
	a := e.doHeader(t, "POST", "/v1/messages", jsonBody(t, body), h)
	var s sendAnswer
	if err := json.Unmarshal(a.body, &s); err != nil {
		t.Fatalf("answer %d %q", a.status, a.body)
	}
	return a, s
}

// inbound returns the inbound messages of a user's conversation on a
// channel, as stored.
func (e *env) inbound(t *testing.T, channelID string, userID int64) []store.Message {
	t.Helper()
	ctx := context.Background()
	// The conversation id is not in the answer: find it through a claim
	// (no turn worker runs here) whose lease ends at once.
	now := time.Now()
	turns, err := e.store.ClaimTurns(ctx, store.Lease{Owner: "peek", Now: now, Until: now}, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range turns {
		if tr.Conversation.ChannelID == channelID && tr.Conversation.UserID == userID {
			return tr.Messages
		}
	}
	return nil
}

func TestSendWithTheTokenAsBearer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ch := e.createChannel(t, tokenA, map[string]any{})
	a, s := e.send(t, map[string]any{"channelID": ch.ChannelID, "message": "hi there"}, http.Header{"Authorization": {"Bearer " + ch.Token}})
	if a.status != 200 || !s.Success || s.ChannelID != ch.ChannelID || s.Message != "hi there" || s.UserID != 1 || s.SenderID != "" || s.Error != "" {
		t.Fatalf("= %d %s", a.status, a.body)
	}
	if strings.Contains(string(a.body), "senderID") {
		t.Errorf("senderID shown without one: %s", a.body)
	}
	if e.accepted.Load() != 1 {
		t.Errorf("Accepted called %d times", e.accepted.Load())
	}
	if msgs := e.inbound(t, ch.ChannelID, 1); len(msgs) != 1 || msgs[0].Text != "hi there" || msgs[0].Direction != "in" || msgs[0].Seq != 1 {
		t.Errorf("stored %+v", msgs)
	}

	for _, tc := range []struct {
		name   string
		body   map[string]any
		header []string
		err    string
	}{
		{"no token anywhere", map[string]any{"channelID": ch.ChannelID, "message": "hi"}, nil, "token is required (in the body or as Authorization: Bearer)"},
		{"wrong bearer", map[string]any{"channelID": ch.ChannelID, "message": "hi"}, []string{"Bearer " + strings.Repeat("x", 40)}, "wrong channelID or token"},
		{"an admin token is not a channel token", map[string]any{"channelID": ch.ChannelID, "message": "hi"}, []string{"Bearer " + tokenA}, "wrong channelID or token"},
		{"unknown channel", map[string]any{"channelID": "nope", "message": "hi"}, []string{"Bearer " + ch.Token}, "wrong channelID or token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, s := e.send(t, tc.body, http.Header{"Authorization": tc.header})
			if a.status != 401 || s.Success || s.Error != tc.err || a.header.Get("WWW-Authenticate") != `Bearer realm="confab"` {
				t.Errorf("= %d %s %v", a.status, a.body, a.header)
			}
		})
	}
	if e.accepted.Load() != 1 {
		t.Errorf("refused messages called Accepted")
	}
}

func TestSenderIDNamesOneUser(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ch := e.createChannel(t, tokenA, map[string]any{})
	other := e.createChannel(t, tokenA, map[string]any{})
	send := func(ch created, extra map[string]any) sendAnswer {
		t.Helper()
		body := map[string]any{"channelID": ch.ChannelID, "token": ch.Token, "message": "m"}
		for k, v := range extra {
			body[k] = v
		}
		a, s := e.send(t, body, nil)
		if a.status != 200 || !s.Success {
			t.Fatalf("= %d %s", a.status, a.body)
		}
		return s
	}
	anna1 := send(ch, map[string]any{"senderID": "anna@shop"})
	bob := send(ch, map[string]any{"senderID": "bob@shop"})
	anon := send(ch, nil)
	anna2 := send(ch, map[string]any{"senderID": "anna@shop"})
	annaOther := send(other, map[string]any{"senderID": "anna@shop"}) // the same project: the same user
	byID := send(ch, map[string]any{"userID": anna1.UserID})          // the user by number: anna's conversation

	if anna1.SenderID != "anna@shop" || anna1.UserID != anna2.UserID || anna1.UserID != annaOther.UserID {
		t.Errorf("anna got %+v, %+v and %+v", anna1, anna2, annaOther)
	}
	if ids := []int64{anna1.UserID, bob.UserID, anon.UserID}; ids[0] == ids[1] || ids[1] == ids[2] || ids[0] == ids[2] {
		t.Errorf("distinct users share an id: %v", ids)
	}
	if msgs := e.inbound(t, ch.ChannelID, anna1.UserID); len(msgs) != 3 || msgs[0].Seq != 1 || msgs[2].Seq != 3 {
		t.Errorf("anna's conversation holds %+v, want her two messages and the one by userID", msgs)
	}
	if byID.UserID != anna1.UserID || byID.SenderID != "" {
		t.Errorf("by userID %+v", byID)
	}
}

func TestSendValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ch := e.createChannel(t, tokenA, map[string]any{})
	for _, tc := range []struct {
		name string
		body map[string]any
		err  string
	}{
		{"userID and senderID", map[string]any{"message": "hi", "userID": 3, "senderID": "s"}, "/senderID: give userID or senderID, not both"},
		{"senderID too long", map[string]any{"message": "hi", "senderID": strings.Repeat("s", 257)}, "/senderID: senderID is longer than 256 characters"},
		{"userID zero", map[string]any{"message": "hi", "userID": 0}, "/userID: userID must be a whole number from 1"},
		{"userID negative", map[string]any{"message": "hi", "userID": -4}, "/userID: userID must be a whole number from 1"},
		{"userID a fraction", map[string]any{"message": "hi", "userID": 1.5}, "/userID: must be a whole number, not 1.5"},
		{"blank message", map[string]any{"message": "  \n"}, "/message: message is empty and there are no attachments"},
		{"no channelID", map[string]any{"channelID": "", "message": "hi"}, "/channelID: channelID is required"},
		{"attachment with both", map[string]any{"message": "", "attachments": []any{map[string]any{"base64": "data:image/png;base64,AAAA", "url": "https://x.example.com/a.png"}}}, "/attachments/0: an attachment has base64 or url, not both"},
		{"attachment with neither", map[string]any{"message": "hi", "attachments": []any{map[string]any{}}}, "/attachments/0: an attachment needs base64 or url"},
		{"base64 without data:", map[string]any{"message": "hi", "attachments": []any{map[string]any{"base64": "image/png;base64,AAAA"}}}, `/attachments/0: base64 must be a data URL: "data:<type>;base64,<data>"`},
		{"data URL without ;base64", map[string]any{"message": "hi", "attachments": []any{map[string]any{"base64": "data:image/png,AAAA"}}}, `/attachments/0: base64 must be a data URL: "data:<type>;base64,<data>"`},
		{"data URL without a comma", map[string]any{"message": "hi", "attachments": []any{map[string]any{"base64": "data:image/png;base64"}}}, `/attachments/0: base64 must be a data URL: "data:<type>;base64,<data>"`},
		{"url ftp", map[string]any{"message": "hi", "attachments": []any{map[string]any{"url": "ftp://x.example.com/a.png"}}}, "/attachments/0: url must be an absolute http or https URL"},
		{"second attachment relative", map[string]any{"message": "hi", "attachments": []any{map[string]any{"url": "https://x.example.com/a.png"}, map[string]any{"url": "/a.png"}}}, "/attachments/1: url must be an absolute http or https URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			body := map[string]any{"channelID": ch.ChannelID, "token": ch.Token}
			for k, v := range tc.body {
				body[k] = v
			}
			a, s := e.send(t, body, nil)
			if a.status != 400 || s.Success || s.Error != tc.err {
				t.Errorf("= %d %s, want 400 and %q", a.status, a.body, tc.err)
			}
		})
	}
	if e.accepted.Load() != 0 {
		t.Errorf("a refused message was accepted")
	}
}

func TestSendAttachments(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ch := e.createChannel(t, tokenA, map[string]any{})
	for i, tc := range []struct {
		name        string
		message     string
		attachments []store.Attachment
	}{
		{"a data URL without text", "", []store.Attachment{{Base64: "data:image/png;base64,iVBORw0KGgo="}}},
		{"an https URL", "look", []store.Attachment{{URL: "https://cdn.example.com/cat.png"}}},
		{"an http URL and a data URL", "two", []store.Attachment{{URL: "http://cdn.example.com/a.pdf"}, {Base64: "data:application/pdf;base64,JVBERi0="}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			userID := int64(100 + i)
			a, s := e.send(t, map[string]any{"channelID": ch.ChannelID, "token": ch.Token, "message": tc.message, "userID": userID, "attachments": tc.attachments}, nil)
			if a.status != 200 || !s.Success || s.UserID != userID || s.Message != tc.message {
				t.Fatalf("= %d %s", a.status, a.body)
			}
			msgs := e.inbound(t, ch.ChannelID, userID)
			if len(msgs) != 1 {
				t.Fatalf("stored %+v", msgs)
			}
			var payload struct{ Attachments []store.Attachment }
			if err := json.Unmarshal(msgs[0].Payload, &payload); err != nil {
				t.Fatalf("payload %q", msgs[0].Payload)
			}
			if len(payload.Attachments) != len(tc.attachments) {
				t.Fatalf("stored attachments %+v", payload.Attachments)
			}
			for j := range tc.attachments {
				if payload.Attachments[j] != tc.attachments[j] {
					t.Errorf("attachment %d stored as %+v, want %+v", j, payload.Attachments[j], tc.attachments[j])
				}
			}
		})
	}
}
