package storetest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/confab/confab/internal/store"
)

var acceptTests = []test{
	{name: "NewUsers", run: func(t *testing.T, f *fixture) {
		p, q := f.project(t), f.project(t)
		c, d := f.channel(t, p.ID), f.channel(t, q.ID)
		convs := map[string]bool{}
		for want := int64(1); want <= 3; want++ {
			acc := f.accept(t, f.inbound(c, "hi"))
			if acc.UserID != want || acc.Seq != 1 {
				t.Errorf("Accept #%d = user %d seq %d, want user %d seq 1", want, acc.UserID, acc.Seq, want)
			}
			convs[acc.ConversationID] = true
		}
		if len(convs) != 3 {
			t.Errorf("3 new users got %d conversations, want 3", len(convs))
		}
		if acc := f.accept(t, f.inbound(d, "hi")); acc.UserID != 1 {
			t.Errorf("the first user of another project is %d, want 1", acc.UserID)
		}
	}},
	{name: "GivenUser", run: func(t *testing.T, f *fixture) {
		p := f.project(t)
		c := f.channel(t, p.ID)
		user := func(id *int64) store.Accepted {
			in := f.inbound(c, "hi")
			in.UserID = id
			return f.accept(t, in)
		}
		ten, five := int64(10), int64(5)
		first := user(&ten)
		if first.UserID != 10 {
			t.Errorf("given user 10 = %d", first.UserID)
		}
		if got := user(nil).UserID; got != 11 {
			t.Errorf("a new user after user 10 is %d, want 11", got)
		}
		if got := user(&five).UserID; got != 5 {
			t.Errorf("given user 5 = %d", got)
		}
		if got := user(nil).UserID; got != 12 {
			t.Errorf("a new user after user 11 and given user 5 is %d, want 12", got)
		}
		again := user(&ten)
		if again.UserID != 10 || again.ConversationID != first.ConversationID || again.Seq != 2 {
			t.Errorf("user 10 again = %+v, want user 10 in conversation %s at seq 2", again, first.ConversationID)
		}
	}},
	{name: "SenderID", run: func(t *testing.T, f *fixture) {
		p, q := f.project(t), f.project(t)
		c, d := f.channel(t, p.ID), f.channel(t, q.ID)
		sender := func(c store.Channel, s string) store.Accepted {
			in := f.inbound(c, "hi")
			in.SenderID = s
			return f.accept(t, in)
		}
		alice := sender(c, "alice")
		again := sender(c, "alice")
		bob := sender(c, "bob")
		if alice.UserID != 1 || bob.UserID != 2 {
			t.Errorf("alice, bob = users %d, %d; want 1, 2", alice.UserID, bob.UserID)
		}
		if again.UserID != alice.UserID || again.ConversationID != alice.ConversationID || again.Seq != 2 {
			t.Errorf("alice again = %+v, want user %d in conversation %s at seq 2", again, alice.UserID, alice.ConversationID)
		}
		conv, err := f.s.GetConversation(f.ctx, p.ID, alice.ConversationID)
		is(t, "GetConversation", err, nil)
		if conv.SenderID != "alice" || conv.UserID != alice.UserID {
			t.Errorf("conversation of alice has sender %q user %d", conv.SenderID, conv.UserID)
		}
		if other := sender(d, "alice"); other.UserID != 1 || other.ConversationID == alice.ConversationID {
			t.Errorf("alice of another project = %+v, want user 1 in a new conversation", other)
		}
		anon := f.accept(t, f.inbound(c, "hi"))
		conv, err = f.s.GetConversation(f.ctx, p.ID, anon.ConversationID)
		is(t, "GetConversation", err, nil)
		if conv.SenderID != "" || anon.UserID != 3 {
			t.Errorf("a user without sender id = user %d sender %q, want user 3 and no sender", anon.UserID, conv.SenderID)
		}
	}},
	{name: "Conversation", run: func(t *testing.T, f *fixture) {
		p := f.project(t)
		c, d := f.channel(t, p.ID), f.channel(t, p.ID)
		one := int64(1)
		in := f.inbound(c, "first")
		in.UserID = &one
		in.Attachments = []store.Attachment{{URL: "https://example.com/a.png"}, {Base64: "data:text/plain;base64,aGk="}}
		a1 := f.accept(t, in)
		in = f.inbound(c, "second")
		in.UserID, in.Bot, in.Now = &one, "orders", f.at(time.Second)
		a2 := f.accept(t, in)
		in.Text, in.Now = "third", f.at(2*time.Second)
		a3 := f.accept(t, in)
		if a2.ConversationID != a1.ConversationID || a3.ConversationID != a1.ConversationID {
			t.Fatalf("one user on one channel got conversations %s, %s, %s", a1.ConversationID, a2.ConversationID, a3.ConversationID)
		}
		if a1.Seq != 1 || a2.Seq != 2 || a3.Seq != 3 {
			t.Errorf("seqs = %d, %d, %d; want 1, 2, 3", a1.Seq, a2.Seq, a3.Seq)
		}
		in = f.inbound(d, "elsewhere")
		in.UserID = &one
		if b := f.accept(t, in); b.ConversationID == a1.ConversationID || b.Seq != 1 || b.UserID != 1 {
			t.Errorf("the same user on another channel = %+v, want user 1 in a new conversation at seq 1", b)
		}

		conv, err := f.s.GetConversation(f.ctx, p.ID, a1.ConversationID)
		is(t, "GetConversation", err, nil)
		same(t, "conversation", store.Conversation{
			ID:        a1.ConversationID,
			ProjectID: p.ID,
			ChannelID: c.ID,
			Bot:       "pizza", // the bot of the first message
			UserID:    1,
			CreatedAt: f.now,
			UpdatedAt: f.at(2 * time.Second),
		}, conv)
		if conv.State != nil {
			t.Errorf("State before the first turn = %q, want nil", conv.State)
		}

		msgs, err := f.s.Messages(f.ctx, p.ID, a1.ConversationID)
		is(t, "Messages", err, nil)
		if len(msgs) != 3 {
			t.Fatalf("Messages = %d messages, want 3", len(msgs))
		}
		var payload struct{ Attachments []store.Attachment }
		if err := json.Unmarshal(msgs[0].Payload, &payload); err != nil {
			t.Errorf("payload %q: %v", msgs[0].Payload, err)
		}
		same(t, "attachments", []store.Attachment{{URL: "https://example.com/a.png"}, {Base64: "data:text/plain;base64,aGk="}}, payload.Attachments)
		msgs[0].Payload = nil
		same(t, "Messages", []store.Message{
			{ConversationID: a1.ConversationID, Seq: 1, Direction: "in", Text: "first", CreatedAt: f.now},
			{ConversationID: a1.ConversationID, Seq: 2, Direction: "in", Text: "second", CreatedAt: f.at(time.Second)},
			{ConversationID: a1.ConversationID, Seq: 3, Direction: "in", Text: "third", CreatedAt: f.at(2 * time.Second)},
		}, msgs)
	}},
	{name: "TurnJob", run: func(t *testing.T, f *fixture) {
		p := f.project(t)
		c := f.channel(t, p.ID)
		in := f.inbound(c, "one")
		in.SenderID = "s"
		acc := f.accept(t, in)
		in.Text = "two"
		f.accept(t, in)
		turns := f.claimTurns(t, store.Lease{Owner: "w", Now: f.now, Until: f.at(time.Minute)}, 10)
		if len(turns) != 1 {
			t.Fatalf("ClaimTurns = %d turns, want one for the conversation", len(turns))
		}
		turn, ok := turns[acc.ConversationID]
		if !ok {
			t.Fatalf("ClaimTurns did not return conversation %s", acc.ConversationID)
		}
		if len(turn.Messages) != 2 || turn.Messages[0].Text != "one" || turn.Messages[1].Text != "two" {
			t.Errorf("turn messages = %+v, want one, two", turn.Messages)
		}
	}},
}
