package storetest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/confab/confab/internal/store"
)

// workers is how many goroutines race in the concurrency tests.
const workers = 8

// patience bounds how long the concurrency tests wait for all the work to
// be claimed; work that is never claimed fails the test when it runs out.
const patience = time.Minute

var concurrencyTests = []test{
	{name: "ClaimTurns", run: func(t *testing.T, f *fixture) {
		p := f.project(t)
		c := f.channel(t, p.ID)
		const n = 200
		for range n {
			f.accept(t, f.inbound(c, "hi"))
		}
		ctx, cancel := context.WithTimeout(f.ctx, patience)
		defer cancel()
		var mu sync.Mutex
		owners := map[string][]string{} // conversation → the workers that claimed it
		var claimed atomic.Int64
		var wg sync.WaitGroup
		for w := range workers {
			lease := store.Lease{Owner: fmt.Sprintf("w%d", w), Now: f.now, Until: f.at(time.Hour)}
			wg.Go(func() {
				for claimed.Load() < n && ctx.Err() == nil {
					turns, err := f.s.ClaimTurns(ctx, lease, 7)
					if err != nil {
						t.Errorf("ClaimTurns(%s): %v", lease.Owner, err)
						return
					}
					if len(turns) == 0 {
						time.Sleep(time.Millisecond)
						continue
					}
					mu.Lock()
					for _, turn := range turns {
						owners[turn.Conversation.ID] = append(owners[turn.Conversation.ID], lease.Owner)
					}
					mu.Unlock()
					claimed.Add(int64(len(turns)))
				}
			})
		}
		wg.Wait()
		if len(owners) != n {
			t.Errorf("%d of %d conversations were claimed", len(owners), n)
		}
		for id, o := range owners {
			if len(o) != 1 {
				t.Errorf("conversation %s was leased by %v at once", id, o)
			}
		}
		if got := f.claimTurns(t, store.Lease{Owner: "late", Now: f.now, Until: f.at(time.Hour)}, n); len(got) != 0 {
			t.Errorf("%d turns were still claimable under live leases", len(got))
		}
	}},
	{name: "ClaimDeliveries", run: func(t *testing.T, f *fixture) {
		p := f.project(t)
		c := f.channel(t, p.ID)
		const convs, per = 200, 2
		var all []store.Delivery
		for range convs {
			all = append(all, f.outbox(t, c, 0, per)...)
		}
		ctx, cancel := context.WithTimeout(f.ctx, patience)
		defer cancel()
		var mu sync.Mutex
		inFlight := map[string]string{} // conversation → the delivery being sent
		claims := map[string]int{}      // delivery → times claimed
		order := map[string][]int64{}   // conversation → seqs in the order claimed
		var done atomic.Int64
		var wg sync.WaitGroup
		for w := range workers {
			lease := store.Lease{Owner: fmt.Sprintf("w%d", w), Now: f.now, Until: f.at(time.Hour)}
			wg.Go(func() {
				for done.Load() < convs*per && ctx.Err() == nil {
					ds, err := f.s.ClaimDeliveries(ctx, lease, 5)
					if err != nil {
						t.Errorf("ClaimDeliveries(%s): %v", lease.Owner, err)
						return
					}
					if len(ds) == 0 {
						time.Sleep(time.Millisecond)
						continue
					}
					mu.Lock()
					for _, d := range ds {
						if other, ok := inFlight[d.ConversationID]; ok {
							t.Errorf("deliveries %s and %s of conversation %s are in flight at once", other, d.ID, d.ConversationID)
						}
						inFlight[d.ConversationID] = d.ID
						claims[d.ID]++
						order[d.ConversationID] = append(order[d.ConversationID], d.Seq)
					}
					mu.Unlock()
					for _, d := range ds {
						mu.Lock()
						delete(inFlight, d.ConversationID)
						mu.Unlock()
						a := store.Attempt{DeliveryID: d.ID, Owner: lease.Owner, At: f.now, Status: 200}
						if err := f.s.RecordAttempt(ctx, a, store.DeliveryUpdate{Status: store.DeliveryDelivered, NextAt: f.now}); err != nil {
							t.Errorf("RecordAttempt(%s): %v", d.ID, err)
							return
						}
						done.Add(1)
					}
				}
			})
		}
		wg.Wait()
		for _, d := range all {
			if claims[d.ID] != 1 {
				t.Errorf("delivery %s was claimed %d times, want once", d.ID, claims[d.ID])
			}
		}
		for conv, seqs := range order {
			if len(seqs) != per || seqs[0] >= seqs[1] {
				t.Errorf("conversation %s sent seqs %v, want %d in order", conv, seqs, per)
			}
		}
	}},
	{name: "AcceptAndComplete", run: func(t *testing.T, f *fixture) {
		// Messages keep arriving for a few conversations while workers run
		// their turns: every message gets its own seq and is handled
		// exactly once, and no conversation is left with a message but no
		// turn job.
		p := f.project(t)
		c := f.channel(t, p.ID)
		const users, producers, each = 3, 4, 50
		ctx, cancel := context.WithTimeout(f.ctx, patience)
		defer cancel()
		var mu sync.Mutex
		handled := map[string][]int64{} // conversation → inbound seqs handled, in order
		var accepted, handledN atomic.Int64
		var wg sync.WaitGroup
		for g := range producers {
			wg.Go(func() {
				for i := range each {
					uid := int64(1 + (g*each+i)%users)
					in := f.inbound(c, fmt.Sprintf("p%d m%d", g, i))
					in.UserID = &uid
					if _, err := f.s.Accept(ctx, in); err != nil {
						t.Errorf("Accept: %v", err)
						return
					}
					accepted.Add(1)
				}
			})
		}
		for w := range workers - producers {
			lease := store.Lease{Owner: fmt.Sprintf("w%d", w), Now: f.now, Until: f.at(time.Hour)}
			wg.Go(func() {
				for handledN.Load() < producers*each && ctx.Err() == nil {
					turns, err := f.s.ClaimTurns(ctx, lease, 3)
					if err != nil {
						t.Errorf("ClaimTurns: %v", err)
						return
					}
					if len(turns) == 0 {
						time.Sleep(time.Millisecond)
						continue
					}
					for _, turn := range turns {
						last := turn.Messages[len(turn.Messages)-1].Seq
						mu.Lock()
						for _, m := range turn.Messages {
							handled[m.ConversationID] = append(handled[m.ConversationID], m.Seq)
						}
						mu.Unlock()
						_, err := f.s.CompleteTurn(ctx, store.TurnResult{
							ConversationID: turn.Conversation.ID, Owner: lease.Owner, HandledSeq: last, Now: f.now,
							Outgoing: []store.Outgoing{{Text: fmt.Sprintf("handled up to %d", last)}},
						})
						if err != nil {
							t.Errorf("CompleteTurn: %v", err)
							return
						}
						handledN.Add(int64(len(turn.Messages)))
					}
				}
			})
		}
		wg.Wait()
		if accepted.Load() != producers*each || handledN.Load() != producers*each {
			t.Fatalf("accepted %d and handled %d messages, want %d", accepted.Load(), handledN.Load(), producers*each)
		}
		for conv, seqs := range handled {
			msgs, err := f.s.Messages(f.ctx, p.ID, conv)
			is(t, "Messages", err, nil)
			var in []int64
			for i, m := range msgs {
				if m.Seq != int64(i+1) {
					t.Errorf("conversation %s: message %d has seq %d", conv, i, m.Seq)
				}
				if m.Direction == "in" {
					in = append(in, m.Seq)
				}
			}
			same(t, "inbound seqs handled, in order, once each", in, seqs)
		}
		if got := f.claimTurns(t, store.Lease{Owner: "late", Now: f.at(2 * time.Hour), Until: f.at(3 * time.Hour)}, 100); len(got) != 0 {
			t.Errorf("%d turn jobs left after every message was handled", len(got))
		}
	}},
	{name: "AcceptNewUsers", run: func(t *testing.T, f *fixture) {
		// The first messages of new users race: one user per sender id,
		// one conversation per user, a new id for every anonymous user,
		// and given ids that the project's counter is about to reach.
		p := f.project(t)
		c := f.channel(t, p.ID)
		const senders = 10
		var mu sync.Mutex
		bySender := map[string][]store.Accepted{}
		var anonymous []int64
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for i := range senders {
					s := fmt.Sprintf("s%d", i) // all workers at once
					in := f.inbound(c, "hi")
					in.SenderID = s
					a, err := f.s.Accept(f.ctx, in)
					if err != nil {
						t.Errorf("Accept(sender %s): %v", s, err)
						return
					}
					b, err := f.s.Accept(f.ctx, f.inbound(c, "hi"))
					if err != nil {
						t.Errorf("Accept(anonymous): %v", err)
						return
					}
					// The id the next new user is about to get: the
					// counter and the given id race for it.
					given := b.UserID + 1
					in = f.inbound(c, "hi")
					in.UserID = &given
					if _, err := f.s.Accept(f.ctx, in); err != nil {
						t.Errorf("Accept(user %d): %v", given, err)
						return
					}
					mu.Lock()
					bySender[s] = append(bySender[s], a)
					anonymous = append(anonymous, b.UserID)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		seen := map[int64]string{}
		for _, id := range anonymous {
			if other, dup := seen[id]; dup {
				t.Errorf("user %d was given to two first messages (%s)", id, other)
			}
			seen[id] = "anonymous"
		}
		for s, accs := range bySender {
			seqs := map[int64]bool{}
			for _, a := range accs {
				if a.UserID != accs[0].UserID || a.ConversationID != accs[0].ConversationID {
					t.Errorf("sender %s got user %d in %s and user %d in %s", s, accs[0].UserID, accs[0].ConversationID, a.UserID, a.ConversationID)
				}
				seqs[a.Seq] = true
			}
			if len(seqs) != len(accs) {
				t.Errorf("sender %s: %d messages got %d distinct seqs", s, len(accs), len(seqs))
			}
			if other, dup := seen[accs[0].UserID]; dup {
				t.Errorf("sender %s got user %d, also given to %s", s, accs[0].UserID, other)
			}
			seen[accs[0].UserID] = s
		}
	}},
}
