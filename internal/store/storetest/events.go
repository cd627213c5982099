package storetest

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/confab/confab/internal/store"
)

// eventTests cover event webhooks: subscriptions, and the events that
// accepted messages, turns, dead letters and disabled webhooks write to
// the outbox in their own transactions.
var eventTests = []test{
	{name: "SubscriptionRecords", run: func(t *testing.T, f *fixture) {
		p, other := f.project(t), f.project(t)
		s := f.subscription(t, p.ID, "message.received", "handover.requested")
		f.now = f.now.Add(time.Millisecond)
		s2 := f.subscription(t, p.ID, "*")
		f.subscription(t, other.ID, "*")
		got, err := f.s.GetSubscription(f.ctx, p.ID, s.ID)
		is(t, "GetSubscription", err, nil)
		same(t, "the subscription read back", s, got)
		_, err = f.s.GetSubscription(f.ctx, other.ID, s.ID)
		is(t, "GetSubscription from another project", err, store.ErrNotFound)
		is(t, "CreateSubscription with a taken id", f.s.CreateSubscription(f.ctx, s), store.ErrConflict)
		list, err := f.s.ListSubscriptions(f.ctx, p.ID)
		is(t, "ListSubscriptions", err, nil)
		same(t, "the project's subscriptions, oldest first", []store.Subscription{s, s2}, list)

		s.URL, s.Events, s.Description = "https://other.example.com/events", []string{"conversation.ended"}, "CRM"
		s.PreviousSecret, s.PreviousUntil, s.Secret = s.Secret, f.at(24*time.Hour), "whsec_new"
		s.Disabled, s.FailingSince, s.UpdatedAt = "gone", f.at(-time.Hour), f.at(time.Minute)
		is(t, "UpdateSubscription", f.s.UpdateSubscription(f.ctx, s), nil)
		got, err = f.s.GetSubscription(f.ctx, p.ID, s.ID)
		is(t, "GetSubscription after the update", err, nil)
		same(t, "the updated subscription", s, got)
		sneaky := s
		sneaky.ProjectID, sneaky.URL = other.ID, "https://evil.example.com/"
		is(t, "UpdateSubscription from another project", f.s.UpdateSubscription(f.ctx, sneaky), store.ErrNotFound)

		is(t, "SetSubscriptionHealth", f.s.SetSubscriptionHealth(f.ctx, s.ID, time.Time{}, ""), nil)
		got, _ = f.s.GetSubscription(f.ctx, p.ID, s.ID)
		if got.Disabled != "" || !got.FailingSince.IsZero() {
			t.Errorf("after SetSubscriptionHealth(zero, \"\") the subscription is disabled %q, failing since %v", got.Disabled, got.FailingSince)
		}
		is(t, "SetSubscriptionHealth of no subscription", f.s.SetSubscriptionHealth(f.ctx, "wh_none", f.now, "x"), store.ErrNotFound)

		is(t, "DeleteSubscription from another project", f.s.DeleteSubscription(f.ctx, other.ID, s.ID), store.ErrNotFound)
		is(t, "DeleteSubscription", f.s.DeleteSubscription(f.ctx, p.ID, s.ID), nil)
		is(t, "DeleteSubscription again", f.s.DeleteSubscription(f.ctx, p.ID, s.ID), store.ErrNotFound)
		list, _ = f.s.ListSubscriptions(f.ctx, p.ID)
		same(t, "the subscriptions after the delete", []store.Subscription{s2}, list)
	}},
	{name: "CreateSubscriptionKeepsTheAnswer", run: func(t *testing.T, f *fixture) {
		p := f.project(t)
		s := store.Subscription{ID: "wh_kept", ProjectID: p.ID, URL: "https://example.com/e", Events: []string{"*"}, Secret: "whsec_x", CreatedAt: f.now, UpdatedAt: f.now}
		is(t, "CreateSubscription with a key", f.s.CreateSubscription(f.keep("token:a", "w1", []byte(`{"id":"wh_kept"}`), nil), s), nil)
		same(t, "the kept answer", []byte(`{"id":"wh_kept"}`), f.kept(t, "token:a", "w1", 0).Body)
		s2 := s
		s2.ID = "wh_twice"
		is(t, "CreateSubscription with the key again", f.s.CreateSubscription(f.keep("token:a", "w1", []byte(`{}`), nil), s2), store.ErrKeyUsed)
		_, err := f.s.GetSubscription(f.ctx, p.ID, s2.ID)
		is(t, "the subscription of the second request", err, store.ErrNotFound)
	}},
	{name: "NoSubscriptionNoEvents", run: func(t *testing.T, f *fixture) {
		p := f.project(t)
		c := f.channel(t, p.ID)
		in := f.inbound(c, "hi")
		in.Run = replies(2, "ended")
		f.accept(t, in)
		ds := f.claimDeliveries(t, store.Lease{Owner: "a", Now: f.now, Until: f.at(time.Minute)}, 100)
		if len(ds) != 1 || ds[0].SubscriptionID != "" || ds[0].ChannelID != c.ID {
			t.Errorf("without subscriptions the outbox holds %+v, want the reply's head only", ds)
		}
	}},
	{name: "AcceptAndTurnsRaiseEventsInOrder", run: func(t *testing.T, f *fixture) {
		p := f.project(t)
		c := f.channel(t, p.ID)
		all := f.subscription(t, p.ID, "*")
		some := f.subscription(t, p.ID, "message.received", "handover.requested")
		elsewhere := f.subscription(t, f.project(t).ID, "*")

		// A new user's message whose turn runs in Accept, sends two
		// messages and hands over.
		in := f.inbound(c, "I need a human")
		in.SenderID = "customer-42"
		in.Attachments = []store.Attachment{{URL: "https://x.example.com/a.png"}}
		in.Run = replies(2, "paused")
		acc := f.accept(t, in)
		// A message while handed over: received, no reply, no second
		// handover.
		in2 := f.inbound(c, "hello?")
		in2.Now = f.at(time.Second)
		uid := acc.UserID
		in2.UserID = &uid
		in2.Run = replies(0, "paused")
		f.accept(t, in2)
		// A message whose turn waits for the queue, then ends the flow.
		in3 := in2
		in3.Text, in3.Now, in3.Run = "bye", f.at(2*time.Second), nil
		acc3 := f.accept(t, in3)
		f.claimTurns(t, store.Lease{Owner: "w", Now: in3.Now, Until: in3.Now.Add(time.Minute)}, 10)
		_, err := f.s.CompleteTurn(f.ctx, store.TurnResult{ConversationID: acc3.ConversationID, Owner: "w", HandledSeq: acc3.Seq, Now: in3.Now,
			State: []byte(`{"status":"ended"}`), Status: "ended", Outgoing: []store.Outgoing{{Text: "Goodbye", Payload: []byte(`{"text":"Goodbye"}`)}}})
		is(t, "CompleteTurn", err, nil)

		got := f.drainEvents(t, all)
		same(t, "the events of the subscription to everything, in order", []string{
			"conversation.started", "message.received", "message.sent", "message.sent", "handover.requested",
			"message.received",
			"message.received", "message.sent", "conversation.ended",
		}, types(got))
		same(t, "the events of the subscription to two types", []string{"message.received", "handover.requested", "message.received", "message.received"},
			types(f.drainEvents(t, some)))
		same(t, "the events of another project's subscription", []string{}, types(f.drainEvents(t, elsewhere)))

		// The bodies.
		for _, e := range got {
			if e.ID == "" || e.ProjectID != p.ID || e.CreatedAt.IsZero() {
				t.Errorf("event %s: id %q, project %q, createdAt %v", e.Type, e.ID, e.ProjectID, e.CreatedAt)
			}
			conv := e.Data.Conversation
			if conv.ID != acc.ConversationID || conv.ChannelID != c.ID || conv.Bot != c.Bot || conv.UserID != acc.UserID || conv.SenderID != "customer-42" {
				t.Errorf("event %s: conversation %+v", e.Type, conv)
			}
		}
		if conv := got[0].Data.Conversation; conv.Status != "new" || conv.Paused {
			t.Errorf("conversation.started shows status %q, paused %v; want new and not paused", conv.Status, conv.Paused)
		}
		if m := got[1].Data.Message; m.Seq != acc.Seq || m.Direction != "in" || m.Text != "I need a human" ||
			string(m.Attachments) != `[{"url":"https://x.example.com/a.png"}]` || len(m.Rich) != 0 {
			t.Errorf("message.received shows %+v (attachments %s)", m, m.Attachments)
		}
		if m := got[3].Data.Message; m.Seq != acc.Seq+2 || m.Direction != "out" || m.Text != "reply 1" || string(m.Rich) != `{"text":"reply 1"}` {
			t.Errorf("the second message.sent shows %+v (rich %s)", m, m.Rich)
		}
		if h := got[4]; h.Data.Block != "agent" || h.Data.Conversation.Status != "paused" || !h.Data.Conversation.Paused {
			t.Errorf("handover.requested shows block %q, conversation %+v", h.Data.Block, h.Data.Conversation)
		}
		if m := got[6].Data.Message; m.Seq != acc3.Seq || m.Text != "bye" {
			t.Errorf("the third message.received shows %+v", m)
		}
		if e := got[8]; e.Data.Conversation.Status != "ended" {
			t.Errorf("conversation.ended shows %+v", e.Data.Conversation)
		}
		// Each subscription's delivery of an event carries the same body,
		// under its own webhook-id.
		ds := f.subscriptionDeliveries(t, some)
		for _, d := range ds {
			if d.EventID == "" || d.EventType == "" || d.SubscriptionID != some.ID || d.ChannelID != "" || d.EventConversation() != acc.ConversationID {
				t.Errorf("an event delivery %+v", d)
			}
		}
	}},
	{name: "HandoverHoldAndEnd", run: func(t *testing.T, f *fixture) {
		p := f.project(t)
		c := f.channel(t, p.ID)
		sub := f.subscription(t, p.ID, "handover.requested", "conversation.ended", "conversation.paused", "conversation.unpaused")
		uid := int64(5)
		say := func(d time.Duration, r store.TurnResult) store.Accepted {
			t.Helper()
			in := f.inbound(c, "x")
			in.UserID, in.Now = &uid, f.at(d)
			in.Run = func(_ store.Conversation, m store.Message) (store.TurnResult, bool) {
				r.HandledSeq, r.Now = m.Seq, m.CreatedAt
				return r, true
			}
			return f.accept(t, in)
		}
		// An operator's hold stores "paused" too, but is no handover.
		acc := say(0, store.TurnResult{Status: "paused", State: []byte(`{"status":"input","block":"ask","held":true}`)})
		// A flow that ends, starts again and ends in each turn ends each
		// time (its log says so); a turn that leaves it ended without
		// running it (its log has no end) does not.
		end := []byte(`[{"kind":"enter","block":"answer"},{"kind":"send","block":"answer"},{"kind":"end","block":"answer"}]`)
		say(time.Second, store.TurnResult{Status: "ended", State: []byte(`{"status":"ended"}`), Log: end})
		say(2*time.Second, store.TurnResult{Status: "ended", State: []byte(`{"status":"ended"}`), Log: end})
		say(3*time.Second, store.TurnResult{Status: "ended", State: []byte(`{"status":"ended"}`), Log: []byte(`[{"kind":"set","name":"x"}]`)})
		// Without logs, the change of the flow's status tells.
		say(4*time.Second, store.TurnResult{Status: "input", State: []byte(`{"status":"input","block":"ask"}`)})
		say(5*time.Second, store.TurnResult{Status: "ended", State: []byte(`{"status":"ended"}`)})
		say(6*time.Second, store.TurnResult{Status: "ended", State: []byte(`{"status":"ended"}`)})
		say(7*time.Second, store.TurnResult{Status: "paused", State: []byte(`{"status":"paused","block":"human"}`)})
		say(8*time.Second, store.TurnResult{Status: "paused", State: []byte(`{"status":"paused","block":"human"}`)})
		// An operator's pause and unpause, carried out by turns from the
		// queue.
		for i, kind := range []string{store.CommandUnpause, store.CommandPause, store.CommandUnpause} {
			now := f.at(time.Duration(9+i) * time.Second)
			cmd := store.Command{ID: store.NewID("cmd"), ProjectID: p.ID, ConversationID: acc.ConversationID, Kind: kind, CreatedAt: now}
			sub, err := f.s.SubmitCommand(f.ctx, store.Submission{Command: cmd})
			is(t, "SubmitCommand", err, nil)
			f.claimTurns(t, store.Lease{Owner: "w", Now: now, Until: now.Add(time.Minute)}, 10)
			done := sub.Command
			done.Status, done.DoneAt, done.Result = store.CommandDone, now, &store.CommandResult{Status: "input"}
			status, state := "input", `{"status":"input","block":"ask"}`
			if kind == store.CommandPause {
				status, state = "paused", `{"status":"input","block":"ask","held":true}`
			}
			_, err = f.s.CompleteTurn(f.ctx, store.TurnResult{ConversationID: acc.ConversationID, Owner: "w", HandledSeq: done.Seq, Now: now,
				Status: status, State: []byte(state), Commands: []store.Command{done}})
			is(t, "CompleteTurn of "+kind, err, nil)
		}
		same(t, "the events", []string{"conversation.ended", "conversation.ended", "conversation.ended", "handover.requested",
			"conversation.unpaused", "conversation.paused", "conversation.unpaused"}, types(f.drainEvents(t, sub)))
	}},
	{name: "EventsAndRepliesDoNotWaitForEachOther", run: func(t *testing.T, f *fixture) {
		p := f.project(t)
		c := f.channel(t, p.ID)
		sub := f.subscription(t, p.ID, "message.received", "message.sent")
		in := f.inbound(c, "hi")
		in.Run = replies(2, "input")
		f.accept(t, in)
		lease := store.Lease{Owner: "a", Now: f.now, Until: f.at(time.Second)}
		heads := f.claimDeliveries(t, lease, 100)
		var reply, event store.Delivery
		for _, d := range heads {
			switch {
			case d.SubscriptionID == sub.ID && d.EventType == "message.received":
				event = d
			case d.ChannelID == c.ID && d.SubscriptionID == "":
				reply = d
			default:
				t.Errorf("an unexpected head %+v", d)
			}
		}
		if reply.ID == "" || event.ID == "" {
			t.Fatalf("the heads are %+v, want the first reply and the first event", heads)
		}
		// The event fails and waits an hour; the replies go on. The reply
		// fails too; the events go on behind their own head only.
		f.record(t, event.ID, "a", store.DeliveryPending, f.at(time.Hour))
		f.record(t, reply.ID, "a", store.DeliveryPending, f.at(time.Hour))
		lease.Now, lease.Until = f.at(2*time.Second), f.at(3*time.Second)
		if got := f.claimDeliveries(t, lease, 100); len(got) != 0 {
			t.Errorf("while both heads wait, a claim got %+v", got)
		}
		f.record(t, event.ID, "a", store.DeliveryDelivered, f.now)
		got := f.claimDeliveries(t, lease, 100)
		if len(got) != 1 || got[0].EventType != "message.sent" {
			t.Errorf("after the first event, a claim got %+v, want the first message.sent only", got)
		}
	}},
	{name: "DeadLetterRaisesDeliveryFailed", run: func(t *testing.T, f *fixture) {
		p := f.project(t)
		c := f.channel(t, p.ID)
		sub := f.subscription(t, p.ID, "delivery.failed", "message.sent")
		in := f.inbound(c, "hi")
		in.Run = replies(1, "input")
		acc := f.accept(t, in)
		var reply, sent store.Delivery
		for _, d := range f.claimDeliveries(t, store.Lease{Owner: "a", Now: f.now, Until: f.at(time.Minute)}, 100) {
			if d.SubscriptionID == "" {
				reply = d
			} else {
				sent = d
			}
		}
		// An event's dead letter raises nothing; a reply's raises
		// delivery.failed, behind the conversation's earlier events.
		a := store.Attempt{DeliveryID: sent.ID, Owner: "a", At: f.now, Status: 500, Error: "status 500"}
		is(t, "RecordAttempt of the event", f.s.RecordAttempt(f.ctx, a, store.DeliveryUpdate{Status: store.DeliveryDead, NextAt: f.now}), nil)
		a = store.Attempt{DeliveryID: reply.ID, Owner: "a", At: f.at(time.Second), Status: 410, Error: "status 410", Excerpt: "gone"}
		is(t, "RecordAttempt of the reply", f.s.RecordAttempt(f.ctx, a, store.DeliveryUpdate{Status: store.DeliveryDead, NextAt: f.now}), nil)
		dead := f.delivery(t, c, reply.ID)
		if dead.Status != store.DeliveryDead || dead.Attempts != 1 || len(dead.History) != 1 || dead.History[0].Excerpt != "gone" {
			t.Errorf("the reply after its dead letter %+v", dead)
		}
		evs := f.subscriptionDeliveries(t, sub)
		if len(evs) != 2 || evs[0].EventType != "delivery.failed" || evs[1].Status != store.DeliveryDead || evs[0].Seq <= evs[1].Seq {
			t.Fatalf("the subscription's deliveries, newest first: %+v", evs)
		}
		e := parseEvent(t, evs[0].Body)
		want := eventData{Reason: "dead_letter", ChannelID: c.ID, DeliveryID: reply.ID, ConversationID: acc.ConversationID, Attempts: 1, LastStatus: 410, LastError: "status 410"}
		same(t, "delivery.failed's data", want, e.Data)
		if !e.CreatedAt.Equal(f.at(time.Second)) {
			t.Errorf("delivery.failed was created at %v, want the attempt's time %v", e.CreatedAt, f.at(time.Second))
		}
		// A dead letter's attempt still checks the lease.
		a.DeliveryID = "msg_none"
		is(t, "RecordAttempt of no delivery", f.s.RecordAttempt(f.ctx, a, store.DeliveryUpdate{Status: store.DeliveryDead, NextAt: f.now}), store.ErrNotFound)
	}},
	{name: "DisabledWebhookRaisesDeliveryFailedOnce", run: func(t *testing.T, f *fixture) {
		p := f.project(t)
		c := f.channel(t, p.ID)
		sub := f.subscription(t, p.ID, "delivery.failed")
		is(t, "SetEndpointHealth failing", f.s.SetEndpointHealth(f.ctx, c.ID, f.now, ""), nil)
		is(t, "SetEndpointHealth disabled", f.s.SetEndpointHealth(f.ctx, c.ID, f.now, "the endpoint answered 410 Gone"), nil)
		is(t, "SetEndpointHealth disabled again", f.s.SetEndpointHealth(f.ctx, c.ID, f.now, "still gone"), nil)
		ch, err := f.s.GetChannel(f.ctx, p.ID, c.ID)
		if err != nil || ch.WebhookDisabled != "still gone" || !ch.FailingSince.Equal(f.now) {
			t.Errorf("the channel after SetEndpointHealth: %+v, %v", ch, err)
		}
		evs := f.subscriptionDeliveries(t, sub)
		if len(evs) != 1 {
			t.Fatalf("%d events, want one delivery.failed", len(evs))
		}
		e := parseEvent(t, evs[0].Body)
		same(t, "delivery.failed's data", eventData{Reason: "endpoint_disabled", ChannelID: c.ID, Disabled: "the endpoint answered 410 Gone"}, e.Data)
		if evs[0].EventConversation() != "" {
			t.Errorf("an event about no conversation has the order key %q", evs[0].ConversationID)
		}
		is(t, "SetEndpointHealth of no channel", f.s.SetEndpointHealth(f.ctx, "ch_none", f.now, "x"), store.ErrNotFound)
	}},
	{name: "EventDeliveryLogReplayAndCascade", run: func(t *testing.T, f *fixture) {
		p, other := f.project(t), f.project(t)
		c := f.channel(t, p.ID)
		sub := f.subscription(t, p.ID, "message.received")
		for i := range 3 {
			in := f.inbound(c, fmt.Sprint("message ", i))
			in.Now = f.at(time.Duration(i) * time.Second)
			f.accept(t, in)
		}
		ds := f.subscriptionDeliveries(t, sub)
		if len(ds) != 3 || parseEvent(t, ds[0].Body).Data.Message.Text != "message 2" {
			t.Fatalf("the delivery log, newest first: %+v", ds)
		}
		none, err := f.s.ListSubscriptionDeliveries(f.ctx, other.ID, sub.ID, 10)
		is(t, "ListSubscriptionDeliveries from another project", err, nil)
		same(t, "another project's view of the log", []store.Delivery{}, none)
		// An event delivery dead-letters and is replayed like a reply.
		id := ds[2].ID
		f.claimDeliveries(t, store.Lease{Owner: "a", Now: f.at(3 * time.Second), Until: f.at(time.Minute)}, 100)
		f.record(t, id, "a", store.DeliveryDead, f.now)
		is(t, "ReplayDelivery from another project", f.s.ReplayDelivery(f.ctx, other.ID, id, f.at(time.Hour)), store.ErrNotFound)
		is(t, "ReplayDelivery", f.s.ReplayDelivery(f.ctx, p.ID, id, f.at(time.Hour)), nil)
		got := f.claimDeliveries(t, store.Lease{Owner: "b", Now: f.at(time.Hour), Until: f.at(2 * time.Hour)}, 100)
		if !slices.ContainsFunc(got, func(d store.Delivery) bool { return d.ID == id && d.Attempts == 1 }) {
			t.Errorf("after the replay a claim got %+v, want %s again", got, id)
		}
		// Deleting the subscription deletes its deliveries.
		is(t, "DeleteSubscription", f.s.DeleteSubscription(f.ctx, p.ID, sub.ID), nil)
		ds, err = f.s.ListSubscriptionDeliveries(f.ctx, p.ID, sub.ID, 10)
		is(t, "ListSubscriptionDeliveries after the delete", err, nil)
		same(t, "the log after the delete", []store.Delivery{}, ds)
		if got := f.claimDeliveries(t, store.Lease{Owner: "c", Now: f.at(3 * time.Hour), Until: f.at(4 * time.Hour)}, 100); len(got) != 0 {
			t.Errorf("after the delete a claim got %+v", got)
		}
	}},
}

