package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/confab/confab/internal/store"
)

// LogRetention says how long the execution logs of turns are kept. Zero
// fields take the defaults.
type LogRetention struct {
	// MaxAge is how long a turn's log is kept; default 30 days.
	MaxAge time.Duration
	// Keep, when above 0, also keeps at most this many logs per
	// conversation, the newest. Off by default: it reads every log each
	// sweep.
	Keep int
	// Every is how often the sweep runs; default 1 hour.
	Every time.Duration
}

// Defaults of LogRetention.
const (
	DefaultLogMaxAge = 30 * 24 * time.Hour
	defaultLogSweep  = time.Hour
	logSweepBatch    = 1000
)

func (r LogRetention) withDefaults() LogRetention {
	if r.MaxAge <= 0 {
		r.MaxAge = DefaultLogMaxAge
	}
	if r.Every <= 0 {
		r.Every = defaultLogSweep
	}
	return r
}

// SweepTurnLogs deletes the execution logs that retention no longer keeps:
// at once, then every r.Every, until ctx ends. It runs beside the turns,
// never in their transactions, deleting a batch per transaction so that
// turns wait behind none for long. Run it in a goroutine of its own.
func SweepTurnLogs(ctx context.Context, s store.Store, r LogRetention, log *slog.Logger, now func() time.Time) {
	r = r.withDefaults()
	t := time.NewTicker(r.Every)
	defer t.Stop()
	for {
		n, err := sweepTurnLogs(ctx, s, r, now())
		switch {
		case err != nil && ctx.Err() == nil:
			log.Warn("could not delete old execution logs; trying again later", "err", err)
		case n > 0:
			log.Info("deleted old execution logs", "logs", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// sweepTurnLogs deletes the logs retention does not keep at now, a batch
// at a time, and returns how many it deleted.
func sweepTurnLogs(ctx context.Context, s store.Store, r LogRetention, now time.Time) (int, error) {
	total := 0
	for {
		n, err := s.PruneTurnLogs(ctx, now.Add(-r.MaxAge), r.Keep, logSweepBatch)
		total += n
		if err != nil || n < logSweepBatch {
			return total, err
		}
	}
}
