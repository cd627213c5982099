package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/confab/confab/internal/store"
)

// guessTests pin Inbound.Guess: a store may use the guessed turn only when
// the conversation stands as the guess says; whether it uses it or not,
// what is stored is what Run returns.
var guessTests = []test{
	{name: "Holds", run: func(t *testing.T, f *fixture) {
		p := f.project(t)
		c := f.channel(t, p.ID)
		lease := &store.Lease{Owner: "w", Now: f.now, Until: f.at(time.Minute)}
		seven := int64(7)
		in := store.Inbound{UserID: &seven, Text: "one", Run: guessed("S1", 1, lease)}
		first := f.say(t, c, in, 0)
		prior, err := f.s.GetConversation(f.ctx, p.ID, first.ConversationID)
		is(t, "GetConversation", err, nil)

		in = store.Inbound{UserID: &seven, Text: "two"}
		var got store.Conversation
		turn := guessed("S2", 2, lease)
		in.Run = func(cv store.Conversation, m store.Message) (store.TurnResult, bool) {
			got = cv
			return turn(cv, m)
		}
		in.Guess = &store.Guess{Prior: prior, LastSeq: 2, Result: mustRun(turn, prior, "two", f.at(time.Second))}
		acc := f.say(t, c, in, time.Second)
		if !acc.Ran || acc.Seq != 3 || acc.ConversationID != first.ConversationID {
			t.Fatalf("Accept = %+v, want the turn run inline at seq 3 in %s", acc, first.ConversationID)
		}
		if string(got.State) != "S1 after one" || got.ID != first.ConversationID || got.HandledSeq >= 3 || got.UserID != 7 {
			t.Errorf("Run saw %+v, want conversation %s in state \"S1 after one\" with the message unhandled", got, first.ConversationID)
		}
		for i, o := range acc.Outgoing {
			if d := o.Delivery; d.Seq != int64(4+i) || !d.LeasedUntil.Equal(lease.Until) {
				t.Errorf("reply %d: seq %d leased until %v, want seq %d leased until %v (the older reply is held by the same owner)", i, d.Seq, d.LeasedUntil, 4+i, lease.Until)
			}
		}
		conv, err := f.s.GetConversation(f.ctx, p.ID, first.ConversationID)
		is(t, "GetConversation", err, nil)
		if string(conv.State) != "S2 after two" || conv.HandledSeq != 3 || conv.Status != "input" {
			t.Errorf("stored conversation = state %q handled %d status %q, want S2 after two, 3, input", conv.State, conv.HandledSeq, conv.Status)
		}
		msgs, err := f.s.Messages(f.ctx, p.ID, first.ConversationID)
		is(t, "Messages", err, nil)
		var seen []string
		for _, m := range msgs {
			seen = append(seen, fmt.Sprintf("%d %s %s", m.Seq, m.Direction, m.Text))
		}
		same(t, "messages", []string{"1 in one", "2 out S1 reply 0", "3 in two", "4 out S2 reply 0", "5 out S2 reply 1"}, seen)
		logs := f.turnLogs(t, p.ID, first.ConversationID, store.LogPage{Limit: 10})
		same(t, "logs", []string{`["S1"]`, `["S2"]`}, traces(logs))

		// The next message with no guess goes the long way and numbers on.
		in = store.Inbound{UserID: &seven, Text: "three", Run: guessed("S3", 1, lease)}
		if acc := f.say(t, c, in, 2*time.Second); !acc.Ran || acc.Seq != 6 {
			t.Errorf("the next message = %+v, want run inline at seq 6", acc)
		}
	}},
	{name: "KeepsTheWait", run: func(t *testing.T, f *fixture) {
		_, c, seven, first, prior := f.firstTurn(t)
		waiting := func(cv store.Conversation, m store.Message) (store.TurnResult, bool) {
			r, ok := guessed("W", 1, nil)(cv, m)
			r.Status, r.WaitUntil = "callback", f.at(time.Minute)
			return r, ok
		}
		in := store.Inbound{UserID: &seven, Text: "pay", Run: waiting}
		in.Guess = &store.Guess{Prior: prior, LastSeq: 2, Result: mustRun(waiting, prior, "pay", f.at(time.Second))}
		if acc := f.say(t, c, in, time.Second); !acc.Ran {
			t.Fatalf("Accept = %+v, want the turn run inline", acc)
		}
		due, err := f.s.DueWaits(f.ctx, f.at(time.Minute), 10)
		is(t, "DueWaits", err, nil)
		if len(due) != 1 || due[0].ID != first.ConversationID || due[0].Status != "callback" {
			t.Errorf("DueWaits after the wait's time-out = %+v, want conversation %s waiting", due, first.ConversationID)
		}
	}},
	{name: "Stale", run: func(t *testing.T, f *fixture) {
		p, c, seven, first, prior := f.firstTurn(t)
		stale := prior
		stale.State = []byte("S0")
		in := store.Inbound{UserID: &seven, Text: "two", Run: guessed("real", 1, nil)}
		in.Guess = &store.Guess{Prior: stale, LastSeq: 2, Result: mustRun(guessed("guess", 3, nil), stale, "two", f.at(time.Second))}
		acc := f.say(t, c, in, time.Second)
		if !acc.Ran || acc.Seq != 3 || len(acc.Outgoing) != 1 {
			t.Fatalf("Accept = %+v, want Run's turn (one reply) inline at seq 3", acc)
		}
		conv, err := f.s.GetConversation(f.ctx, p.ID, first.ConversationID)
		is(t, "GetConversation", err, nil)
		if string(conv.State) != "real after two" || conv.HandledSeq != 3 {
			t.Errorf("stored state %q handled %d, want Run's (real after two, 3), not the stale guess's", conv.State, conv.HandledSeq)
		}
	}},
	{name: "Behind", run: func(t *testing.T, f *fixture) {
		p, c, seven, first, prior := f.firstTurn(t)
		// The state is the guess's, but its sequence number is behind: the
		// guess was made before something else took a number.
		in := store.Inbound{UserID: &seven, Text: "two", Run: guessed("real", 1, nil)}
		in.Guess = &store.Guess{Prior: prior, LastSeq: 1, Result: mustRun(guessed("guess", 3, nil), prior, "two", f.at(time.Second))}
		acc := f.say(t, c, in, time.Second)
		if !acc.Ran || acc.Seq != 3 || len(acc.Outgoing) != 1 {
			t.Fatalf("Accept = %+v, want Run's turn (one reply) inline at seq 3", acc)
		}
		conv, err := f.s.GetConversation(f.ctx, p.ID, first.ConversationID)
		is(t, "GetConversation", err, nil)
		if string(conv.State) != "real after two" {
			t.Errorf("stored state %q, want Run's, not the guess's", conv.State)
		}
	}},
	{name: "Queued", run: func(t *testing.T, f *fixture) {
		p, c, seven, first, prior := f.firstTurn(t)
		f.say(t, c, store.Inbound{UserID: &seven, Text: "two"}, time.Second) // queues a turn
		in := store.Inbound{UserID: &seven, Text: "three", Run: guessed("S3", 1, nil)}
		in.Guess = &store.Guess{Prior: prior, LastSeq: 2, Result: mustRun(guessed("S3", 1, nil), prior, "three", f.at(2*time.Second))}
		if acc := f.say(t, c, in, 2*time.Second); acc.Ran || acc.Seq != 4 {
			t.Errorf("Accept behind a queued turn = %+v, want seq 4 left to that turn", acc)
		}
		conv, err := f.s.GetConversation(f.ctx, p.ID, first.ConversationID)
		is(t, "GetConversation", err, nil)
		if string(conv.State) != "S1 after one" || conv.HandledSeq != 1 {
			t.Errorf("stored state %q handled %d, want S1 after one, 1 (the queued turn runs first)", conv.State, conv.HandledSeq)
		}
	}},
}

