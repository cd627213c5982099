package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/confab/confab/internal/store"
)

// ShortestPath accepts two messages of one user on a migrated store s, the
// second with a guess that holds, each turn logging its name ("first",
// "second"), and returns the conversation's id. A dialect's own test then
// checks where the store put what (both dialects take the shortest path:
// one conversation UPDATE, the log in the message's row).
func ShortestPath(t *testing.T, s store.Store) string {
	t.Helper()
	ctx := context.Background()
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.UnixMilli(time.Now().UnixMilli()).UTC()
	p := store.Project{ID: store.NewID("prj"), Name: "p", CreatedAt: now}
	if err := s.CreateProject(ctx, p); err != nil {
		t.Fatal(err)
	}
	c := store.Channel{ID: store.NewID("chn"), ProjectID: p.ID, Bot: "b", TokenHash: []byte("h"), WebhookURL: "https://example.com", WebhookSecret: "whsec_x", CreatedAt: now, UpdatedAt: now}
	if err := s.CreateChannel(ctx, c); err != nil {
		t.Fatal(err)
	}
	seven := int64(7)
	turn := func(log string) func(store.Conversation, store.Message) (store.TurnResult, bool) {
		return func(_ store.Conversation, m store.Message) (store.TurnResult, bool) {
			return store.TurnResult{State: []byte(`"` + log + `"`), Status: "input", HandledSeq: m.Seq, Now: now, Log: []byte(`["` + log + `"]`)}, true
		}
	}
	first, err := s.Accept(ctx, store.Inbound{ProjectID: p.ID, ChannelID: c.ID, Bot: "b", UserID: &seven, Text: "one", Now: now, Run: turn("first")})
	if err != nil || !first.Ran {
		t.Fatalf("Accept = %+v, %v", first, err)
	}
	prior, err := s.GetConversation(ctx, p.ID, first.ConversationID)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := turn("second")(prior, store.Message{})
	in := store.Inbound{ProjectID: p.ID, ChannelID: c.ID, Bot: "b", UserID: &seven, Text: "two", Now: now, Run: turn("second"),
		Guess: &store.Guess{Prior: prior, LastSeq: 1, Result: r}}
	if acc, err := s.Accept(ctx, in); err != nil || !acc.Ran || acc.Seq != 2 {
		t.Fatalf("Accept with a guess = %+v, %v", acc, err)
	}
	return first.ConversationID
}
