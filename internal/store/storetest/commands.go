package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/confab/confab/internal/store"
)

// commandTests pin how commands (the API's steering) join a conversation's
// sequence: they run at once when no turn of the conversation is queued or
// running, else after it, and a queued command keeps later messages from
// running ahead of it.
var commandTests = []test{
	{name: "RunsWhenNothingIsPending", run: func(t *testing.T, f *fixture) {
		p := f.project(t)
		c := f.channel(t, p.ID)
		conv := f.handledConversation(t, c)
		sub := f.submission(p, conv.ID, store.CommandMessage)
		var got store.Conversation
		sub.Run = func(cv store.Conversation, cmd store.Command) (store.TurnResult, bool) {
			got = cv
			if cmd.Seq != conv.HandledSeq+1 || cmd.ID != sub.Command.ID || cmd.Status != store.CommandPending {
				t.Errorf("Run got command %+v; want seq %d, pending", cmd, conv.HandledSeq+1)
			}
			return f.done(cmd, store.Outgoing{Text: "from an agent", Delivery: &store.Delivery{ID: "dlv_agent", URL: c.WebhookURL, Body: []byte(`{}`)}}), true
		}
		res, err := f.s.SubmitCommand(f.ctx, sub)
		is(t, "SubmitCommand", err, nil)
		if got.ID != conv.ID || got.ProjectID != p.ID || string(got.State) != `{"n":1}` || got.HandledSeq != conv.HandledSeq {
			t.Errorf("Run got the conversation %+v", got)
		}
		if !res.Ran || res.Turn != nil || len(res.Outgoing) != 1 {
			t.Fatalf("SubmitCommand = %+v, want it ran with one message", res)
		}
		seq := conv.HandledSeq + 1
		want := sub.Command
		want.Seq, want.Status, want.DoneAt = seq, store.CommandDone, f.now
		want.Result = &store.CommandResult{Status: "input", Vars: map[string]any{"n": 2.0}, Seq: seq + 1, DeliveryID: "dlv_agent"}
		same(t, "the submitted command", want, res.Command)
		if d := res.Outgoing[0].Delivery; d.Seq != seq+1 || d.ConversationID != conv.ID || d.Status != store.DeliveryPending {
			t.Errorf("the message's delivery %+v", d)
		}
		stored, err := f.s.GetCommand(f.ctx, p.ID, conv.ID, sub.Command.ID)
		is(t, "GetCommand", err, nil)
		same(t, "the stored command", want, stored)
		after, err := f.s.GetConversation(f.ctx, p.ID, conv.ID)
		is(t, "GetConversation", err, nil)
		if after.HandledSeq != seq || string(after.State) != `{"n":2}` || after.Status != "input" {
			t.Errorf("after the command the conversation is %+v", after)
		}
		if turns := f.claimTurns(t, store.Lease{Owner: "w", Now: f.at(time.Hour), Until: f.at(2 * time.Hour)}, 10); len(turns) != 0 {
			t.Errorf("a command that ran left a turn to claim: %v", turns)
		}
	}},
	{name: "WaitsBehindAQueuedTurn", run: func(t *testing.T, f *fixture) {
		p := f.project(t)
		c := f.channel(t, p.ID)
		conv := f.handledConversation(t, c)
		uid := conv.UserID
		in := f.inbound(c, "before the command")
		in.UserID = &uid
		msg := f.accept(t, in) // its turn is queued
		sub := f.submission(p, conv.ID, store.CommandPause)
		sub.Lease = &store.Lease{Owner: "api", Now: f.now, Until: f.at(time.Minute)}
		sub.Run = func(store.Conversation, store.Command) (store.TurnResult, bool) {
			t.Error("a command ran while a turn of its conversation was queued")
			return store.TurnResult{}, false
		}
		res, err := f.s.SubmitCommand(f.ctx, sub)
		is(t, "SubmitCommand", err, nil)
		if res.Ran || res.Turn != nil || res.Command.Status != store.CommandPending || res.Command.Seq != msg.Seq+1 {
			t.Fatalf("SubmitCommand = %+v, want it pending behind the queued turn (seq %d), no turn of its own", res, msg.Seq+1)
		}
		in.Text = "after the command"
		after := f.accept(t, in)
		// The turn takes the message, the command and the next message,
		// in that order.
		turn, ok := f.claimTurns(t, store.Lease{Owner: "w", Now: f.now, Until: f.at(time.Minute)}, 10)[conv.ID]
		if !ok {
			t.Fatal("the conversation's turn was not claimed")
		}
		if len(turn.Messages) != 2 || turn.Messages[0].Seq != msg.Seq || turn.Messages[1].Seq != after.Seq || len(turn.Commands) != 1 {
			t.Fatalf("claimed messages %+v and commands %+v", turn.Messages, turn.Commands)
		}
		want := sub.Command
		want.Seq, want.Status = msg.Seq+1, store.CommandPending
		same(t, "the claimed command", want, turn.Commands[0])

		// A turn that handles only the first message leaves the job for
		// the command.
		requeued, err := f.s.CompleteTurn(f.ctx, store.TurnResult{ConversationID: conv.ID, Owner: "w", HandledSeq: msg.Seq, Now: f.now})
		is(t, "CompleteTurn", err, nil)
		if !requeued {
			t.Error("CompleteTurn left a pending command without its turn")
		}
		turn = f.claimTurns(t, store.Lease{Owner: "w", Now: f.now, Until: f.at(time.Minute)}, 10)[conv.ID]
		if len(turn.Commands) != 1 || len(turn.Messages) != 1 {
			t.Fatalf("the second claim got messages %+v and commands %+v", turn.Messages, turn.Commands)
		}
		r := f.done(turn.Commands[0])
		r.HandledSeq, r.Owner = after.Seq, "w"
		requeued, err = f.s.CompleteTurn(f.ctx, r)
		is(t, "CompleteTurn with the command", err, nil)
		if requeued {
			t.Error("CompleteTurn kept the job after everything was handled")
		}
		stored, err := f.s.GetCommand(f.ctx, p.ID, conv.ID, sub.Command.ID)
		is(t, "GetCommand", err, nil)
		if stored.Status != store.CommandDone || stored.Result == nil || stored.Result.Status != "input" || !stored.DoneAt.Equal(f.now) {
			t.Errorf("the command after its turn: %+v", stored)
		}
	}},
	{name: "LeasesItsTurnWhenItCannotRunAtOnce", run: func(t *testing.T, f *fixture) {
		p := f.project(t)
		c := f.channel(t, p.ID)
		conv := f.handledConversation(t, c)
		sub := f.submission(p, conv.ID, store.CommandTrigger)
		sub.Command.Block, sub.Command.Vars = "checkout", map[string]any{"coupon": "X1", "gone": nil}
		sub.Lease = &store.Lease{Owner: "api", Now: f.now, Until: f.at(time.Minute)}
		sub.Run = func(store.Conversation, store.Command) (store.TurnResult, bool) { return store.TurnResult{}, false }
		res, err := f.s.SubmitCommand(f.ctx, sub)
		is(t, "SubmitCommand", err, nil)
		if res.Ran || res.Turn == nil || res.Turn.Conversation.ID != conv.ID || len(res.Turn.Messages) != 0 || len(res.Turn.Commands) != 1 {
			t.Fatalf("SubmitCommand = %+v, want its own leased turn", res)
		}
		same(t, "the leased turn's command", res.Command, res.Turn.Commands[0])
		if res.Command.Block != "checkout" || res.Command.Vars["coupon"] != "X1" {
			t.Errorf("the command's fields: %+v", res.Command)
		}
		if got := f.claimTurns(t, store.Lease{Owner: "other", Now: f.at(time.Second), Until: f.at(time.Hour)}, 10); len(got) != 0 {
			t.Errorf("a claim took a turn leased by SubmitCommand: %v", got)
		}
		// While it is leased, a message waits behind it.
		uid := conv.UserID
		in := f.inbound(c, "hello?")
		in.UserID = &uid
		in.Run = func(store.Conversation, store.Message) (store.TurnResult, bool) {
			t.Error("a message ran ahead of a pending command")
			return store.TurnResult{}, false
		}
		if acc := f.accept(t, in); acc.Ran || acc.Turn != nil {
			t.Errorf("Accept = %+v while a command's turn is leased", acc)
		}
		// The stored command reads back with its fields (null kept).
		stored, err := f.s.GetCommand(f.ctx, p.ID, conv.ID, sub.Command.ID)
		is(t, "GetCommand", err, nil)
		if v, had := stored.Vars["gone"]; !had || v != nil || stored.Vars["coupon"] != "X1" || stored.Block != "checkout" {
			t.Errorf("stored command %+v", stored)
		}
	}},
	{name: "OtherProjectsSeeNothing", run: func(t *testing.T, f *fixture) {
		p := f.project(t)
		other := f.project(t)
		c := f.channel(t, p.ID)
		conv := f.handledConversation(t, c)
		sub := f.submission(other, conv.ID, store.CommandPause)
		_, err := f.s.SubmitCommand(f.ctx, sub)
		is(t, "SubmitCommand to another project's conversation", err, store.ErrNotFound)
		sub = f.submission(p, conv.ID, store.CommandPause)
		_, err = f.s.SubmitCommand(f.ctx, sub)
		is(t, "SubmitCommand", err, nil)
		_, err = f.s.GetCommand(f.ctx, other.ID, conv.ID, sub.Command.ID)
		is(t, "GetCommand from another project", err, store.ErrNotFound)
		_, err = f.s.GetCommand(f.ctx, p.ID, "conv_other", sub.Command.ID)
		is(t, "GetCommand of another conversation", err, store.ErrNotFound)
		after, err := f.s.GetConversation(f.ctx, p.ID, conv.ID)
		is(t, "GetConversation", err, nil)
		if after.HandledSeq != conv.HandledSeq || string(after.State) != string(conv.State) {
			t.Errorf("a refused command changed the conversation: %+v", after)
		}
	}},
	{name: "KeepsTheIdempotentAnswer", run: func(t *testing.T, f *fixture) {
		p := f.project(t)
		c := f.channel(t, p.ID)
		conv := f.handledConversation(t, c)
		for _, runs := range []bool{true, false} {
			key := fmt.Sprintf("pause-%v", runs)
			var got store.Submitted
			ctx := store.WithIdempotency(f.ctx, &store.Idempotency{Scope: "token:a", Key: key, Hash: []byte("h"), Now: f.now,
				Answer: func(result any) (store.KeptAnswer, error) {
					got = result.(store.Submitted)
					return store.KeptAnswer{Status: 200, Body: []byte(got.Command.Status)}, nil
				}})
			sub := f.submission(p, conv.ID, store.CommandPause)
			sub.Run = func(_ store.Conversation, cmd store.Command) (store.TurnResult, bool) { return f.done(cmd), runs }
			res, err := f.s.SubmitCommand(ctx, sub)
			is(t, "SubmitCommand with a key", err, nil)
			want := store.CommandPending
			if runs {
				want = store.CommandDone
			}
			if got.Command.ID != res.Command.ID || got.Command.Status != want || got.Ran != runs {
				t.Errorf("runs %v: the answer was made of %+v, want the submitted command %s", runs, got, want)
			}
			same(t, "the kept answer", []byte(want), f.kept(t, "token:a", key, 0).Body)
			// The same key again: nothing is stored.
			again := f.submission(p, conv.ID, store.CommandPause)
			_, err = f.s.SubmitCommand(ctx, again)
			is(t, "SubmitCommand with the key again", err, store.ErrKeyUsed)
			_, err = f.s.GetCommand(f.ctx, p.ID, conv.ID, again.Command.ID)
			is(t, "the second command", err, store.ErrNotFound)
		}
	}},
	{name: "QueuedWhileAMessageWaitsForTheRow", run: func(t *testing.T, f *fixture) {
		// A command queues its turn while a message of the same
		// conversation waits for the conversation's row: the message must
		// see the queued turn and not run ahead of the command. (On
		// PostgreSQL a statement that waited for a row sees other tables
		// as they were when it started.)
		p := f.project(t)
		c := f.channel(t, p.ID)
		conv := f.handledConversation(t, c)
		sub := f.submission(p, conv.ID, store.CommandTrigger)
		sub.Command.Block = "slow"
		inside, release := make(chan struct{}), make(chan struct{})
		var once sync.Once
		sub.Run = func(store.Conversation, store.Command) (store.TurnResult, bool) {
			once.Do(func() { close(inside) })
			<-release
			return store.TurnResult{}, false // it makes calls: queued
		}
		done := make(chan error, 1)
		go func() {
			_, err := f.s.SubmitCommand(f.ctx, sub)
			done <- err
		}()
		<-inside
		uid := conv.UserID
		in := f.inbound(c, "right after")
		in.UserID = &uid
		ran := make(chan bool, 1)
		in.Run = func(store.Conversation, store.Message) (store.TurnResult, bool) {
			ran <- true
			return store.TurnResult{}, false
		}
		accepted := make(chan store.Accepted, 1)
		go func() {
			acc, err := f.s.Accept(f.ctx, in)
			if err != nil {
				t.Errorf("Accept: %v", err)
			}
			accepted <- acc
		}()
		// Give the message time to reach the conversation's row (the test
		// cannot see it wait); the command's transaction holds it.
		time.Sleep(200 * time.Millisecond)
		close(release)
		is(t, "SubmitCommand", <-done, nil)
		acc := <-accepted
		select {
		case <-ran:
			t.Error("the message was offered to run at once while the command's turn was queued")
		default:
		}
		if acc.Ran {
			t.Error("the message ran ahead of the queued command")
		}
		turn := f.claimTurns(t, store.Lease{Owner: "w", Now: f.now, Until: f.at(time.Minute)}, 10)[conv.ID]
		if len(turn.Commands) != 1 || len(turn.Messages) != 1 || turn.Commands[0].Seq > turn.Messages[0].Seq {
			t.Errorf("the turn has commands %+v and messages %+v; want the command, then the message", turn.Commands, turn.Messages)
		}
	}},
}