// subscription creates a subscription of a project to event types.
func (f *fixture) subscription(t *testing.T, projectID string, types ...string) store.Subscription {
	t.Helper()
	id := store.NewID("wh")
	s := store.Subscription{ID: id, ProjectID: projectID, URL: "https://example.com/events/" + id, Events: types,
		Secret: "whsec_" + id, CreatedAt: f.now, UpdatedAt: f.now}
	if err := f.s.CreateSubscription(f.ctx, s); err != nil {
		t.Fatalf("CreateSubscription: %v", err)
	}
	return s
}

// replies is an Inbound.Run whose turn sends n messages and leaves the
// conversation in status (at the handover block "agent" when paused).
func replies(n int, status string) func(store.Conversation, store.Message) (store.TurnResult, bool) {
	return func(_ store.Conversation, m store.Message) (store.TurnResult, bool) {
		r := store.TurnResult{HandledSeq: m.Seq, Now: m.CreatedAt, Status: status, State: fmt.Appendf(nil, `{"status":%q,"block":"agent"}`, status)}
		for i := range n {
			text := fmt.Sprint("reply ", i)
			r.Outgoing = append(r.Outgoing, store.Outgoing{Text: text, Payload: fmt.Appendf(nil, `{"text":%q}`, text),
				Delivery: &store.Delivery{ID: store.NewID("dlv"), URL: "https://example.com/hook", Body: fmt.Appendf(nil, `{"message":%q}`, text)}})
		}
		return r, true
	}
}

