package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/confab/confab/internal/store"
)

// inlineTurn accepts a message from sender on c at the fixture's clock
// moved by d, its turn running inside Accept with trace as its log (none
// when nil).
func (f *fixture) inlineTurn(t *testing.T, c store.Channel, sender string, d time.Duration, trace []byte) store.Accepted {
	t.Helper()
	in := store.Inbound{SenderID: sender, Text: "hi"}
	in.Run = func(_ store.Conversation, m store.Message) (store.TurnResult, bool) {
		return store.TurnResult{State: []byte(`{}`), Status: "input", HandledSeq: m.Seq, Now: f.at(d), Log: trace}, true
	}
	// After the user's first turn, the turn comes with its guess, as the
	// worker gives it: a store may then keep the log in the message's row.
	if prior, ok := f.senderConversation(t, c, sender); ok {
		uid := prior.UserID
		in.UserID = &uid
		r, _ := in.Run(prior, store.Message{ConversationID: prior.ID})
		msgs, err := f.s.Messages(f.ctx, c.ProjectID, prior.ID)
		is(t, "Messages", err, nil)
		in.Guess = &store.Guess{Prior: prior, LastSeq: msgs[len(msgs)-1].Seq, Result: r}
	}
	acc := f.say(t, c, in, d)
	if !acc.Ran {
		t.Fatalf("the turn of %s's message at %v did not run inside Accept", sender, d)
	}
	return acc
}

// senderConversation finds the conversation of the user with sender id
// sender on c.
func (f *fixture) senderConversation(t *testing.T, c store.Channel, sender string) (store.Conversation, bool) {
	t.Helper()
	for _, id := range f.listConversations(t, c.ProjectID, store.ConversationFilter{ChannelID: c.ID}) {
		conv, err := f.s.GetConversation(f.ctx, c.ProjectID, id)
		is(t, "GetConversation", err, nil)
		if conv.SenderID == sender {
			return conv, true
		}
	}
	return store.Conversation{}, false
}

// turnLogs lists a conversation's logs.
func (f *fixture) turnLogs(t *testing.T, projectID, conversationID string, p store.LogPage) []store.TurnLog {
	t.Helper()
	logs, err := f.s.ListTurnLogs(f.ctx, projectID, conversationID, p)
	if err != nil {
		t.Fatalf("ListTurnLogs(%+v): %v", p, err)
	}
	return logs
}

// traces returns the traces of logs as strings.
func traces(logs []store.TurnLog) []string {
	out := []string{}
	for _, l := range logs {
		out = append(out, string(l.Trace))
	}
	return out
}

