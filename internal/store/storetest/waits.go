package storetest

import (
	"bytes"
	"testing"
	"time"

	"github.com/confab/confab/internal/store"
)

// waitTests pin what wait blocks need of the store: a server key that
// stays, the time-outs a sweep finds, and one command per wait.
var waitTests = []test{
	{name: "ServerKeyIsMadeOnceAndKept", run: func(t *testing.T, f *fixture) {
		first := bytes.Repeat([]byte{1}, 32)
		got, err := f.s.ServerKey(f.ctx, "callback", first)
		is(t, "ServerKey", err, nil)
		if !bytes.Equal(got, first) {
			t.Fatalf("the first ServerKey = %x, want the fresh key %x", got, first)
		}
		again, err := f.s.ServerKey(f.ctx, "callback", bytes.Repeat([]byte{2}, 32))
		is(t, "ServerKey", err, nil)
		if !bytes.Equal(again, first) {
			t.Errorf("the second ServerKey = %x, want the stored key %x", again, first)
		}
		other, err := f.s.ServerKey(f.ctx, "other", bytes.Repeat([]byte{3}, 32))
		is(t, "ServerKey", err, nil)
		if !bytes.Equal(other, bytes.Repeat([]byte{3}, 32)) {
			t.Errorf("the key of another name = %x", other)
		}
	}},
	{name: "DueWaitsFindsTimedOutWaits", run: func(t *testing.T, f *fixture) {
		p := f.project(t)
		c := f.channel(t, p.ID)
		// Three conversations wait: a, with a time-out in 1 minute; b, in
		// 2 minutes; n, without a time-out.
		wait := func(sender string, until time.Time) store.Conversation {
			t.Helper()
			in := f.inbound(c, "hello")
			in.SenderID = sender
			acc := f.accept(t, in)
			f.claimTurns(t, store.Lease{Owner: "w", Now: f.now, Until: f.at(time.Second)}, 1000)
			is(t, "CompleteTurn", f.completeTurn(store.TurnResult{ConversationID: acc.ConversationID, Owner: "w", State: []byte(`{"status":"callback"}`),
				Status: "callback", HandledSeq: acc.Seq, Now: f.now, WaitUntil: until}), nil)
			conv, err := f.s.GetConversation(f.ctx, p.ID, acc.ConversationID)
			is(t, "GetConversation", err, nil)
			return conv
		}
		b := wait("b", f.at(2*time.Minute))
		a := wait("a", f.at(time.Minute))
		wait("n", time.Time{})
		due := func(at time.Duration, limit int) []string {
			t.Helper()
			cs, err := f.s.DueWaits(f.ctx, f.at(at), limit)
			is(t, "DueWaits", err, nil)
			var ids []string
			for _, c := range cs {
				ids = append(ids, c.ID)
			}
			return ids
		}
		same(t, "due before the time-outs", []string(nil), due(59*time.Second, 10))
		same(t, "due at a's time-out", []string{a.ID}, due(time.Minute, 10))
		same(t, "due after both, earliest first", []string{a.ID, b.ID}, due(time.Hour, 10))
		same(t, "due after both, limit 1", []string{a.ID}, due(time.Hour, 1))
		cs, err := f.s.DueWaits(f.ctx, f.at(time.Hour), 1)
		is(t, "DueWaits", err, nil)
		if got := cs[0]; got.ProjectID != p.ID || got.Status != "callback" || string(got.State) != `{"status":"callback"}` {
			t.Errorf("DueWaits gave the conversation %+v", got)
		}

		// A conversation with a command pending is left to its turn.
		sub := f.submission(p, a.ID, store.CommandTimeout)
		sub.Command.ID, sub.Command.Wait = store.WaitCommandID(a.ID, 1), 1
		res, err := f.s.SubmitCommand(f.ctx, sub)
		is(t, "SubmitCommand", err, nil)
		same(t, "due while a's time-out is pending", []string{b.ID}, due(time.Hour, 10))
		if got, err := f.s.GetCommand(f.ctx, p.ID, a.ID, sub.Command.ID); err != nil || got.Wait != 1 || got.Kind != store.CommandTimeout {
			t.Errorf("GetCommand = %+v, %v; want the time-out of wait 1", got, err)
		}

		// A turn that ends the wait clears its time-out.
		f.claimTurns(t, store.Lease{Owner: "w2", Now: f.at(time.Hour), Until: f.at(time.Hour + time.Second)}, 1000)
		done := f.done(res.Command)
		done.Owner = "w2"
		is(t, "CompleteTurn", f.completeTurn(done), nil)
		same(t, "due after a's wait ended", []string{b.ID}, due(time.Hour, 10))
	}},
	{name: "OneCommandPerWait", run: func(t *testing.T, f *fixture) {
		p := f.project(t)
		c := f.channel(t, p.ID)
		conv := f.handledConversation(t, c)
		id := store.WaitCommandID(conv.ID, 3)
		callback := f.submission(p, conv.ID, store.CommandCallback)
		callback.Command.ID, callback.Command.Wait, callback.Command.Data = id, 3, []byte(`{"paid":true}`)
		first, err := f.s.SubmitCommand(f.ctx, callback)
		is(t, "SubmitCommand of the callback", err, nil)
		stored, err := f.s.GetCommand(f.ctx, p.ID, conv.ID, id)
		is(t, "GetCommand", err, nil)
		if stored.Kind != store.CommandCallback || stored.Wait != 3 || string(stored.Data) != `{"paid":true}` {
			t.Errorf("the stored callback %+v (data %s)", stored, stored.Data)
		}
		for _, kind := range []string{store.CommandCallback, store.CommandTimeout} {
			again := f.submission(p, conv.ID, kind)
			again.Command.ID, again.Command.Wait = id, 3
			_, err := f.s.SubmitCommand(f.ctx, again)
			is(t, "a second "+kind+" of the same wait", err, store.ErrConflict)
		}
		// The refused ones took no sequence number.
		next, err := f.s.SubmitCommand(f.ctx, f.submission(p, conv.ID, store.CommandPause))
		is(t, "SubmitCommand", err, nil)
		if next.Command.Seq != first.Command.Seq+1 {
			t.Errorf("the next command has seq %d, want %d", next.Command.Seq, first.Command.Seq+1)
		}
	}},
}
