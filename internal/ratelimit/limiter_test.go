package ratelimit

import (
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// clock is a test clock that moves only when told.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

// t0 is a quarter past a whole second, so that rounding up shows.
var t0 = time.Unix(1_700_000_000, 250_000_000)

func newClock() *clock { return &clock{t: t0} }

func TestBurstRefillRemainingResetRetryAfter(t *testing.T) {
	t.Parallel()
	c := newClock()
	l := New(Plans{}, c.now)
	lim := perSecond(2, 3) // one request every 500 ms, three at once
	for i, step := range []struct {
		advance   time.Duration
		allowed   bool
		remaining int
		reset     time.Duration // after t0
		retry     time.Duration
	}{
		// A full bucket takes three at once.
		{0, true, 2, 500 * time.Millisecond, 0},
		{0, true, 1, time.Second, 0},
		{0, true, 0, 1500 * time.Millisecond, 0},
		// The fourth waits until one interval has passed.
		{0, false, 0, 1500 * time.Millisecond, 500 * time.Millisecond},
		{200 * time.Millisecond, false, 0, 1500 * time.Millisecond, 300 * time.Millisecond},
		{300 * time.Millisecond, true, 0, 2 * time.Second, 0},
		// A second later, two intervals have come back.
		{time.Second, true, 1, 2500 * time.Millisecond, 0},
		// Once full again, the bucket is as new.
		{10 * time.Second, true, 2, 12 * time.Second, 0},
	} {
		c.advance(step.advance)
		r := l.Allow("k", lim)
		want := Result{Allowed: step.allowed, Limit: lim, Remaining: step.remaining, Reset: t0.Add(step.reset), RetryAfter: step.retry}
		if r != want {
			t.Fatalf("request %d at t0+%s: %+v, want %+v", i+1, c.t.Sub(t0), r, want)
		}
	}
}

func TestHeaderValuesRoundUp(t *testing.T) {
	t.Parallel()
	c := newClock()
	l := New(Plans{}, c.now)
	lim := Limit{Requests: 1, Per: time.Minute, Burst: 1}
	r := l.Allow("k", lim)
	if !r.Allowed || r.ResetUnix() != t0.Unix()+61 {
		t.Errorf("first request: %+v, reset %d, want %d (t0 + 60.25 s, rounded up)", r, r.ResetUnix(), t0.Unix()+61)
	}
	c.advance(59*time.Second + 500*time.Millisecond)
	r = l.Allow("k", lim)
	if r.Allowed || r.RetryAfter != 500*time.Millisecond || r.RetryAfterSeconds() != 1 {
		t.Errorf("half a second early: %+v, Retry-After %d, want 1 (at least one second)", r, r.RetryAfterSeconds())
	}
	c.advance(-30 * time.Second)
	if r = l.Allow("k", lim); r.RetryAfterSeconds() != 31 {
		t.Errorf("30.5 s early: Retry-After %d, want 31", r.RetryAfterSeconds())
	}
	if (Result{Reset: time.Unix(5, 0)}).ResetUnix() != 5 {
		t.Error("a whole second is not rounded up")
	}
}

func TestKeysAndLimitsAreIndependent(t *testing.T) {
	t.Parallel()
	c := newClock()
	l := New(Plans{}, c.now)
	one := perSecond(1, 1)
	if !l.Allow("a", one).Allowed || l.Allow("a", one).Allowed {
		t.Fatal("key a: want one allowed, then refused")
	}
	if !l.Allow("b", one).Allowed {
		t.Error("key b is refused because of key a")
	}
	if r := l.Allow("c", Limit{Off: true}); !r.Allowed || r.Scope != "" || l.Len() != 2 {
		t.Errorf("an Off limit: %+v, and it must keep no bucket (%d buckets)", r, l.Len())
	}
}

func TestTokenUsesTheProjectsPlan(t *testing.T) {
	t.Parallel()
	c := newClock()
	l := New(Plans{
		Default:  Plan{Token: perSecond(1, 2)},
		Named:    map[string]Plan{"free": {Token: Limit{Off: true}}},
		Projects: map[string]string{"prj_free": "free"},
	}, c.now)
	for i := range 2 {
		if r := l.Token("prj_a", "tok_1"); !r.Allowed || r.Scope != "token" || r.Remaining != 1-i {
			t.Fatalf("request %d: %+v", i+1, r)
		}
	}
	if r := l.Token("prj_a", "tok_1"); r.Allowed || r.RetryAfter != time.Second {
		t.Errorf("third request: %+v, want refused for 1 s", r)
	}
	if r := l.Token("prj_a", "tok_2"); !r.Allowed {
		t.Errorf("another token of the project: %+v", r)
	}
	for range 10 {
		if r := l.Token("prj_free", "tok_3"); !r.Allowed || r.Scope != "" {
			t.Fatalf("a project whose plan has no token limit: %+v", r)
		}
	}
}

func TestMessageCountsUserAndChannelBothOrNeither(t *testing.T) {
	t.Parallel()
	c := newClock()
	l := New(Plans{Default: Plan{Channel: perSecond(1, 4), User: perSecond(1, 2)}}, c.now)

	// The user's limit is the tighter one: the headers show it.
	r := l.Message("prj", "ch", "id:1")
	if !r.Allowed || r.Scope != "user" || r.Remaining != 1 {
		t.Fatalf("first message: %+v", r)
	}
	r = l.Message("prj", "ch", "id:1")
	if !r.Allowed || r.Scope != "user" || r.Remaining != 0 {
		t.Fatalf("second message: %+v", r)
	}
	// The user is refused; the channel does not count the refusal.
	r = l.Message("prj", "ch", "id:1")
	if r.Allowed || r.Scope != "user" || r.RetryAfter != time.Second {
		t.Fatalf("third message of the user: %+v", r)
	}
	// Another user gets through. The channel has counted three messages of
	// four, so both limits have one left: the headers show the channel's,
	// whose bucket is full later.
	r = l.Message("prj", "ch", "sender:alice")
	if !r.Allowed || r.Scope != "channel" || r.Remaining != 1 || r.Limit.Burst != 4 {
		t.Fatalf("another user: %+v", r)
	}
	r = l.Message("prj", "ch", "sender:bob")
	if !r.Allowed || r.Scope != "channel" || r.Remaining != 0 {
		t.Fatalf("fourth message of the channel: %+v", r)
	}
	// The channel is full: a fresh user is refused by the channel, and the
	// user's bucket does not keep the refused message.
	r = l.Message("prj", "ch", "sender:carol")
	if r.Allowed || r.Scope != "channel" || r.RetryAfter != time.Second {
		t.Fatalf("fifth message of the channel: %+v", r)
	}
	if u := l.Allow("u\x00ch\x00sender:carol", perSecond(1, 2)); u.Remaining != 1 {
		t.Errorf("carol's bucket kept the refused message: %d left after one more, want 1", u.Remaining)
	}
	c.advance(time.Second)
	if r = l.Message("prj", "ch", "sender:dave"); !r.Allowed || r.Scope != "channel" || r.Remaining != 0 {
		t.Fatalf("a second later: %+v", r)
	}
	// A message without a user (it makes a new one) counts on the channel only.
	c.advance(10 * time.Second)
	if r = l.Message("prj", "ch", ""); !r.Allowed || r.Scope != "channel" || r.Remaining != 3 {
		t.Errorf("a message that makes a new user: %+v", r)
	}
}

func TestTightest(t *testing.T) {
	t.Parallel()
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	none := Result{Allowed: true}
	few := Result{Allowed: true, Scope: "user", Remaining: 1, Reset: at(2)}
	fewLater := Result{Allowed: true, Scope: "channel", Remaining: 1, Reset: at(9)}
	many := Result{Allowed: true, Scope: "channel", Remaining: 50, Reset: at(1)}
	short := Result{Scope: "user", RetryAfter: time.Second}
	long := Result{Scope: "channel", RetryAfter: time.Minute}
	for _, tc := range []struct {
		name       string
		a, b, want Result
	}{
		{"no limit loses", none, many, many},
		{"no limit loses, either side", many, none, many},
		{"fewer remaining", many, few, few},
		{"fewer remaining, either side", few, many, few},
		{"a tie goes to the later reset", few, fewLater, fewLater},
		{"a refusal wins", few, short, short},
		{"a refusal wins, either side", long, many, long},
		{"of two refusals, the longer wait", short, long, long},
	} {
		if got := Tightest(tc.a, tc.b); got != tc.want {
			t.Errorf("%s: Tightest = %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

// TestMemoryStaysBounded sends a million distinct keys, 10 µs apart on the
// test clock, at a limit whose buckets are full again 200 ms after one
// request: about 20,000 buckets are in use at any moment, and the map
// never holds many more than twice that, however many keys went by.
func TestMemoryStaysBounded(t *testing.T) {
	t.Parallel()
	c := newClock()
	l := New(Plans{}, c.now)
	lim := perSecond(5, 10)
	const keys, gap = 1_000_000, 10 * time.Microsecond
	live := int(lim.Per / time.Duration(lim.Requests) / gap) // 20,000
	bound := 2*live + 2*shardCount*minSweepKeys              // doubling, plus each shard's floor
	most := 0
	for i := range keys {
		if r := l.Allow(strconv.Itoa(i), lim); !r.Allowed {
			t.Fatalf("key %d refused: %+v", i, r)
		}
		c.advance(gap)
		if i%1000 == 0 {
			most = max(most, l.Len())
		}
	}
	t.Logf("at most %d buckets held for %d keys in use at a time (bound %d)", most, live, bound)
	if most > bound || most < live {
		t.Errorf("the map held up to %d buckets for %d keys in use at a time; want between %d and %d", most, live, live, bound)
	}
	c.advance(lim.Per)
	l.Sweep()
	if n := l.Len(); n != 0 {
		t.Errorf("after every bucket is full again and a sweep, %d buckets are left, want 0", n)
	}
	// The shards' maps were made anew: their peak is down too.
	for i := range l.shards {
		if p := l.shards[i].peak; p != 0 {
			t.Fatalf("shard %d still counts a peak of %d keys after the sweep", i, p)
		}
	}
}

// TestSweepKeepsBucketsThatAreNotFull checks that sweeping changes no
// answer: it drops only buckets that are full.
func TestSweepKeepsBucketsThatAreNotFull(t *testing.T) {
	t.Parallel()
	c := newClock()
	l := New(Plans{}, c.now)
	lim := perSecond(1, 2)
	l.Allow("busy", lim)
	l.Allow("busy", lim)
	l.Allow("once", lim)
	c.advance(time.Second)
	l.Sweep()
	if n := l.Len(); n != 1 {
		t.Fatalf("%d buckets after the sweep, want 1 (busy is one interval short of full; once is full)", n)
	}
	if r := l.Allow("busy", lim); !r.Allowed || r.Remaining != 0 {
		t.Errorf("busy after the sweep: %+v, want allowed with none left", r)
	}
	if r := l.Allow("once", lim); !r.Allowed || r.Remaining != 1 {
		t.Errorf("once after the sweep: %+v, want a full bucket", r)
	}
}

// BenchmarkAllow measures one request on the message route's path (a
// user's and a channel's bucket) from all CPUs at once, over 100,000 users
// of 100 channels, with the real clock.
func BenchmarkAllow(b *testing.B) {
	l := New(Plans{Default: Plan{Channel: perSecond(1_000_000, 1_000_000), User: perSecond(1_000_000, 1_000_000)}}, nil)
	users := make([]string, 100_000)
	for i := range users {
		users[i] = "id:" + strconv.Itoa(i)
	}
	channels := make([]string, 100)
	for i := range channels {
		channels[i] = "ch_" + strconv.Itoa(i)
	}
	var next atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := int(next.Add(7919))
		for pb.Next() {
			i++
			if !l.Message("prj", channels[i%len(channels)], users[i%len(users)]).Allowed {
				b.Fatal("refused")
			}
		}
	})
}

// BenchmarkAllowOneKey is the worst case: every request on the same key.
func BenchmarkAllowOneKey(b *testing.B) {
	l := New(Plans{}, nil)
	lim := perSecond(1_000_000, 1_000_000)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			l.Allow("t\x00tok_1", lim)
		}
	})
}