var logTests = []test{
	{name: "WrittenWithTheTurn", run: func(t *testing.T, f *fixture) {
		p, q := f.project(t), f.project(t)
		c := f.channel(t, p.ID)
		// Inside Accept.
		inline := f.inlineTurn(t, c, "alice", time.Second, []byte(`[{"kind":"enter","block":"ask"}]`))
		logs := f.turnLogs(t, p.ID, inline.ConversationID, store.LogPage{})
		if len(logs) != 1 {
			t.Fatalf("the logs after a turn inside Accept: %+v", logs)
		}
		same(t, "the log of a turn inside Accept", store.TurnLog{ConversationID: inline.ConversationID, Seq: inline.Seq,
			At: f.at(time.Second), Trace: []byte(`[{"kind":"enter","block":"ask"}]`)}, logs[0])
		// A turn without a log writes none.
		f.inlineTurn(t, c, "alice", 2*time.Second, nil)
		same(t, "the logs after a turn without one", traces(logs), traces(f.turnLogs(t, p.ID, inline.ConversationID, store.LogPage{})))

		// By CompleteTurn; not when the lease was lost.
		acc := f.say(t, c, store.Inbound{SenderID: "bob", Text: "hi"}, 0)
		f.claimTurns(t, store.Lease{Owner: "w", Now: f.now, Until: f.at(time.Minute)}, 10)
		lost := store.TurnResult{ConversationID: acc.ConversationID, Owner: "x", HandledSeq: acc.Seq, Now: f.now, Log: []byte(`["lost"]`)}
		is(t, "CompleteTurn without the lease", f.completeTurn(lost), store.ErrConflict)
		is(t, "CompleteTurn", f.completeTurn(store.TurnResult{ConversationID: acc.ConversationID, Owner: "w", HandledSeq: acc.Seq,
			Outgoing: []store.Outgoing{{Text: "hello"}}, Now: f.at(3 * time.Second), Log: []byte(`["won"]`)}), nil)
		logs = f.turnLogs(t, p.ID, acc.ConversationID, store.LogPage{})
		if len(logs) != 1 || string(logs[0].Trace) != `["won"]` || logs[0].Seq != acc.Seq || !logs[0].At.Equal(f.at(3*time.Second)) {
			t.Errorf("the logs after CompleteTurn: %+v", logs)
		}

		_, err := f.s.ListTurnLogs(f.ctx, q.ID, acc.ConversationID, store.LogPage{})
		is(t, "ListTurnLogs of another project's conversation", err, store.ErrNotFound)
		_, err = f.s.ListTurnLogs(f.ctx, p.ID, "conv_nothing", store.LogPage{})
		is(t, "ListTurnLogs of no conversation", err, store.ErrNotFound)
	}},
	{name: "ListPages", run: func(t *testing.T, f *fixture) {
		p := f.project(t)
		c := f.channel(t, p.ID)
		var conv string
		for i := range 5 {
			conv = f.inlineTurn(t, c, "alice", time.Duration(i)*time.Second, fmt.Appendf(nil, `[%d]`, i)).ConversationID
			f.inlineTurn(t, c, "bob", time.Duration(i)*time.Second, []byte(`["bob"]`)) // another conversation's, between
		}
		all := f.turnLogs(t, p.ID, conv, store.LogPage{})
		same(t, "oldest first", []string{"[0]", "[1]", "[2]", "[3]", "[4]"}, traces(all))
		for i, l := range all {
			if l.Seq != int64(i+1) || !l.At.Equal(f.at(time.Duration(i)*time.Second)) || (i > 0 && l.Seq <= all[i-1].Seq) {
				t.Errorf("log %d: %+v after %+v", i, l, all[max(i-1, 0)])
			}
		}
		same(t, "newest first", []string{"[4]", "[3]"}, traces(f.turnLogs(t, p.ID, conv, store.LogPage{Desc: true, Limit: 2})))
		same(t, "after", []string{"[2]", "[3]"}, traces(f.turnLogs(t, p.ID, conv, store.LogPage{After: all[1].Seq, Limit: 2})))
		same(t, "before, newest first", []string{"[2]", "[1]", "[0]"}, traces(f.turnLogs(t, p.ID, conv, store.LogPage{Before: all[3].Seq, Desc: true})))
		same(t, "after the last", []string{}, traces(f.turnLogs(t, p.ID, conv, store.LogPage{After: all[4].Seq})))
	}},
	{name: "PruneByAge", run: func(t *testing.T, f *fixture) {
		p := f.project(t)
		c := f.channel(t, p.ID)
		var alice, bob string
		for i := range 4 {
			d := time.Duration(i) * time.Hour
			alice = f.inlineTurn(t, c, "alice", d, fmt.Appendf(nil, `["alice %d"]`, i)).ConversationID
			bob = f.inlineTurn(t, c, "bob", d, fmt.Appendf(nil, `["bob %d"]`, i)).ConversationID
		}
		prune := func(before time.Time, keep, limit int) int {
			t.Helper()
			n, err := f.s.PruneTurnLogs(f.ctx, before, keep, limit)
			is(t, "PruneTurnLogs", err, nil)
			return n
		}
		if n := prune(f.now, 0, 100); n != 0 {
			t.Errorf("pruning before the first log deleted %d", n)
		}
		// Older than 2 h: hours 0 and 1 of both, three at a time.
		if n := prune(f.at(2*time.Hour), 0, 3); n != 3 {
			t.Errorf("pruning with a limit of 3 deleted %d", n)
		}
		if n := prune(f.at(2*time.Hour), 0, 3); n != 1 {
			t.Errorf("pruning the rest deleted %d, want 1", n)
		}
		same(t, "alice's logs", []string{`["alice 2"]`, `["alice 3"]`}, traces(f.turnLogs(t, p.ID, alice, store.LogPage{})))
		same(t, "bob's logs", []string{`["bob 2"]`, `["bob 3"]`}, traces(f.turnLogs(t, p.ID, bob, store.LogPage{})))
		if n := prune(f.at(time.Hour*24), 0, 100); n != 4 {
			t.Errorf("pruning every log deleted %d, want 4", n)
		}
		same(t, "alice's logs at the end", []string{}, traces(f.turnLogs(t, p.ID, alice, store.LogPage{})))
	}},
	{name: "PruneKeepsTheNewest", run: func(t *testing.T, f *fixture) {
		p := f.project(t)
		c := f.channel(t, p.ID)
		var alice, bob string
		for i := range 4 {
			alice = f.inlineTurn(t, c, "alice", time.Duration(i)*time.Second, fmt.Appendf(nil, `["alice %d"]`, i)).ConversationID
		}
		bob = f.inlineTurn(t, c, "bob", 0, []byte(`["bob 0"]`)).ConversationID
		n, err := f.s.PruneTurnLogs(f.ctx, f.now, 2, 100)
		is(t, "PruneTurnLogs", err, nil)
		if n != 2 {
			t.Errorf("keeping two per conversation deleted %d, want 2", n)
		}
		same(t, "alice's logs", []string{`["alice 2"]`, `["alice 3"]`}, traces(f.turnLogs(t, p.ID, alice, store.LogPage{})))
		same(t, "bob's logs", []string{`["bob 0"]`}, traces(f.turnLogs(t, p.ID, bob, store.LogPage{})))
	}},
}
