// Package storetest is the conformance suite every store driver passes.
// A driver's tests call Run with a function that opens a store on a fresh,
// empty database; the same tests then run on SQLite and on PostgreSQL, so
// the shared SQL in store/sqlstore and each driver's schema and error
// mapping are checked together.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/confab/confab/internal/store"
)

// Run runs the suite, each test in parallel on its own database. open
// returns a store on a fresh, empty database that is not migrated yet, and
// registers (with t.Cleanup) whatever removes that database; Run migrates
// the store and closes it before that cleanup runs.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	groups := []struct {
		name  string
		tests []test
	}{
		{"Migrate", migrateTests},
		{"Records", recordTests},
		{"Accept", acceptTests},
		{"Turns", turnTests},
		{"Guess", guessTests},
		{"Handoff", handoffTests},
		{"Deliveries", deliveryTests},
		{"Concurrency", concurrencyTests},
		{"Leases", leaseTests},
		{"Health", healthTests},
		{"Tokens", tokenTests},
		{"Idempotency", idempotencyTests},
		{"Commands", commandTests},
		{"Conversations", conversationTests},
		{"Logs", logTests},
		{"Events", eventTests},
		{"Waits", waitTests},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			t.Parallel()
			for _, tc := range g.tests {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					tc.run(t, newFixture(t, open, !tc.unmigrated))
				})
			}
		})
	}
}

// test is one conformance test.
type test struct {
	name string
	// unmigrated gives the test a store whose Migrate has not run yet.
	unmigrated bool
	run        func(t *testing.T, f *fixture)
}

// fixture is a test's store, context and clock.
type fixture struct {
	s   store.Store
	ctx context.Context
	// now is the test's fixed clock: whole milliseconds in UTC, as the
	// store gives times back.
	now time.Time
}

func newFixture(t *testing.T, open func(t *testing.T) store.Store, migrate bool) *fixture {
	t.Helper()
	s := open(t)
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	f := &fixture{s: s, ctx: t.Context(), now: time.UnixMilli(1_767_225_600_000).UTC()}
	if migrate {
		if err := s.Migrate(f.ctx); err != nil {
			t.Fatalf("Migrate: %v", err)
		}
	}
	return f
}

// at returns the fixture's clock moved by d.
func (f *fixture) at(d time.Duration) time.Time { return f.now.Add(d) }

// project creates a project.
func (f *fixture) project(t *testing.T) store.Project {
	t.Helper()
	p := store.Project{ID: store.NewID("prj"), Name: "Project", CreatedAt: f.now}
	if err := f.s.CreateProject(f.ctx, p); err != nil {
		t.Fatalf("CreateProject: %v", err)
	}
	return p
}

// channel creates an API channel of a project.
func (f *fixture) channel(t *testing.T, projectID string) store.Channel {
	t.Helper()
	id := store.NewID("chn")
	c := store.Channel{
		ID:            id,
		ProjectID:     projectID,
		Bot:           "pizza",
		TokenHash:     []byte("hash of " + id),
		WebhookURL:    "https://example.com/hook/" + id,
		WebhookSecret: "whsec_" + id,
		Keywords:      []string{"start", "menu"},
		CreatedAt:     f.now,
		UpdatedAt:     f.now,
	}
	if err := f.s.CreateChannel(f.ctx, c); err != nil {
		t.Fatalf("CreateChannel: %v", err)
	}
	return c
}

// inbound returns a message from a new user on a channel, at the fixture's
// clock.
func (f *fixture) inbound(c store.Channel, text string) store.Inbound {
	return store.Inbound{ProjectID: c.ProjectID, ChannelID: c.ID, Bot: c.Bot, Text: text, Now: f.now}
}

// accept stores an inbound message.
func (f *fixture) accept(t *testing.T, in store.Inbound) store.Accepted {
	t.Helper()
	acc, err := f.s.Accept(f.ctx, in)
	if err != nil {
		t.Fatalf("Accept(%q): %v", in.Text, err)
	}
	return acc
}

// claimTurns claims turns and returns them by conversation id.
func (f *fixture) claimTurns(t *testing.T, lease store.Lease, limit int) map[string]store.Turn {
	t.Helper()
	turns, err := f.s.ClaimTurns(f.ctx, lease, limit)
	if err != nil {
		t.Fatalf("ClaimTurns(%s): %v", lease.Owner, err)
	}
	out := map[string]store.Turn{}
	for _, turn := range turns {
		if _, dup := out[turn.Conversation.ID]; dup {
			t.Fatalf("ClaimTurns(%s) returned conversation %s twice", lease.Owner, turn.Conversation.ID)
		}
		out[turn.Conversation.ID] = turn
	}
	return out
}

