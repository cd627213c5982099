package storetest

import (
	"testing"
	"time"

	"github.com/confab/confab/internal/store"
)

var turnTests = []test{
	{name: "ClaimLease", run: func(t *testing.T, f *fixture) {
		p := f.project(t)
		c := f.channel(t, p.ID)
		in := f.inbound(c, "one")
		in.SenderID = "s"
		acc := f.accept(t, in)
		in.Text, in.Now = "two", f.at(time.Millisecond)
		f.accept(t, in)

		turns := f.claimTurns(t, store.Lease{Owner: "a", Now: f.now, Until: f.at(30 * time.Second)}, 10)
		turn, ok := turns[acc.ConversationID]
		if !ok || len(turns) != 1 {
			t.Fatalf("ClaimTurns = %v, want conversation %s", turns, acc.ConversationID)
		}
		conv, err := f.s.GetConversation(f.ctx, p.ID, acc.ConversationID)
		is(t, "GetConversation", err, nil)
		same(t, "claimed conversation", conv, turn.Conversation)
		same(t, "claimed messages", []store.Message{
			{ConversationID: acc.ConversationID, Seq: 1, Direction: "in", Text: "one", CreatedAt: f.now},
			{ConversationID: acc.ConversationID, Seq: 2, Direction: "in", Text: "two", CreatedAt: f.at(time.Millisecond)},
		}, turn.Messages)

		if got := f.claimTurns(t, store.Lease{Owner: "b", Now: f.now, Until: f.at(time.Minute)}, 10); len(got) != 0 {
			t.Errorf("a second claimer got %d turns while the lease lives", len(got))
		}
		if got := f.claimTurns(t, store.Lease{Owner: "b", Now: f.at(29 * time.Second), Until: f.at(time.Minute)}, 10); len(got) != 0 {
			t.Errorf("a second claimer got %d turns just before the lease ends", len(got))
		}
		got := f.claimTurns(t, store.Lease{Owner: "b", Now: f.at(31 * time.Second), Until: f.at(time.Minute)}, 10)
		if _, ok := got[acc.ConversationID]; !ok || len(got) != 1 {
			t.Errorf("after the lease ended a second claimer got %v, want conversation %s", got, acc.ConversationID)
		}
	}},
	{name: "ClaimLimit", run: func(t *testing.T, f *fixture) {
		p := f.project(t)
		c := f.channel(t, p.ID)
		for range 3 {
			f.accept(t, f.inbound(c, "hi"))
		}
		lease := store.Lease{Owner: "w", Now: f.now, Until: f.at(time.Minute)}
		first := f.claimTurns(t, lease, 2)
		second := f.claimTurns(t, lease, 2)
		third := f.claimTurns(t, lease, 2)
		if len(first) != 2 || len(second) != 1 || len(third) != 0 {
			t.Fatalf("claims of 2 from 3 conversations got %d, %d, %d turns; want 2, 1, 0", len(first), len(second), len(third))
		}
		for id := range second {
			if _, dup := first[id]; dup {
				t.Errorf("conversation %s claimed twice", id)
			}
		}
	}},
	{name: "ClaimOnlyUnhandled", run: func(t *testing.T, f *fixture) {
		p := f.project(t)
		c := f.channel(t, p.ID)
		in := f.inbound(c, "one")
		in.SenderID = "s"
		acc := f.accept(t, in)
		lease := store.Lease{Owner: "w", Now: f.now, Until: f.at(time.Minute)}
		f.claimTurns(t, lease, 10)
		is(t, "CompleteTurn", f.completeTurn(store.TurnResult{
			ConversationID: acc.ConversationID, Owner: "w", State: []byte(`{"step":1}`), Status: "active", HandledSeq: 1, Now: f.now,
			Outgoing: []store.Outgoing{{Text: "reply"}},
		}), nil)
		in.Text = "two"
		two := f.accept(t, in)
		if two.Seq != 3 {
			t.Errorf("a message after the bot's reply got seq %d, want 3", two.Seq)
		}
		turn, ok := f.claimTurns(t, lease, 10)[acc.ConversationID]
		if !ok {
			t.Fatalf("ClaimTurns did not return conversation %s", acc.ConversationID)
		}
		same(t, "unhandled messages", []store.Message{{ConversationID: acc.ConversationID, Seq: 3, Direction: "in", Text: "two", CreatedAt: f.now}}, turn.Messages)
		if string(turn.Conversation.State) != `{"step":1}` || turn.Conversation.HandledSeq != 1 || turn.Conversation.Status != "active" {
			t.Errorf("claimed conversation = %+v, want the state of the last turn", turn.Conversation)
		}
	}},
	{name: "Complete", run: func(t *testing.T, f *fixture) {
		p := f.project(t)
		c := f.channel(t, p.ID)
		in := f.inbound(c, "one")
		in.SenderID = "s"
		acc := f.accept(t, in)
		in.Text = "two"
		f.accept(t, in)
		f.claimTurns(t, store.Lease{Owner: "w", Now: f.now, Until: f.at(time.Minute)}, 10)
		done := f.at(time.Second)
		r := store.TurnResult{
			ConversationID: acc.ConversationID, Owner: "w", State: []byte(`{"block":"menu"}`), Status: "waiting", HandledSeq: 2, Now: done,
			Outgoing: []store.Outgoing{
				{Text: "a", Payload: []byte(`{"text":"a"}`), Delivery: &store.Delivery{ID: store.NewID("dlv"), URL: c.WebhookURL, Body: []byte(`{"n":3}`)}},
				{Text: "b"},
				{Text: "c", Delivery: &store.Delivery{ID: store.NewID("dlv"), URL: "https://example.com/other", Body: []byte(`{"n":5}`)}},
			},
		}
		is(t, "CompleteTurn", f.completeTurn(r), nil)

		conv, err := f.s.GetConversation(f.ctx, p.ID, acc.ConversationID)
		is(t, "GetConversation", err, nil)
		same(t, "conversation after the turn", store.Conversation{
			ID: acc.ConversationID, ProjectID: p.ID, ChannelID: c.ID, Bot: c.Bot, UserID: acc.UserID, SenderID: "s",
			State: r.State, Status: "waiting", HandledSeq: 2, CreatedAt: f.now, UpdatedAt: done,
		}, conv)
		msgs, err := f.s.Messages(f.ctx, p.ID, acc.ConversationID)
		is(t, "Messages", err, nil)
		same(t, "messages after the turn", []store.Message{
			{ConversationID: acc.ConversationID, Seq: 1, Direction: "in", Text: "one", CreatedAt: f.now},
			{ConversationID: acc.ConversationID, Seq: 2, Direction: "in", Text: "two", CreatedAt: f.now},
			{ConversationID: acc.ConversationID, Seq: 3, Direction: "out", Text: "a", Payload: []byte(`{"text":"a"}`), CreatedAt: done},
			{ConversationID: acc.ConversationID, Seq: 4, Direction: "out", Text: "b", CreatedAt: done},
			{ConversationID: acc.ConversationID, Seq: 5, Direction: "out", Text: "c", CreatedAt: done},
		}, msgs)
		ds, err := f.s.ListDeliveries(f.ctx, p.ID, c.ID, 10)
		is(t, "ListDeliveries", err, nil)
		delivery := func(o store.Outgoing, seq int64) store.Delivery {
			return store.Delivery{
				ID: o.Delivery.ID, ProjectID: p.ID, ChannelID: c.ID, ConversationID: acc.ConversationID, Seq: seq,
				URL: o.Delivery.URL, Body: o.Delivery.Body, Status: store.DeliveryPending, NextAt: done, CreatedAt: done,
			}
		}
		same(t, "deliveries of the turn, newest first", []store.Delivery{delivery(r.Outgoing[2], 5), delivery(r.Outgoing[0], 3)}, ds)

		if got := f.claimTurns(t, store.Lease{Owner: "x", Now: f.at(time.Hour), Until: f.at(2 * time.Hour)}, 10); len(got) != 0 {
			t.Errorf("the turn job is still there after everything was handled: %v", got)
		}
		in.Text, in.Now = "three", f.at(time.Hour)
		if three := f.accept(t, in); three.Seq != 6 {
			t.Errorf("the next message got seq %d, want 6", three.Seq)
		}
		turn, ok := f.claimTurns(t, store.Lease{Owner: "x", Now: f.at(time.Hour), Until: f.at(2 * time.Hour)}, 10)[acc.ConversationID]
		if !ok || len(turn.Messages) != 1 || turn.Messages[0].Seq != 6 {
			t.Errorf("after a new message ClaimTurns gave %+v, want message 6", turn)
		}
	}},
	{name: "CompleteWithNewMessage", run: func(t *testing.T, f *fixture) {
		p := f.project(t)
		c := f.channel(t, p.ID)
		in := f.inbound(c, "one")
		in.SenderID = "s"
		acc := f.accept(t, in)
		f.claimTurns(t, store.Lease{Owner: "w", Now: f.now, Until: f.at(time.Minute)}, 10)
		in.Text = "two" // arrives while the turn runs
		f.accept(t, in)
		is(t, "CompleteTurn", f.completeTurn(store.TurnResult{
			ConversationID: acc.ConversationID, Owner: "w", State: []byte(`{}`), HandledSeq: 1, Now: f.now,
			Outgoing: []store.Outgoing{{Text: "reply"}},
		}), nil)
		// The job stays, released: another worker takes it at once.
		turn, ok := f.claimTurns(t, store.Lease{Owner: "v", Now: f.now, Until: f.at(time.Minute)}, 10)[acc.ConversationID]
		if !ok {
			t.Fatalf("the turn job went away with a message not handled")
		}
		same(t, "messages of the next turn", []store.Message{{ConversationID: acc.ConversationID, Seq: 2, Direction: "in", Text: "two", CreatedAt: f.now}}, turn.Messages)
		if turn.Conversation.HandledSeq != 1 {
			t.Errorf("HandledSeq = %d, want 1", turn.Conversation.HandledSeq)
		}
		msgs, err := f.s.Messages(f.ctx, p.ID, acc.ConversationID)
		is(t, "Messages", err, nil)
		if len(msgs) != 3 || msgs[2].Direction != "out" || msgs[2].Seq != 3 {
			t.Errorf("messages = %+v, want the reply at seq 3", msgs)
		}
	}},
	{name: "CompleteLostLease", run: func(t *testing.T, f *fixture) {
		p := f.project(t)
		c := f.channel(t, p.ID)
		in := f.inbound(c, "one")
		in.SenderID = "s"
		acc := f.accept(t, in)
		f.claimTurns(t, store.Lease{Owner: "a", Now: f.now, Until: f.at(time.Minute)}, 10)
		if got := f.claimTurns(t, store.Lease{Owner: "b", Now: f.at(2 * time.Minute), Until: f.at(3 * time.Minute)}, 10); len(got) != 1 {
			t.Fatalf("after the lease of a ended b got %d turns, want 1", len(got))
		}
		late := store.TurnResult{
			ConversationID: acc.ConversationID, Owner: "a", State: []byte(`{"by":"a"}`), Status: "a", HandledSeq: 1, Now: f.at(2 * time.Minute),
			Outgoing: []store.Outgoing{{Text: "from a", Delivery: &store.Delivery{ID: store.NewID("dlv"), URL: c.WebhookURL, Body: []byte("{}")}}},
		}
		is(t, "CompleteTurn by the owner of a lost lease", f.completeTurn(late), store.ErrConflict)
		conv, err := f.s.GetConversation(f.ctx, p.ID, acc.ConversationID)
		is(t, "GetConversation", err, nil)
		if conv.State != nil || conv.Status != "" || conv.HandledSeq != 0 || !conv.UpdatedAt.Equal(f.now) {
			t.Errorf("a refused CompleteTurn changed the conversation: %+v", conv)
		}
		msgs, err := f.s.Messages(f.ctx, p.ID, acc.ConversationID)
		is(t, "Messages", err, nil)
		if len(msgs) != 1 {
			t.Errorf("a refused CompleteTurn wrote messages: %+v", msgs)
		}
		ds, err := f.s.ListDeliveries(f.ctx, p.ID, c.ID, 10)
		is(t, "ListDeliveries", err, nil)
		if len(ds) != 0 {
			t.Errorf("a refused CompleteTurn wrote deliveries: %+v", ds)
		}

		late.Owner = "b"
		is(t, "CompleteTurn by the lease's owner", f.completeTurn(late), nil)
		late.Owner = "a"
		late.Outgoing = nil
		is(t, "CompleteTurn when the job is gone", f.completeTurn(late), store.ErrConflict)
	}},
	{name: "CompleteExpiredLease", run: func(t *testing.T, f *fixture) {
		// A lease that ended but was not taken by anyone is still the
		// owner's: the turn commits.
		p := f.project(t)
		c := f.channel(t, p.ID)
		acc := f.accept(t, f.inbound(c, "one"))
		f.claimTurns(t, store.Lease{Owner: "a", Now: f.now, Until: f.at(time.Second)}, 10)
		is(t, "CompleteTurn after the lease ended", f.completeTurn(store.TurnResult{
			ConversationID: acc.ConversationID, Owner: "a", HandledSeq: 1, Now: f.at(time.Minute),
		}), nil)
	}},
	{name: "CompleteUnclaimed", run: func(t *testing.T, f *fixture) {
		p := f.project(t)
		c := f.channel(t, p.ID)
		acc := f.accept(t, f.inbound(c, "one"))
		r := store.TurnResult{ConversationID: acc.ConversationID, Owner: "a", HandledSeq: 1, Now: f.now}
		is(t, "CompleteTurn of a turn nobody claimed", f.completeTurn(r), store.ErrConflict)
		r.ConversationID = "conv_none"
		is(t, "CompleteTurn of an unknown conversation", f.completeTurn(r), store.ErrConflict)
	}},
}