// firstTurn makes a channel whose user 7 has had one turn ("one",
// leaving state "S1 after one" and one reply), and returns the turn and
// the conversation it left.
func (f *fixture) firstTurn(t *testing.T) (store.Project, store.Channel, int64, store.Accepted, store.Conversation) {
	t.Helper()
	p := f.project(t)
	c := f.channel(t, p.ID)
	seven := int64(7)
	first := f.say(t, c, store.Inbound{UserID: &seven, Text: "one", Run: guessed("S1", 1, nil)}, 0)
	prior, err := f.s.GetConversation(f.ctx, p.ID, first.ConversationID)
	is(t, "GetConversation", err, nil)
	return p, c, seven, first, prior
}

// guessed is an Inbound.Run whose turn sends n replies, logs name, and
// leaves the state "<name> after <text>", its deliveries asking for lease.
func guessed(name string, n int, lease *store.Lease) func(store.Conversation, store.Message) (store.TurnResult, bool) {
	return func(_ store.Conversation, m store.Message) (store.TurnResult, bool) {
		r := store.TurnResult{HandledSeq: m.Seq, Now: m.CreatedAt, Status: "input", State: []byte(name + " after " + m.Text),
			DeliveryLease: lease, Log: fmt.Appendf(nil, `[%q]`, name)}
		for i := range n {
			text := fmt.Sprintf("%s reply %d", name, i)
			r.Outgoing = append(r.Outgoing, store.Outgoing{Text: text, Payload: fmt.Appendf(nil, `{"text":%q}`, text),
				Delivery: &store.Delivery{ID: store.NewID("dlv"), URL: "https://example.com/hook", Body: fmt.Appendf(nil, `{"message":%q}`, text)}})
		}
		return r, true
	}
}

// mustRun is the turn run gives for the message text of cv at t.
func mustRun(run func(store.Conversation, store.Message) (store.TurnResult, bool), cv store.Conversation, text string, at time.Time) store.TurnResult {
	r, _ := run(cv, store.Message{ConversationID: cv.ID, Text: text, CreatedAt: at})
	return r
}
