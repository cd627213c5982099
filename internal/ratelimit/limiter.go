// Package ratelimit limits the requests of Confab's API per token, per
// channel and per end user of a channel, by plan (Plans).
//
// Each key (a token, a channel, a channel's user) has a bucket kept with
// the generic cell rate algorithm (GCRA): the only state is the bucket's
// theoretical arrival time (TAT), the moment at which the bucket will be
// full again. A request is allowed when, after adding one interval
// (Per / Requests) to the TAT, the TAT is at most Burst intervals ahead of
// now. A bucket whose TAT is not after now is full, which is the same as
// no bucket at all, so sweeping drops it without changing any answer;
// memory holds only the keys that made a request within their refill time.
//
// It is written here rather than on golang.org/x/time/rate because the
// answer needs remaining, reset and retry-after exactly (rate.Limiter gives
// them only through a reservation that must then be cancelled), because
// one int64 per key is far smaller than one rate.Limiter with its mutex,
// and because "full bucket = no entry" makes the sweep trivially correct
// (docs/decisions/0006-rate-limits.md).
//
// The limits are per process: with N nodes, a client gets up to N times
// its limit.
package ratelimit

import (
	"hash/maphash"
	"sync"
	"time"
)

// shardCount is the number of independently locked parts of the bucket
// map (a power of two).
const shardCount = 64

// Sweeping: a shard drops its full buckets when it has grown to twice the
// keys it kept at its last sweep (at least minSweepKeys), and at least
// every sweepEvery while it is used.
const (
	minSweepKeys = 256
	sweepEvery   = int64(time.Minute)
)

// shard is one part of the bucket map, with its own lock.
type shard struct {
	mu sync.Mutex
	// tat maps a key to its bucket's theoretical arrival time in Unix
	// nanoseconds.
	tat       map[string]int64
	sweepAt   int   // the size at which the next sweep runs
	nextSweep int64 // Unix ns after which the next sweep runs
	peak      int   // the most keys since the map was last made
	_         [24]byte
}

// Limiter holds the buckets of every key. It is safe for concurrent use.
type Limiter struct {
	plans  Plans
	now    func() time.Time
	seed   maphash.Seed
	shards [shardCount]shard
}

// New returns a Limiter for plans. now is its clock (nil for time.Now).
func New(plans Plans, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	l := &Limiter{plans: plans, now: now, seed: maphash.MakeSeed()}
	for i := range l.shards {
		l.shards[i].tat = make(map[string]int64)
		l.shards[i].sweepAt = minSweepKeys
	}
	return l
}

// Result is the answer to one request: whether it may go on, and what the
// x-ratelimit-* headers say.
type Result struct {
	// Allowed is true when the request may go on (and has been counted).
	Allowed bool
	// Scope names the limit the result is about: "token", "channel" or
	// "user"; empty when no limit applied.
	Scope string
	// Limit is the limit applied.
	Limit Limit
	// Remaining is the number of requests that could be made at once
	// now, after this one.
	Remaining int
	// Reset is when the bucket is full again (Burst requests available).
	Reset time.Time
	// RetryAfter, when not allowed, is how long until one request is
	// allowed again.
	RetryAfter time.Duration
}

// ResetUnix is Reset in Unix seconds, rounded up.
func (r Result) ResetUnix() int64 {
	return ceilDiv(r.Reset.UnixNano(), int64(time.Second))
}

// RetryAfterSeconds is RetryAfter in whole seconds, rounded up, at
// least 1.
func (r Result) RetryAfterSeconds() int64 {
	return max(1, ceilDiv(int64(r.RetryAfter), int64(time.Second)))
}

func ceilDiv(a, b int64) int64 {
	q := a / b
	if a%b > 0 {
		q++
	}
	return q
}

// Tightest returns the result that says more about what the client may
// do: a refusal over an allowance (of two refusals, the longer wait), else
// the fewer remaining requests (on a tie, the later reset). A result with
// no Scope (no limit applied) loses to any other.
func Tightest(a, b Result) Result {
	switch {
	case a.Scope == "":
		return b
	case b.Scope == "":
		return a
	case a.Allowed != b.Allowed:
		if !a.Allowed {
			return a
		}
		return b
	case !a.Allowed:
		if b.RetryAfter > a.RetryAfter {
			return b
		}
		return a
	case b.Remaining < a.Remaining || (b.Remaining == a.Remaining && b.Reset.After(a.Reset)):
		return b
	}
	return a
}

// Token counts one request made with a project token (tokenID is the
// token's id, never its text) against its project's plan.
func (l *Limiter) Token(projectID, tokenID string) Result {
	lim := l.plans.For(projectID, "").Token
	if !lim.Enabled() {
		return Result{Allowed: true}
	}
	r := l.allow("t\x00"+tokenID, lim, l.now().UnixNano())
	r.Scope = "token"
	return r
}