// handledConversation makes a conversation on c whose first message was
// handled, with the state {"n":1}, and returns it.
func (f *fixture) handledConversation(t *testing.T, c store.Channel) store.Conversation {
	t.Helper()
	acc := f.accept(t, f.inbound(c, "hello"))
	f.claimTurns(t, store.Lease{Owner: "first", Now: f.now, Until: f.at(time.Second)}, 1000)
	is(t, "CompleteTurn", f.completeTurn(store.TurnResult{ConversationID: acc.ConversationID, Owner: "first", State: []byte(`{"n":1}`), Status: "input",
		HandledSeq: acc.Seq, Now: f.now}), nil)
	conv, err := f.s.GetConversation(f.ctx, c.ProjectID, acc.ConversationID)
	is(t, "GetConversation", err, nil)
	return conv
}

// submission returns a command of a kind for a conversation, made now.
func (f *fixture) submission(p store.Project, conversationID, kind string) store.Submission {
	cmd := store.Command{ID: store.NewID("cmd"), ProjectID: p.ID, ConversationID: conversationID, Kind: kind, CreatedAt: f.now}
	if kind == store.CommandMessage {
		cmd.Message, cmd.As, cmd.AdminID = []byte(`{"text":"from an agent"}`), "agent", 7
	}
	return store.Submission{Command: cmd}
}

// done returns the outcome of a turn that carried out cmd: the state
// {"n":2}, and out sent (cmd's result names the first delivery).
func (f *fixture) done(cmd store.Command, out ...store.Outgoing) store.TurnResult {
	cmd.Status, cmd.DoneAt = store.CommandDone, f.now
	cmd.Result = &store.CommandResult{Status: "input", Vars: map[string]any{"n": 2.0}}
	if len(out) > 0 && out[0].Delivery != nil {
		cmd.Result.DeliveryID = out[0].Delivery.ID
	}
	return store.TurnResult{ConversationID: cmd.ConversationID, State: []byte(`{"n":2}`), Status: "input", HandledSeq: cmd.Seq,
		Outgoing: out, Now: f.now, Commands: []store.Command{cmd}}
}
