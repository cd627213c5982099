package store

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

func TestKeepLeaseRenewsUntilStopped(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var untils []time.Time
	var errs []error
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	stop := KeepLease(30*time.Millisecond, func() time.Time { return base },
		func(ctx context.Context, until time.Time) error {
			if _, ok := ctx.Deadline(); !ok {
				t.Error("renew got a context without a deadline")
			}
			mu.Lock()
			defer mu.Unlock()
			untils = append(untils, until)
			return errors.New("lost")
		},
		func(err error) { mu.Lock(); errs = append(errs, err); mu.Unlock() })
	time.Sleep(75 * time.Millisecond)
	stop()
	stop() // a second stop (a deferred one after an early one) does nothing
	mu.Lock()
	n := len(untils)
	mu.Unlock()
	if n < 2 {
		t.Fatalf("renewed %d times in 75 ms with a 30 ms lease, want at least 2", n)
	}
	if !untils[0].Equal(base.Add(30*time.Millisecond)) || len(errs) != n {
		t.Errorf("renewed until %v (want now + length), %d errors reported for %d renewals", untils[0], len(errs), n)
	}
	time.Sleep(40 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if len(untils) != n {
		t.Errorf("renewed after stop: %d, then %d", n, len(untils))
	}
}