// Message counts one message POSTed to a channel by an end user (user
// names the user within the channel; empty when the message makes a new
// user) against the channel's plan: the user's limit and the channel's,
// both or neither. The result is the tightest of the two.
func (l *Limiter) Message(projectID, channelID, user string) Result {
	p := l.plans.For(projectID, channelID)
	now := l.now().UnixNano()
	res := Result{Allowed: true}
	userKey := ""
	if user != "" && p.User.Enabled() {
		userKey = "u\x00" + channelID + "\x00" + user
		res = l.allow(userKey, p.User, now)
		res.Scope = "user"
		if !res.Allowed {
			return res
		}
	}
	if p.Channel.Enabled() {
		c := l.allow("c\x00"+channelID, p.Channel, now)
		c.Scope = "channel"
		if !c.Allowed && userKey != "" {
			// Neither counts: give the user's request back.
			l.undo(userKey, p.User, now)
		}
		res = Tightest(res, c)
	}
	return res
}

// Allow counts one request of key against lim at the limiter's clock's
// now. A lim that is not Enabled allows everything and keeps no bucket.
func (l *Limiter) Allow(key string, lim Limit) Result {
	if !lim.Enabled() {
		return Result{Allowed: true}
	}
	return l.allow(key, lim, l.now().UnixNano())
}

func (l *Limiter) shard(key string) *shard {
	return &l.shards[maphash.String(l.seed, key)&(shardCount-1)]
}

// allow is GCRA: with T the interval and W = T × Burst, a request at now
// is allowed when max(TAT, now) + T − now ≤ W, and then that sum is the
// new TAT.
func (l *Limiter) allow(key string, lim Limit, now int64) Result {
	t := lim.interval()
	window := t * int64(lim.Burst)
	sh := l.shard(key)
	sh.mu.Lock()
	tat, found := sh.tat[key]
	tat = max(tat, now)
	next := tat + t
	if next-now > window {
		sh.mu.Unlock()
		return Result{Limit: lim, Reset: time.Unix(0, tat), RetryAfter: time.Duration(next - window - now)}
	}
	sh.tat[key] = next
	if !found {
		sh.grown(now)
	} else if now >= sh.nextSweep {
		sh.sweep(now)
	}
	sh.mu.Unlock()
	return Result{Allowed: true, Limit: lim, Remaining: int((window - (next - now)) / t), Reset: time.Unix(0, next)}
}

// undo gives back one request of key that allow counted.
func (l *Limiter) undo(key string, lim Limit, now int64) {
	sh := l.shard(key)
	sh.mu.Lock()
	if tat, ok := sh.tat[key]; ok {
		if tat -= lim.interval(); tat <= now {
			delete(sh.tat, key)
		} else {
			sh.tat[key] = tat
		}
	}
	sh.mu.Unlock()
}

// grown runs after a key was added: it sweeps when the shard has doubled
// since its last sweep or when the time for a sweep has come.
func (sh *shard) grown(now int64) {
	n := len(sh.tat)
	sh.peak = max(sh.peak, n)
	if n >= sh.sweepAt || now >= sh.nextSweep {
		sh.sweep(now)
	}
}

// sweep drops the full buckets, and makes the map anew when it holds
// less than a quarter of its peak (a Go map does not shrink by itself).
func (sh *shard) sweep(now int64) {
	for k, tat := range sh.tat {
		if tat <= now {
			delete(sh.tat, k)
		}
	}
	n := len(sh.tat)
	if sh.peak > minSweepKeys && n < sh.peak/4 {
		m := make(map[string]int64, n)
		for k, tat := range sh.tat {
			m[k] = tat
		}
		sh.tat, sh.peak = m, n
	}
	sh.sweepAt = max(minSweepKeys, 2*n)
	sh.nextSweep = now + sweepEvery
}

// Sweep drops every full bucket now. The limiter also sweeps by itself
// as it is used; Sweep is for callers that want memory back after a
// flood without waiting for the next requests.
func (l *Limiter) Sweep() {
	now := l.now().UnixNano()
	for i := range l.shards {
		sh := &l.shards[i]
		sh.mu.Lock()
		sh.sweep(now)
		sh.mu.Unlock()
	}
}

// Len returns the number of buckets held (keys that are not known to be
// full).
func (l *Limiter) Len() int {
	n := 0
	for i := range l.shards {
		sh := &l.shards[i]
		sh.mu.Lock()
		n += len(sh.tat)
		sh.mu.Unlock()
	}
	return n
}