// subscriptionDeliveries returns a subscription's deliveries, newest
// first.
func (f *fixture) subscriptionDeliveries(t *testing.T, s store.Subscription) []store.Delivery {
	t.Helper()
	ds, err := f.s.ListSubscriptionDeliveries(f.ctx, s.ProjectID, s.ID, 1000)
	if err != nil {
		t.Fatalf("ListSubscriptionDeliveries: %v", err)
	}
	return ds
}

// drainEvents claims a subscription's deliveries and marks them delivered
// until none is left, and returns their events in the order the claims
// gave them: each claim may give only the oldest of each order key.
func (f *fixture) drainEvents(t *testing.T, s store.Subscription) []event {
	t.Helper()
	var out []event
	for round := 0; ; round++ {
		f.now = f.now.Add(2 * time.Minute) // past the leases of the claims before
		lease := store.Lease{Owner: "drain", Now: f.at(time.Hour), Until: f.at(time.Hour + time.Minute)}
		var mine []store.Delivery
		for _, d := range f.claimDeliveries(t, lease, 1000) {
			if d.SubscriptionID == s.ID {
				mine = append(mine, d)
			}
			// Release the others at once: record nothing, they are claimed
			// again next round (the lease ends when the next round starts).
		}
		if len(mine) == 0 {
			return out
		}
		if len(mine) > 1 {
			t.Fatalf("a claim gave %d deliveries of one subscription's one conversation at once", len(mine))
		}
		out = append(out, parseEvent(t, mine[0].Body))
		f.record(t, mine[0].ID, "drain", store.DeliveryDelivered, f.now)
		if round > 1000 {
			t.Fatal("the events do not end")
		}
	}
}

