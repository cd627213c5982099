package store

import (
	"context"
	"sync"
	"time"
)

// KeepLease calls renew every third of length until the returned stop is
// called (stop returns once no renewal runs any more; calling it again does
// nothing), so that work that runs long keeps its lease while a process
// that died loses its leases within one length. Stop it before the commit
// that ends the lease: a renewal racing that commit would find the lease
// gone and report a conflict. The last renewal was at most a third of
// length before, so the lease still holds for the commit. renew gets a context bounded to
// a third of length and the time the lease should now last until; onErr
// (may be nil) hears its failures.
//
// No goroutine runs between renewals: a timer starts each one, and stop
// only stops the timer (waiting for a renewal that is running), so that
// keeping the lease of a short piece of work costs almost nothing.
func KeepLease(length time.Duration, now func() time.Time, renew func(ctx context.Context, until time.Time) error, onErr func(error)) (stop func()) {
	var mu sync.Mutex // held by a renewal while it runs
	stopped := false
	var t *time.Timer
	mu.Lock()
	defer mu.Unlock()
	t = time.AfterFunc(length/3, func() {
		mu.Lock()
		defer mu.Unlock()
		if stopped {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), length/3)
		err := renew(ctx, now().Add(length))
		cancel()
		if err != nil && onErr != nil {
			onErr(err)
		}
		t.Reset(length / 3)
	})
	return func() {
		mu.Lock()
		defer mu.Unlock()
		stopped = true
		t.Stop()
	}
}
