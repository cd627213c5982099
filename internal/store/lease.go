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
func KeepLease(length time.Duration, now func() time.Time, renew func(ctx context.Context, until time.Time) error, onErr func(error)) (stop func()) {
	done, exited := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(exited)
		t := time.NewTicker(length / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				ctx, cancel := context.WithTimeout(context.Background(), length/3)
				err := renew(ctx, now().Add(length))
				cancel()
				if err != nil && onErr != nil {
					onErr(err)
				}
			}
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { close(done); <-exited }) }
}