// claimDeliveries claims deliveries and returns their ids in the order
// given.
func (f *fixture) claimDeliveries(t *testing.T, lease store.Lease, limit int) []store.Delivery {
	t.Helper()
	ds, err := f.s.ClaimDeliveries(f.ctx, lease, limit)
	if err != nil {
		t.Fatalf("ClaimDeliveries(%s): %v", lease.Owner, err)
	}
	return ds
}

// outbox gives a new user's conversation on c n bot messages, each with a
// delivery, at the fixture's clock moved by d. It runs the conversation's
// turn with a lease that ends when it starts, so that other turns waiting
// stay claimable. It returns the deliveries as ClaimDeliveries gives them.
func (f *fixture) outbox(t *testing.T, c store.Channel, d time.Duration, n int) []store.Delivery {
	t.Helper()
	in := f.inbound(c, "hello")
	in.Now = f.at(d)
	acc := f.accept(t, in)
	turn, ok := f.claimTurns(t, store.Lease{Owner: "outbox", Now: in.Now, Until: in.Now}, 1000)[acc.ConversationID]
	if !ok {
		t.Fatalf("ClaimTurns did not return conversation %s", acc.ConversationID)
	}
	r := store.TurnResult{ConversationID: acc.ConversationID, Owner: "outbox", HandledSeq: turn.Messages[len(turn.Messages)-1].Seq, Now: in.Now}
	var want []store.Delivery
	for i := range n {
		id := store.NewID("dlv")
		body := fmt.Appendf(nil, `{"text":"reply %d"}`, i)
		r.Outgoing = append(r.Outgoing, store.Outgoing{
			Text:     fmt.Sprintf("reply %d", i),
			Delivery: &store.Delivery{ID: id, URL: c.WebhookURL, Body: body},
		})
		want = append(want, store.Delivery{
			ID:             id,
			ProjectID:      c.ProjectID,
			ChannelID:      c.ID,
			ConversationID: acc.ConversationID,
			Seq:            acc.Seq + 1 + int64(i),
			URL:            c.WebhookURL,
			Body:           body,
			Status:         store.DeliveryPending,
			NextAt:         in.Now,
			CreatedAt:      in.Now,
		})
	}
	if err := f.completeTurn(r); err != nil {
		t.Fatalf("CompleteTurn: %v", err)
	}
	return want
}

// record logs an attempt that moves a delivery to status, due again at
// next.
func (f *fixture) record(t *testing.T, id, owner string, status string, next time.Time) {
	t.Helper()
	a := store.Attempt{DeliveryID: id, Owner: owner, At: f.now, Status: 200}
	if status != store.DeliveryDelivered {
		a.Status, a.Error = 503, "unavailable"
	}
	if err := f.s.RecordAttempt(f.ctx, a, store.DeliveryUpdate{Status: status, NextAt: next}); err != nil {
		t.Fatalf("RecordAttempt(%s, %s): %v", id, status, err)
	}
}

// delivery finds a delivery of a channel by id.
func (f *fixture) delivery(t *testing.T, c store.Channel, id string) store.Delivery {
	t.Helper()
	ds, err := f.s.ListDeliveries(f.ctx, c.ProjectID, c.ID, 1000)
	if err != nil {
		t.Fatalf("ListDeliveries: %v", err)
	}
	for _, d := range ds {
		if d.ID == id {
			return d
		}
	}
	t.Fatalf("ListDeliveries did not return delivery %s", id)
	return store.Delivery{}
}

// ids returns the ids of deliveries.
func ids(ds []store.Delivery) []string {
	out := []string{}
	for _, d := range ds {
		out = append(out, d.ID)
	}
	return out
}

// sorted returns ids in order, for comparing claims whose order the
// contract leaves open.
func sorted(ids ...string) []string {
	return slices.Sorted(slices.Values(ids))
}

// same reports a difference between want and got; nil and empty slices
// are equal.
func same(t *testing.T, what string, want, got any) {
	t.Helper()
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", what, diff)
	}
}

// is fails the test unless err is (or wraps) target; a nil target wants
// no error.
func is(t *testing.T, what string, err, target error) {
	t.Helper()
	if target == nil {
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return
	}
	if !errors.Is(err, target) {
		t.Fatalf("%s: got error %v, want %v", what, err, target)
	}
}

// completeTurn commits a turn result and keeps only the error.
func (f *fixture) completeTurn(r store.TurnResult) error {
	_, err := f.s.CompleteTurn(f.ctx, r)
	return err
}
