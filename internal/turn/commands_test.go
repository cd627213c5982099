package turn_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/confab/confab/internal/channel/apichannel"
	"github.com/confab/confab/internal/flow"
	"github.com/confab/confab/internal/store"
	"github.com/confab/confab/internal/turn"
)

// submit stores a command of a conversation as the API does (the worker
// prepares it, and takes it once committed).
func (r *rig) submit(t *testing.T, ch store.Channel, conversationID string, cmd store.Command) store.Submitted {
	t.Helper()
	cmd.ID, cmd.ProjectID, cmd.ConversationID, cmd.CreatedAt = store.NewID("cmd"), project, conversationID, time.Now()
	sub := store.Submission{Command: cmd}
	r.worker.PrepareCommand(&sub, ch)
	res, err := r.store.SubmitCommand(context.Background(), sub)
	if err != nil {
		t.Fatalf("SubmitCommand(%s): %v", cmd.Kind, err)
	}
	r.worker.Submitted(res)
	return res
}

// waitCommand waits until a command is carried out.
func (r *rig) waitCommand(t *testing.T, conversationID, id string) store.Command {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := r.store.GetCommand(context.Background(), project, conversationID, id)
		if err != nil {
			t.Fatal(err)
		}
		if c.Status != store.CommandPending {
			return c
		}
		if time.Now().After(deadline) {
			t.Fatalf("command %s (%s) still pending after 10s\nlog:\n%s", id, c.Kind, r.log.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// state reads a conversation's flow state.
func (r *rig) state(t *testing.T, conversationID string) (store.Conversation, flow.State) {
	t.Helper()
	c, err := r.store.GetConversation(context.Background(), project, conversationID)
	if err != nil {
		t.Fatal(err)
	}
	var st flow.State
	if err := json.Unmarshal(c.State, &st); err != nil {
		t.Fatalf("state %q: %v", c.State, err)
	}
	return c, st
}

func agentMessage(text string, adminID int64) store.Command {
	m, _ := json.Marshal(flow.Message{Text: text})
	return store.Command{Kind: store.CommandMessage, Message: m, As: "agent", AdminID: adminID}
}

func TestCommandsRunAtOnceWhenNothingIsPending(t *testing.T) {
	t.Parallel()
	r := newRig(t, loadBots(t, "desk"), noCalls{t}, turn.Config{})
	ch := r.channel(t, "web", "desk")
	r.start(t)
	first := r.accept(t, ch, store.Inbound{Text: "hello"})
	r.waitHandled(t, first.ConversationID, first.Seq)
	conv := first.ConversationID
	uid := first.UserID

	// An agent's message: delivered like a reply, with the agent's id.
	sent := r.submit(t, ch, conv, agentMessage("I am Ana, how can I help?", 7))
	if !sent.Ran || sent.Command.Status != store.CommandDone || len(sent.Outgoing) != 1 {
		t.Fatalf("the agent's message did not run at once: %+v", sent)
	}
	d := sent.Outgoing[0].Delivery
	if sent.Command.Result.DeliveryID != d.ID || sent.Command.Result.Seq != d.Seq || d.Seq != sent.Command.Seq+1 {
		t.Errorf("result %+v, delivery %s seq %d", sent.Command.Result, d.ID, d.Seq)
	}
	var body apichannel.Reply
	if err := json.Unmarshal(d.Body, &body); err != nil || body.Message != "I am Ana, how can I help?" || body.AdminID == nil || *body.AdminID != 7 ||
		body.UserID != uid || body.ChannelID != "web" {
		t.Errorf("webhook body %s", d.Body)
	}
	msgs, err := r.store.Messages(context.Background(), project, conv)
	if err != nil {
		t.Fatal(err)
	}
	last := msgs[len(msgs)-1]
	if last.Direction != "out" || last.Seq != d.Seq || string(last.Payload) != `{"text":"I am Ana, how can I help?","as":"agent","adminID":7}` {
		t.Errorf("the stored message %+v payload %s", last, last.Payload)
	}
	if _, st := r.state(t, conv); st.Recent[len(st.Recent)-1].From != "agent" || st.Status != flow.StatusInput || st.Block != "ask" {
		t.Errorf("state after the agent's message: %+v", st)
	}

	// Session variables, then a pause: messages are kept, not answered.
	set := r.submit(t, ch, conv, store.Command{Kind: store.CommandSession, Vars: map[string]any{"name": "Kim", "plan": "gold"}})
	if res := set.Command.Result; !set.Ran || res.Vars["name"] != "Kim" || res.Vars["plan"] != "gold" || res.Status != "input" || res.Paused {
		t.Errorf("session: %+v %+v", set, set.Command.Result)
	}
	paused := r.submit(t, ch, conv, store.Command{Kind: store.CommandPause})
	if res := paused.Command.Result; !paused.Ran || res.Status != "paused" || !res.Paused || res.Block != "ask" {
		t.Errorf("pause: %+v", res)
	}
	before := len(r.outgoing(t, conv))
	for _, text := range []string{"anyone?", "human"} {
		acc := r.accept(t, ch, store.Inbound{Text: text, UserID: &uid})
		r.waitHandled(t, conv, acc.Seq)
	}
	c, st := r.state(t, conv)
	if got := r.outgoing(t, conv); len(got) != before || c.Status != "paused" || !st.Held || st.Status != flow.StatusInput || st.Last.Text == "human" {
		t.Errorf("while paused: replies %q, status %q, state %+v", got[before:], c.Status, st)
	}

	// Unpause: the flow goes on where it stood, without the messages that
	// came meanwhile.
	unpaused := r.submit(t, ch, conv, store.Command{Kind: store.CommandUnpause})
	if res := unpaused.Command.Result; !unpaused.Ran || res.Status != "input" || res.Paused || len(unpaused.Outgoing) != 0 {
		t.Errorf("unpause: %+v", res)
	}
	acc := r.accept(t, ch, store.Inbound{Text: "books", UserID: &uid})
	r.waitHandled(t, conv, acc.Seq)
	if got := r.outgoing(t, conv); got[len(got)-1] != "about books, Kim" {
		t.Errorf("after unpause: replies %q", got)
	}

	// A trigger jumps and runs at once, variables set first.
	trig := r.submit(t, ch, conv, store.Command{Kind: store.CommandTrigger, Block: "greet", Vars: map[string]any{"name": "Lee", "plan": nil}})
	if res := trig.Command.Result; !trig.Ran || res.Block != "ask" || res.Vars["name"] != "Lee" || len(trig.Outgoing) != 1 || trig.Outgoing[0].Text != "hi Lee" {
		t.Errorf("trigger: %+v, sent %+v", res, trig.Outgoing)
	} else if _, had := res.Vars["plan"]; had {
		t.Errorf("trigger with plan: null kept it: %v", res.Vars)
	}
	// A command that cannot be carried out says why and changes nothing.
	bad := r.submit(t, ch, conv, store.Command{Kind: store.CommandTrigger, Block: "nowhere"})
	if bad.Command.Status != store.CommandFailed || bad.Command.Error != `no block "nowhere" in bot "desk"` || bad.Command.Result != nil {
		t.Errorf("a trigger of an unknown block: %+v", bad.Command)
	}
	if _, st := r.state(t, conv); st.Vars["name"] != "Lee" || st.Block != "ask" {
		t.Errorf("after the failed trigger: %+v", st)
	}
	// Each was handled in the conversation's sequence.
	if c, _ := r.state(t, conv); c.HandledSeq != bad.Command.Seq {
		t.Errorf("handled up to %d, want the last command's %d", c.HandledSeq, bad.Command.Seq)
	}
	if n := len(r.deliveries(t, "web")); n != len(r.outgoing(t, conv)) {
		t.Errorf("%d deliveries for %d messages", n, len(r.outgoing(t, conv)))
	}
}

func TestUnpauseAfterAHandoverResumesTheFlow(t *testing.T) {
	t.Parallel()
	r := newRig(t, loadBots(t, "desk"), noCalls{t}, turn.Config{})
	ch := r.channel(t, "web", "desk")
	r.start(t)
	acc := r.accept(t, ch, store.Inbound{Text: "hello"})
	uid := acc.UserID
	for _, text := range []string{"human", "still there?"} {
		acc = r.accept(t, ch, store.Inbound{Text: text, UserID: &uid})
		r.waitHandled(t, acc.ConversationID, acc.Seq)
	}
	if c, _ := r.state(t, acc.ConversationID); c.Status != "paused" {
		t.Fatalf("after the handover the status is %q", c.Status)
	}
	// An agent answers while the bot is handed over, then hands back.
	r.submit(t, ch, acc.ConversationID, agentMessage("Hi, Ana here.", 3))
	res := r.submit(t, ch, acc.ConversationID, store.Command{Kind: store.CommandUnpause})
	if !res.Ran || res.Command.Result.Status != "input" || res.Command.Result.Block != "ask" {
		t.Errorf("unpause after a handover: %+v", res.Command.Result)
	}
	want := []string{"hi guest", "An agent will help you.", "Hi, Ana here.", "the bot again, guest"}
	if diff := cmp.Diff(want, r.outgoing(t, acc.ConversationID)); diff != "" {
		t.Errorf("replies (-want +got):\n%s", diff)
	}
}

// TestCommandsWaitForTheTurnInFlight sends commands while a turn waits on
// a slow call: each waits for that turn, then runs in the order it came,
// with the user's messages, so that the final state holds the turn's work
// and every command's.
func TestCommandsWaitForTheTurnInFlight(t *testing.T) {
	t.Parallel()
	g := newGate()
	r := newRig(t, loadBots(t, "desk"), g, turn.Config{})
	r.unblock = g.open
	ch := r.channel(t, "web", "desk")
	r.start(t)
	first := r.accept(t, ch, store.Inbound{Text: "hello"})
	r.waitHandled(t, first.ConversationID, first.Seq)
	conv, uid := first.ConversationID, first.UserID
	slow := r.accept(t, ch, store.Inbound{Text: "slow", UserID: &uid})
	g.waitEntered(t)

	// The turn is in flight: none of these may run before it ends.
	pause := r.submit(t, ch, conv, store.Command{Kind: store.CommandPause})
	session := r.submit(t, ch, conv, store.Command{Kind: store.CommandSession, Vars: map[string]any{"name": "Kim"}})
	kept := r.accept(t, ch, store.Inbound{Text: "are you there?", UserID: &uid})
	trigger := r.submit(t, ch, conv, store.Command{Kind: store.CommandTrigger, Block: "greet"})
	for _, s := range []store.Submitted{pause, session, trigger} {
		if s.Ran || s.Turn != nil || s.Command.Status != store.CommandPending {
			t.Errorf("%s did not wait for the turn in flight: %+v", s.Command.Kind, s)
		}
	}
	if c, _ := r.state(t, conv); c.HandledSeq >= slow.Seq {
		t.Fatalf("the turn finished before its call was released")
	}
	g.open()
	done := r.waitCommand(t, conv, trigger.Command.ID)
	for _, s := range []store.Submitted{pause, session} {
		if c := r.waitCommand(t, conv, s.Command.ID); c.Status != store.CommandDone {
			t.Errorf("%s: %+v", c.Kind, c)
		}
	}
	// The turn's reply uses the name as it was; the trigger's, the name
	// the session set; the message that came while paused got no answer.
	want := []string{"hi guest", "called 201 for guest", "hi Kim"}
	if diff := cmp.Diff(want, r.outgoing(t, conv)); diff != "" {
		t.Errorf("replies (-want +got):\n%s", diff)
	}
	c, st := r.state(t, conv)
	if c.HandledSeq != trigger.Command.Seq || kept.Seq > trigger.Command.Seq || kept.Seq < session.Command.Seq {
		t.Errorf("handled up to %d; sequence: slow %d, pause %d, session %d, message %d, trigger %d",
			c.HandledSeq, slow.Seq, pause.Command.Seq, session.Command.Seq, kept.Seq, trigger.Command.Seq)
	}
	if !st.Held || c.Status != "paused" || st.Vars["name"] != "Kim" || st.Block != "ask" || st.Status != flow.StatusInput ||
		st.Vars["answer"] == nil || st.Last.Text == "are you there?" {
		t.Errorf("final state: status %q, %+v", c.Status, st)
	}
	if res := done.Result; res == nil || res.Status != "paused" || !res.Paused || res.Vars["name"] != "Kim" {
		t.Errorf("the trigger's result %+v", res)
	}
	if log := r.log.String(); strings.Contains(log, "level=ERROR") {
		t.Errorf("the worker logged errors:\n%s", log)
	}
}

func TestTriggerIntoACallRunsInTheQueue(t *testing.T) {
	t.Parallel()
	g := newGate()
	r := newRig(t, loadBots(t, "desk"), g, turn.Config{})
	r.unblock = g.open
	ch := r.channel(t, "web", "desk")
	r.start(t)
	first := r.accept(t, ch, store.Inbound{Text: "hello"})
	r.waitHandled(t, first.ConversationID, first.Seq)
	res := r.submit(t, ch, first.ConversationID, store.Command{Kind: store.CommandTrigger, Block: "slow", Vars: map[string]any{"name": "Kim"}})
	if res.Ran || res.Turn == nil || res.Command.Status != store.CommandPending {
		t.Fatalf("a trigger that makes a call ran inside the transaction: %+v", res)
	}
	g.waitEntered(t)
	// A message that comes meanwhile waits for the command.
	uid := first.UserID
	after := r.accept(t, ch, store.Inbound{Text: "books", UserID: &uid})
	g.open()
	r.waitHandled(t, first.ConversationID, after.Seq)
	if c := r.waitCommand(t, first.ConversationID, res.Command.ID); c.Status != store.CommandDone || c.Result.Block != "ask" {
		t.Errorf("the trigger: %+v", c)
	}
	want := []string{"hi guest", "called 201 for Kim", "about books, Kim"}
	if diff := cmp.Diff(want, r.outgoing(t, first.ConversationID)); diff != "" {
		t.Errorf("replies (-want +got):\n%s", diff)
	}
}
