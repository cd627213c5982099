package storetest

import (
	"testing"
	"time"

	"github.com/confab/confab/internal/store"
)

var leaseTests = []test{
	{name: "RenewTurn", run: func(t *testing.T, f *fixture) {
		p := f.project(t)
		c := f.channel(t, p.ID)
		acc := f.accept(t, f.inbound(c, "hi"))
		f.claimTurns(t, store.Lease{Owner: "a", Now: f.now, Until: f.at(10 * time.Second)}, 10)
		is(t, "RenewTurn by the owner", f.s.RenewTurn(f.ctx, acc.ConversationID, "a", f.at(40*time.Second)), nil)
		if got := f.claimTurns(t, store.Lease{Owner: "b", Now: f.at(20 * time.Second), Until: f.at(time.Minute)}, 10); len(got) != 0 {
			t.Errorf("a renewed lease was taken over: %v", got)
		}
		is(t, "RenewTurn by another", f.s.RenewTurn(f.ctx, acc.ConversationID, "b", f.at(time.Minute)), store.ErrConflict)
		got := f.claimTurns(t, store.Lease{Owner: "b", Now: f.at(41 * time.Second), Until: f.at(time.Minute)}, 10)
		if _, ok := got[acc.ConversationID]; !ok {
			t.Errorf("the lease did not end at its renewed time")
		}
		is(t, "RenewTurn by the old owner", f.s.RenewTurn(f.ctx, acc.ConversationID, "a", f.at(2*time.Minute)), store.ErrConflict)
	}},
	{name: "RenewDelivery", run: func(t *testing.T, f *fixture) {
		p := f.project(t)
		c := f.channel(t, p.ID)
		ds := f.outbox(t, c, 0, 1)
		f.claimDeliveries(t, store.Lease{Owner: "a", Now: f.now, Until: f.at(5 * time.Second)}, 10)
		is(t, "RenewDelivery by the owner", f.s.RenewDelivery(f.ctx, ds[0].ID, "a", f.at(30*time.Second)), nil)
		if got := f.claimDeliveries(t, store.Lease{Owner: "b", Now: f.at(10 * time.Second), Until: f.at(time.Minute)}, 10); len(got) != 0 {
			t.Errorf("a renewed delivery lease was taken over: %v", ids(got))
		}
		is(t, "RenewDelivery by another", f.s.RenewDelivery(f.ctx, ds[0].ID, "b", f.at(time.Minute)), store.ErrConflict)
		if got := f.claimDeliveries(t, store.Lease{Owner: "b", Now: f.at(31 * time.Second), Until: f.at(time.Minute)}, 10); len(got) != 1 {
			t.Errorf("the delivery lease did not end at its renewed time")
		}
	}},
	{name: "ReleaseLeases", run: func(t *testing.T, f *fixture) {
		p := f.project(t)
		c := f.channel(t, p.ID)
		acc := f.accept(t, f.inbound(c, "hi"))
		f.claimTurns(t, store.Lease{Owner: "dead", Now: f.now, Until: f.at(time.Hour)}, 10)
		ds := f.outbox(t, c, 0, 1)
		f.claimDeliveries(t, store.Lease{Owner: "dead", Now: f.now, Until: f.at(time.Hour)}, 10)
		is(t, "ReleaseLeases", f.s.ReleaseLeases(f.ctx), nil)
		turns := f.claimTurns(t, store.Lease{Owner: "new", Now: f.at(time.Second), Until: f.at(time.Minute)}, 10)
		if _, ok := turns[acc.ConversationID]; !ok {
			t.Errorf("a released turn was not claimable: %v", turns)
		}
		got := f.claimDeliveries(t, store.Lease{Owner: "new", Now: f.at(time.Second), Until: f.at(time.Minute)}, 10)
		if len(got) != 1 || got[0].ID != ds[0].ID {
			t.Errorf("a released delivery was not claimable: %v", ids(got))
		}
	}},
	{name: "RecordAttemptNeedsTheLease", run: func(t *testing.T, f *fixture) {
		p := f.project(t)
		c := f.channel(t, p.ID)
		ds := f.outbox(t, c, 0, 1)
		f.claimDeliveries(t, store.Lease{Owner: "a", Now: f.now, Until: f.at(time.Second)}, 10)
		f.claimDeliveries(t, store.Lease{Owner: "b", Now: f.at(2 * time.Second), Until: f.at(time.Minute)}, 10)
		err := f.s.RecordAttempt(f.ctx, store.Attempt{DeliveryID: ds[0].ID, Owner: "a", At: f.at(3 * time.Second), Status: 200},
			store.DeliveryUpdate{Status: store.DeliveryDelivered, NextAt: f.at(3 * time.Second)})
		is(t, "RecordAttempt by a worker whose lease ran out", err, store.ErrConflict)
		if d := f.delivery(t, c, ds[0].ID); d.Attempts != 0 || d.Status != store.DeliveryPending {
			t.Errorf("a refused attempt was written: %+v", d)
		}
		f.record(t, ds[0].ID, "b", store.DeliveryDelivered, f.at(3*time.Second))
	}},
}