// event is an event body as the tests read it.
type event struct {
	ID        string    `json:"id"`
	Type      string    `json:"type"`
	CreatedAt time.Time `json:"createdAt"`
	ProjectID string    `json:"projectID"`
	Data      eventData `json:"data"`
}

type eventData struct {
	Conversation struct {
		ID        string `json:"id"`
		ChannelID string `json:"channelID"`
		Bot       string `json:"bot"`
		UserID    int64  `json:"userID"`
		SenderID  string `json:"senderID"`
		Status    string `json:"status"`
		Paused    bool   `json:"paused"`
	} `json:"conversation"`
	Message struct {
		Seq         int64           `json:"seq"`
		Direction   string          `json:"direction"`
		Text        string          `json:"text"`
		Attachments json.RawMessage `json:"attachments"`
		Rich        json.RawMessage `json:"rich"`
	} `json:"message"`
	Block          string `json:"block"`
	Reason         string `json:"reason"`
	ChannelID      string `json:"channelID"`
	DeliveryID     string `json:"deliveryID"`
	ConversationID string `json:"conversationID"`
	Attempts       int    `json:"attempts"`
	LastStatus     int    `json:"lastStatus"`
	LastError      string `json:"lastError"`
	Disabled       string `json:"disabled"`
}

func parseEvent(t *testing.T, body []byte) event {
	t.Helper()
	var e event
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("event body %s: %v", body, err)
	}
	return e
}

func types(es []event) []string {
	out := []string{}
	for _, e := range es {
		out = append(out, e.Type)
	}
	return out
}
