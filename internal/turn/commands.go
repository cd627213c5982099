package turn

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/confab/confab/internal/channel/apichannel"
	"github.com/confab/confab/internal/flow"
	"github.com/confab/confab/internal/store"
	"github.com/confab/confab/internal/webhook"
)

// Commands (the API's steering routes) run in the conversation's turns, at
// their place in its sequence, so that a command never races a turn of the
// same conversation: a turn in flight finishes first, and the command
// works on the state that turn committed. See
// docs/decisions/0009-steering-through-the-turn-queue.md.

// PrepareCommand readies a command of a conversation on channel ch for the
// store's SubmitCommand: it is carried out inside SubmitCommand's
// transaction when no turn of the conversation is queued or running and it
// needs no calls, else it is queued leased to this worker so that
// Submitted starts it at once.
func (w *Worker) PrepareCommand(sub *store.Submission, ch store.Channel) {
	now := sub.Command.CreatedAt
	sub.Lease = &store.Lease{Owner: w.cfg.Owner, Now: now, Until: now.Add(w.cfg.Lease)}
	// The hand-over is registered inside the transaction, in commit
	// order, as for messages (Prepare).
	var handed func(hand func())
	sub.Run = func(c store.Conversation, cmd store.Command) (store.TurnResult, bool) {
		r, _, ok := w.compute(ch, c, nil, nil, []store.Command{cmd}, nil)
		if ok && handed == nil {
			handed = w.handing.begin(c.ID)
		}
		return r, ok
	}
	sub.After = func(done store.Submitted, err error) {
		if handed == nil {
			return
		}
		if err != nil || !done.Ran {
			handed(nil)
			return
		}
		conv := done.Command.ConversationID
		handed(func() { w.handOver(conv, done.Outgoing) })
	}
}

// Submitted takes a command that SubmitCommand committed, as Accepted takes
// a message: the deliveries of a command that ran go to the outbox; a turn
// leased to this worker starts now; else the worker looks for work.
func (w *Worker) Submitted(sub store.Submitted) {
	if sub.Ran {
		return // handed over by the Submission's After (PrepareCommand), in commit order
	}
	w.Accepted(store.Accepted{ConversationID: sub.Command.ConversationID, Turn: sub.Turn, Ran: sub.Ran, Outgoing: sub.Outgoing})
}

// item is a message or a command of a turn.
type item struct {
	msg *store.Message
	cmd *store.Command
}

// sequence merges a turn's messages and commands by sequence number.
func sequence(msgs []store.Message, cmds []store.Command) []item {
	out := make([]item, 0, len(msgs)+len(cmds))
	for i := range msgs {
		out = append(out, item{msg: &msgs[i]})
	}
	if len(cmds) == 0 {
		return out
	}
	for i := range cmds {
		out = append(out, item{cmd: &cmds[i]})
	}
	seq := func(it item) int64 {
		if it.cmd != nil {
			return it.cmd.Seq
		}
		return it.msg.Seq
	}
	sort.SliceStable(out, func(i, j int) bool { return seq(out[i]) < seq(out[j]) })
	return out
}

// heldMessage is called for a user message that comes while an operator
// holds the conversation (flow.State.Held): the message is stored and
// counted handled, and the bot does not read it; unpausing does not replay
// it. (Its message.received event is raised when it is accepted, paused
// or not.) It may be called more than once for one message (a turn worked
// out ahead, or run again), so whatever it adds must go into the turn
// being worked out, never out of it.
func (w *Worker) heldMessage(c store.Conversation, m store.Message) {
	w.log.Debug("a message came while the conversation is paused: kept, not run", "conversation", c.ID, "seq", m.Seq)
}

// status is a conversation's status as the store keeps it: the flow's,
// or "paused" while an operator holds it.
func status(st flow.State) string {
	if st.Held {
		return string(flow.StatusPaused)
	}
	return string(st.Status)
}

// stepCommand starts the steps of a command in a turn's execution log.
const stepCommand flow.StepKind = "command"

