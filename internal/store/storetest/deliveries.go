package storetest

import (
	"testing"
	"time"

	"github.com/confab/confab/internal/store"
)

var deliveryTests = []test{
	{name: "ClaimHeadOfConversation", run: func(t *testing.T, f *fixture) {
		p := f.project(t)
		c := f.channel(t, p.ID)
		ds := f.outbox(t, c, 0, 3)
		lease := store.Lease{Owner: "a", Now: f.now, Until: f.at(time.Minute)}
		same(t, "first claim: the oldest delivery only", ds[:1], f.claimDeliveries(t, lease, 10))
		same(t, "a second claim while the head is leased", []string{}, ids(f.claimDeliveries(t, store.Lease{Owner: "b", Now: f.now, Until: f.at(time.Minute)}, 10)))
		f.record(t, ds[0].ID, "a", store.DeliveryDelivered, f.now)
		same(t, "claim after the head was delivered", ids(ds[1:2]), ids(f.claimDeliveries(t, lease, 10)))
		f.record(t, ds[1].ID, "a", store.DeliveryDead, f.now)
		// A dead delivery no longer holds the conversation up.
		same(t, "claim after the head went dead", ids(ds[2:3]), ids(f.claimDeliveries(t, lease, 10)))
		f.record(t, ds[2].ID, "a", store.DeliveryDelivered, f.now)
		same(t, "claim when everything is done", []string{}, ids(f.claimDeliveries(t, lease, 10)))
	}},
	{name: "ClaimHeadOfLine", run: func(t *testing.T, f *fixture) {
		p := f.project(t)
		c := f.channel(t, p.ID)
		x := f.outbox(t, c, 0, 2)
		y := f.outbox(t, c, time.Millisecond, 2)
		lease := store.Lease{Owner: "a", Now: f.at(time.Second), Until: f.at(time.Second)} // ends at once
		same(t, "heads of two conversations", sorted(x[0].ID, y[0].ID), sorted(ids(f.claimDeliveries(t, lease, 10))...))
		retry := f.at(time.Minute)
		f.record(t, x[0].ID, "a", store.DeliveryPending, retry)
		f.record(t, y[0].ID, "a", store.DeliveryDelivered, f.now)
		// x's head waits for its retry, and x's second must not overtake
		// it; y goes on.
		lease.Now, lease.Until = f.at(2*time.Second), f.at(2*time.Second)
		same(t, "claim while x's head waits to retry", []string{y[1].ID}, ids(f.claimDeliveries(t, lease, 10)))
		lease.Now, lease.Until = retry.Add(-time.Millisecond), retry.Add(-time.Millisecond)
		same(t, "claim just before x's retry", []string{y[1].ID}, ids(f.claimDeliveries(t, lease, 10)))
		lease.Now, lease.Until = retry, retry.Add(time.Minute)
		got := f.claimDeliveries(t, lease, 10)
		same(t, "claim at x's retry", sorted(x[0].ID, y[1].ID), sorted(ids(got)...))
		for _, d := range got {
			if d.ID == x[0].ID && (d.Attempts != 1 || d.LastStatus != 503 || d.LastError != "unavailable" || !d.NextAt.Equal(retry)) {
				t.Errorf("a retried delivery = %+v, want 1 attempt, last status 503", d)
			}
		}
	}},
	{name: "ClaimLease", run: func(t *testing.T, f *fixture) {
		p := f.project(t)
		c := f.channel(t, p.ID)
		ds := f.outbox(t, c, 0, 1)
		same(t, "claim", ids(ds), ids(f.claimDeliveries(t, store.Lease{Owner: "a", Now: f.now, Until: f.at(30 * time.Second)}, 10)))
		same(t, "claim while leased", []string{}, ids(f.claimDeliveries(t, store.Lease{Owner: "b", Now: f.at(29 * time.Second), Until: f.at(time.Minute)}, 10)))
		same(t, "claim after the lease", ids(ds), ids(f.claimDeliveries(t, store.Lease{Owner: "b", Now: f.at(31 * time.Second), Until: f.at(time.Minute)}, 10)))
		// RecordAttempt releases the lease: a failure due now is claimable
		// at once.
		f.record(t, ds[0].ID, "b", store.DeliveryPending, f.at(31*time.Second))
		same(t, "claim after a failed attempt", ids(ds), ids(f.claimDeliveries(t, store.Lease{Owner: "c", Now: f.at(31 * time.Second), Until: f.at(time.Minute)}, 10)))
	}},
	{name: "ClaimLimit", run: func(t *testing.T, f *fixture) {
		p := f.project(t)
		c := f.channel(t, p.ID)
		var all []string
		for i := range 3 {
			all = append(all, ids(f.outbox(t, c, time.Duration(i)*time.Millisecond, 1))...)
		}
		lease := store.Lease{Owner: "a", Now: f.at(time.Second), Until: f.at(time.Minute)}
		first := ids(f.claimDeliveries(t, lease, 2))
		second := ids(f.claimDeliveries(t, lease, 2))
		if len(first) != 2 {
			t.Errorf("a claim of 2 from 3 got %d", len(first))
		}
		same(t, "claims of 2 from 3", sorted(all...), sorted(append(first, second...)...))
	}},
	{name: "RecordAttempt", run: func(t *testing.T, f *fixture) {
		p := f.project(t)
		c := f.channel(t, p.ID)
		ds := f.outbox(t, c, 0, 1)
		d := ds[0]
		attempts := []struct {
			a    store.Attempt
			next store.DeliveryUpdate
		}{
			{store.Attempt{Owner: "a", At: f.at(time.Second), Status: 500, Latency: 1500 * time.Microsecond, Excerpt: "oops"},
				store.DeliveryUpdate{Status: store.DeliveryPending, NextAt: f.at(time.Minute)}},
			{store.Attempt{Owner: "b", At: f.at(time.Minute), Latency: 10 * time.Second, Error: "dial tcp: connection refused"},
				store.DeliveryUpdate{Status: store.DeliveryPending, NextAt: f.at(5 * time.Minute)}},
			{store.Attempt{Owner: "c", At: f.at(5 * time.Minute), Status: 204, Latency: 80 * time.Millisecond},
				store.DeliveryUpdate{Status: store.DeliveryDelivered, NextAt: f.at(5 * time.Minute)}},
		}
		var history []store.Attempt
		for i, step := range attempts {
			step.a.DeliveryID = d.ID
			is(t, "RecordAttempt", f.s.RecordAttempt(f.ctx, step.a, step.next), nil)
			history = append(history, step.a)
			d.Attempts, d.Status, d.NextAt, d.LastStatus, d.LastError = i+1, step.next.Status, step.next.NextAt, step.a.Status, step.a.Error
			d.History = history
			same(t, "delivery after an attempt", d, f.delivery(t, c, d.ID))
		}
		if got := f.claimDeliveries(t, store.Lease{Owner: "z", Now: f.at(time.Hour), Until: f.at(2 * time.Hour)}, 10); len(got) != 0 {
			t.Errorf("a delivered delivery was claimed again: %v", ids(got))
		}

		dead := f.outbox(t, c, time.Second, 1)[0]
		f.record(t, dead.ID, "a", store.DeliveryDead, f.now)
		if got := f.delivery(t, c, dead.ID); got.Status != store.DeliveryDead || got.Attempts != 1 || len(got.History) != 1 {
			t.Errorf("dead delivery = %+v", got)
		}
		if got := f.claimDeliveries(t, store.Lease{Owner: "z", Now: f.at(time.Hour), Until: f.at(2 * time.Hour)}, 10); len(got) != 0 {
			t.Errorf("a dead delivery was claimed: %v", ids(got))
		}

		err := f.s.RecordAttempt(f.ctx, store.Attempt{DeliveryID: "dlv_none", Owner: "a", At: f.now}, store.DeliveryUpdate{Status: store.DeliveryDelivered, NextAt: f.now})
		is(t, "RecordAttempt of an unknown delivery", err, store.ErrNotFound)
	}},
	{name: "List", run: func(t *testing.T, f *fixture) {
		p, q := f.project(t), f.project(t)
		c, d, e := f.channel(t, p.ID), f.channel(t, p.ID), f.channel(t, q.ID)
		x := f.outbox(t, c, 0, 2)
		y := f.outbox(t, c, time.Second, 1)
		z := f.outbox(t, d, 2*time.Second, 1)
		f.outbox(t, e, 3*time.Second, 1)
		f.record(t, x[0].ID, "a", store.DeliveryDelivered, f.now)
		got, err := f.s.ListDeliveries(f.ctx, p.ID, c.ID, 10)
		is(t, "ListDeliveries", err, nil)
		same(t, "ListDeliveries, newest first", []string{y[0].ID, x[1].ID, x[0].ID}, ids(got))
		if len(got) == 3 {
			if len(got[2].History) != 1 || got[2].History[0].Owner != "a" || len(got[0].History) != 0 {
				t.Errorf("histories = %+v, %+v; want one attempt on the delivered one", got[2].History, got[0].History)
			}
			same(t, "a listed delivery", y[0], got[0])
		}
		got, err = f.s.ListDeliveries(f.ctx, p.ID, c.ID, 2)
		is(t, "ListDeliveries", err, nil)
		same(t, "ListDeliveries with limit 2", []string{y[0].ID, x[1].ID}, ids(got))
		got, err = f.s.ListDeliveries(f.ctx, p.ID, d.ID, 10)
		is(t, "ListDeliveries", err, nil)
		same(t, "ListDeliveries of another channel", ids(z), ids(got))
		got, err = f.s.ListDeliveries(f.ctx, q.ID, c.ID, 10)
		is(t, "ListDeliveries with another project's id", err, nil)
		same(t, "ListDeliveries with another project's id", []string{}, ids(got))
	}},
	{name: "Replay", run: func(t *testing.T, f *fixture) {
		p, q := f.project(t), f.project(t)
		c := f.channel(t, p.ID)
		ds := f.outbox(t, c, 0, 2)
		f.record(t, ds[0].ID, "a", store.DeliveryDead, f.now)

		is(t, "ReplayDelivery with another project's id", f.s.ReplayDelivery(f.ctx, q.ID, ds[0].ID, f.now), store.ErrNotFound)
		is(t, "ReplayDelivery of an unknown delivery", f.s.ReplayDelivery(f.ctx, p.ID, "dlv_none", f.now), store.ErrNotFound)
		is(t, "ReplayDelivery of a pending delivery", f.s.ReplayDelivery(f.ctx, p.ID, ds[1].ID, f.now), store.ErrConflict)
		if got := f.delivery(t, c, ds[0].ID); got.Status != store.DeliveryDead {
			t.Errorf("a refused replay changed the delivery to %s", got.Status)
		}

		f.record(t, ds[1].ID, "a", store.DeliveryDelivered, f.now)
		is(t, "ReplayDelivery of a delivered delivery", f.s.ReplayDelivery(f.ctx, p.ID, ds[1].ID, f.now), store.ErrConflict)

		replay := f.at(time.Hour)
		is(t, "ReplayDelivery", f.s.ReplayDelivery(f.ctx, p.ID, ds[0].ID, replay), nil)
		got := f.delivery(t, c, ds[0].ID)
		if got.Status != store.DeliveryPending || !got.NextAt.Equal(replay) || got.Attempts != 1 {
			t.Errorf("replayed delivery = %+v, want pending, due %v, its attempt kept", got, replay)
		}
		same(t, "claim of the replayed delivery", []string{ds[0].ID}, ids(f.claimDeliveries(t, store.Lease{Owner: "b", Now: replay, Until: replay.Add(time.Minute)}, 10)))
		is(t, "ReplayDelivery of a replayed delivery", f.s.ReplayDelivery(f.ctx, p.ID, ds[0].ID, replay), store.ErrConflict)
	}},
}
