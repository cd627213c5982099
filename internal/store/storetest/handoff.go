package storetest

import (
	"testing"
	"time"

	"github.com/confab/confab/internal/store"
)

// handoffTests pin the path that skips the claims: a message accepted with
// a lease comes back with its turn, and a turn's deliveries are created
// leased when nothing older of the conversation waits.
var handoffTests = []test{
	{name: "AcceptLeased", run: func(t *testing.T, f *fixture) {
		p := f.project(t)
		c := f.channel(t, p.ID)
		lease := store.Lease{Owner: "w", Now: f.now, Until: f.at(time.Minute)}
		for _, known := range []bool{false, true} {
			in := f.inbound(c, "one")
			in.SenderID = "s"
			if known {
				in.SenderID = ""
				uid := int64(77)
				in.UserID = &uid
				first := f.accept(t, in) // the user and the conversation exist now
				f.claimTurns(t, store.Lease{Owner: "x", Now: f.now, Until: f.at(time.Second)}, 10)
				is(t, "CompleteTurn", f.completeTurn(store.TurnResult{ConversationID: first.ConversationID, Owner: "x", HandledSeq: first.Seq, Now: f.now}), nil)
				in.Text = "two"
			}
			in.Lease = &lease
			acc := f.accept(t, in)
			if acc.Turn == nil {
				t.Fatalf("known user %v: Accept with a lease and no turn pending gave no turn", known)
			}
			if acc.Turn.Conversation.ID != acc.ConversationID || acc.Turn.Conversation.UserID != acc.UserID ||
				acc.Turn.Conversation.ChannelID != c.ID || acc.Turn.Conversation.Bot != c.Bot || acc.Turn.Conversation.ProjectID != p.ID {
				t.Errorf("known user %v: the leased turn's conversation is %+v", known, acc.Turn.Conversation)
			}
			if !known && acc.Turn.Conversation.SenderID != "s" {
				t.Errorf("the leased turn's conversation has senderID %q, want s", acc.Turn.Conversation.SenderID)
			}
			same(t, "the leased turn's messages", []store.Message{{ConversationID: acc.ConversationID, Seq: acc.Seq, Direction: "in", Text: in.Text, CreatedAt: f.now}}, acc.Turn.Messages)
			// The lease is taken: no claim gets the turn while it lasts.
			if got := f.claimTurns(t, store.Lease{Owner: "y", Now: f.at(time.Second), Until: f.at(time.Hour)}, 10); len(got) != 0 {
				t.Errorf("known user %v: a claim took a turn leased by Accept: %v", known, got)
			}
			// A second message while the turn is leased gets no turn: the
			// lease's owner takes it after this one.
			in.Text = "again"
			if again := f.accept(t, in); again.Turn != nil {
				t.Errorf("known user %v: a second message got a turn while the first was leased", known)
			}
			requeued, err := f.s.CompleteTurn(f.ctx, store.TurnResult{ConversationID: acc.ConversationID, Owner: "w", HandledSeq: acc.Seq, Now: f.now})
			is(t, "CompleteTurn of the leased turn", err, nil)
			if !requeued {
				t.Errorf("known user %v: CompleteTurn with a message not handled did not say requeued", known)
			}
			turn, ok := f.claimTurns(t, store.Lease{Owner: "z", Now: f.at(time.Second), Until: f.at(time.Hour)}, 10)[acc.ConversationID]
			if !ok || len(turn.Messages) != 1 || turn.Messages[0].Text != "again" {
				t.Errorf("known user %v: after the leased turn a claim gave %+v, want the second message", known, turn)
			}
		}
	}},
	{name: "AcceptLeaseExpires", run: func(t *testing.T, f *fixture) {
		p := f.project(t)
		c := f.channel(t, p.ID)
		in := f.inbound(c, "one")
		in.Lease = &store.Lease{Owner: "dead", Now: f.now, Until: f.at(10 * time.Second)}
		acc := f.accept(t, in)
		if acc.Turn == nil {
			t.Fatal("no leased turn")
		}
		// Its owner dies: the turn is claimed once the lease ends.
		turn, ok := f.claimTurns(t, store.Lease{Owner: "b", Now: f.at(11 * time.Second), Until: f.at(time.Minute)}, 10)[acc.ConversationID]
		if !ok || len(turn.Messages) != 1 {
			t.Fatalf("the turn of a dead owner was not claimed after its lease: %+v", turn)
		}
		is(t, "CompleteTurn by the dead owner", f.completeTurn(store.TurnResult{ConversationID: acc.ConversationID, Owner: "dead", HandledSeq: acc.Seq, Now: f.now}), store.ErrConflict)
	}},
	{name: "CompleteLeasesDeliveries", run: func(t *testing.T, f *fixture) {
		p := f.project(t)
		c := f.channel(t, p.ID)
		in := f.inbound(c, "one")
		in.SenderID = "s"
		dl := store.Lease{Owner: "d", Now: f.now, Until: f.at(5 * time.Second)}
		turn := func(text string, dl store.Lease) []store.Outgoing {
			acc := f.accept(t, in)
			f.claimTurns(t, store.Lease{Owner: "w", Now: f.now, Until: f.at(time.Minute)}, 10)
			out := []store.Outgoing{
				{Text: text + "1", Delivery: &store.Delivery{ID: store.NewID("dlv"), URL: c.WebhookURL, Body: []byte(`{}`)}},
				{Text: text + "2", Delivery: &store.Delivery{ID: store.NewID("dlv"), URL: c.WebhookURL, Body: []byte(`{}`)}},
			}
			requeued, err := f.s.CompleteTurn(f.ctx, store.TurnResult{ConversationID: acc.ConversationID, Owner: "w", HandledSeq: acc.Seq, Now: f.now, Outgoing: out, DeliveryLease: &dl})
			is(t, "CompleteTurn", err, nil)
			if requeued {
				t.Errorf("CompleteTurn said requeued with every message handled")
			}
			return out
		}
		first := turn("a", dl)
		for i, o := range first {
			d := o.Delivery
			if !d.LeasedUntil.Equal(dl.Until) {
				t.Errorf("delivery %d: LeasedUntil = %v, want %v (nothing older waits)", i, d.LeasedUntil, dl.Until)
			}
			if d.ConversationID == "" || d.ChannelID != c.ID || d.ProjectID != p.ID || d.Status != store.DeliveryPending || d.Seq == 0 {
				t.Errorf("delivery %d was not filled in: %+v", i, d)
			}
		}
		if got := f.claimDeliveries(t, store.Lease{Owner: "other", Now: f.at(time.Second), Until: f.at(time.Minute)}, 10); len(got) != 0 {
			t.Errorf("a claim took deliveries created leased: %v", got)
		}
		// The first turn's deliveries are still pending, held by d: the
		// next turn's are leased to d too (d sends them after those), but
		// another deliverer's wait in the queue behind them.
		second := turn("b", dl)
		for i, o := range second {
			if !o.Delivery.LeasedUntil.Equal(dl.Until) {
				t.Errorf("delivery %d of the second turn was not leased to the owner of the older ones", i)
			}
		}
		third := turn("c", store.Lease{Owner: "e", Now: f.now, Until: f.at(5 * time.Second)})
		for i, o := range third {
			if !o.Delivery.LeasedUntil.IsZero() {
				t.Errorf("delivery %d of the third turn was leased to e while older ones held by d were pending", i)
			}
		}
		// Once the first turn's lease ends, a claim takes its first delivery
		// only (FIFO).
		got := f.claimDeliveries(t, store.Lease{Owner: "other", Now: f.at(6 * time.Second), Until: f.at(time.Minute)}, 10)
		if len(got) != 1 || got[0].ID != first[0].Delivery.ID {
			t.Errorf("after the lease a claim gave %v, want only %s", got, first[0].Delivery.ID)
		}
	}},
}