// command carries out one command on the state st of conversation c, and
// returns the new state, the messages it sends, the command with its
// outcome and the trace for the turn's log (a stepCommand step, then the
// flow's). eng is nil when the conversation's bot is not served. drive
// runs a flow event (nil: without calls; then ok is false when the flow
// asks for a call, for the command to run again where calls may wait). A
// command that fails leaves the state as it was and says why.
func (w *Worker) command(eng *flow.Engine, ch store.Channel, c store.Conversation, st flow.State, cmd store.Command,
	drive func(*flow.Engine, flow.State, flow.Event) flow.Result) (next flow.State, out []store.Outgoing, done store.Command, trace flow.Trace, ok bool) {
	now := w.now()
	trace = flow.Trace{{Kind: stepCommand, Block: st.Block, Detail: describe(cmd), Goto: cmd.Block}}
	// run runs a flow event from st; it adds the messages the flow sends
	// to out.
	run := func(ev flow.Event) (flow.State, bool, error) {
		if eng == nil {
			return st, true, fmt.Errorf("the conversation's bot %q is not served", c.Bot)
		}
		if ev.Time.IsZero() {
			ev.Time = now
		}
		var res flow.Result
		if drive == nil {
			if res = eng.Run(st, ev); res.Err == nil && res.Call() != nil {
				return st, false, nil
			}
		} else {
			res = drive(eng, st, ev)
		}
		trace = append(trace, res.Trace...)
		if res.Err != nil {
			return st, true, res.Err
		}
		for _, msg := range res.Messages() {
			out = append(out, reply(ch, c, redactMessage(secretsOf(w.bots), msg), "", 0, now))
		}
		return res.State, true, nil
	}
	var result store.CommandResult
	var err error
	next, ok = st, true
	switch cmd.Kind {
	case store.CommandMessage:
		var msg flow.Message
		if err = json.Unmarshal(cmd.Message, &msg); err != nil {
			err = fmt.Errorf("the message: %w", err)
			break
		}
		o := reply(ch, c, msg, cmd.As, cmd.AdminID, now)
		out = append(out, o)
		trace = append(trace, flow.Step{Kind: flow.StepSend, Detail: o.Text})
		result.DeliveryID = o.Delivery.ID
		from := "bot"
		if cmd.As == "agent" {
			from = "agent"
		}
		next.Recent = remember(st.Recent, flow.Comment{From: from, Text: o.Text, Time: now})
	case store.CommandSession:
		next, ok, err = run(flow.Event{Kind: flow.EventSet, Vars: cmd.Vars})
	case store.CommandPause:
		next.Held = true
	case store.CommandUnpause:
		if st.Status == flow.StatusPaused {
			// Handed over by the flow: it goes on at the handover's next.
			next, ok, err = run(flow.Event{Kind: flow.EventResume})
		}
		next.Held = false
	case store.CommandTrigger:
		next, ok, err = run(flow.Event{Kind: flow.EventTrigger, Block: cmd.Block, Vars: cmd.Vars})
	case store.CommandCallback, store.CommandTimeout:
		var ev flow.Event
		if ev, err = waitEvent(st, cmd, now); err == nil {
			next, ok, err = run(ev)
		}
	default:
		err = fmt.Errorf("unknown kind of command %q", cmd.Kind)
	}
	if !ok {
		return st, nil, cmd, nil, false
	}
	if err != nil {
		w.log.Warn("a command failed", "conversation", c.ID, "command", cmd.ID, "kind", cmd.Kind, "err", secretsOf(w.bots).String(err.Error()))
		cmd.Status, cmd.Error, cmd.DoneAt = store.CommandFailed, err.Error(), now
		trace = append(trace, flow.Step{Kind: flow.StepError, Detail: err.Error()})
		return st, nil, cmd, trace, true
	}
	result.Status, result.Block, result.Paused, result.Vars = status(next), next.Block, next.Held || next.Status == flow.StatusPaused, next.Vars
	if result.Vars == nil {
		result.Vars = map[string]any{}
	}
	cmd.Status, cmd.Result, cmd.DoneAt = store.CommandDone, &result, now
	return next, out, cmd, trace, true
}

// describe says what a command does, for the execution log.
func describe(cmd store.Command) string {
	switch cmd.Kind {
	case store.CommandMessage:
		if cmd.As == "agent" {
			return fmt.Sprintf("a message from agent %d", cmd.AdminID)
		}
		return "a message sent as the bot"
	case store.CommandSession:
		return "session variables set"
	case store.CommandPause:
		return "paused: messages are kept, the bot does not answer"
	case store.CommandUnpause:
		return "unpaused: the bot answers again"
	case store.CommandTrigger:
		return "jump to " + cmd.Block
	case store.CommandCallback:
		return fmt.Sprintf("the callback of wait %d came", cmd.Wait)
	case store.CommandTimeout:
		return fmt.Sprintf("wait %d timed out", cmd.Wait)
	}
	return cmd.Kind
}

// reply makes the outgoing message, with its webhook delivery, of a message
// sent to the user of conversation c: by the bot, or by an agent (as
// "agent", with the agent's adminID in the webhook body, as seed 003 says).
// as is "" for the bot's own replies, "bot" for a message sent as the bot
// through the API.
func reply(ch store.Channel, c store.Conversation, msg flow.Message, as string, adminID int64, now time.Time) store.Outgoing {
	body := apichannel.NewReply(ch.ID, c.UserID, c.SenderID, msg, now)
	var payload []byte
	if as == "" {
		payload, _ = json.Marshal(msg)
	} else {
		sent := sentMessage{Message: msg, As: as}
		if as == "agent" {
			body.AdminID, sent.AdminID = &adminID, adminID
		}
		payload, _ = json.Marshal(sent)
	}
	return store.Outgoing{Text: apichannel.Text(msg), Payload: payload,
		Delivery: &store.Delivery{ID: webhook.NewMessageID(now), URL: ch.WebhookURL, Body: body.JSON()}}
}

// sentMessage is the stored payload of a message sent through the API: the
// message, who it was sent as, and the agent.
type sentMessage struct {
	flow.Message
	As      string `json:"as"`
	AdminID int64  `json:"adminID,omitempty"`
}

// remember adds a message to the state's recent messages, keeping the last
// flow.RecentLimit, in a new slice (the old one may be shared).
func remember(recent []flow.Comment, c flow.Comment) []flow.Comment {
	if c.Text == "" {
		return recent
	}
	keep := recent[max(0, len(recent)-flow.RecentLimit+1):]
	return append(append(make([]flow.Comment, 0, len(keep)+1), keep...), c)
}
