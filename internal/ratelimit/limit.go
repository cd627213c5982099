package ratelimit

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Limit is a rate with a burst: on average Requests per Per, and up to
// Burst at once after a quiet time. The zero Limit is unset: in the
// default plan it means no limit, in a named plan "as the default plan".
// Off is an explicit "no limit", which a named plan may use to lift a
// limit of the default plan.
//
// Its text form (ParseLimit, String) is "20/s burst 40", "600/1m burst
// 100", "20/s" (burst = Requests) or "off".
type Limit struct {
	Requests int
	Per      time.Duration
	Burst    int
	Off      bool
}

// Bounds of a Limit, so that the arithmetic on nanoseconds cannot
// overflow.
const (
	MaxPer   = 24 * time.Hour
	MaxBurst = 1_000_000
)

// Enabled reports whether l limits anything (it is neither unset nor
// Off).
func (l Limit) Enabled() bool { return !l.Off && l.Requests > 0 }

// interval is the time one request takes from the bucket to refill
// (Per / Requests), at least 1 ns.
func (l Limit) interval() int64 {
	return max(1, int64(l.Per)/int64(l.Requests))
}

// ParseLimit reads a Limit's text form: "N/PERIOD" and optionally
// " burst B", or "off". PERIOD is s, m or h (one second, minute or hour)
// or a Go duration (10s, 1m30s). Without a burst, the burst is N.
func ParseLimit(s string) (Limit, error) {
	s = strings.TrimSpace(s)
	if s == "off" {
		return Limit{Off: true}, nil
	}
	fields := strings.Fields(s)
	if len(fields) != 1 && (len(fields) != 3 || fields[1] != "burst") {
		return Limit{}, fmt.Errorf("rate limit %q: write N/PERIOD [burst B], e.g. \"20/s burst 40\", or off", s)
	}
	n, per, ok := strings.Cut(fields[0], "/")
	if !ok {
		return Limit{}, fmt.Errorf("rate limit %q: no /PERIOD after the number of requests, e.g. 20/s", s)
	}
	var l Limit
	var err error
	if l.Requests, err = strconv.Atoi(n); err != nil || l.Requests < 1 {
		return Limit{}, fmt.Errorf("rate limit %q: the number of requests %q is not a whole number from 1", s, n)
	}
	switch per {
	case "s":
		l.Per = time.Second
	case "m":
		l.Per = time.Minute
	case "h":
		l.Per = time.Hour
	default:
		if l.Per, err = time.ParseDuration(per); err != nil {
			return Limit{}, fmt.Errorf("rate limit %q: the period %q is not s, m, h or a duration such as 10s", s, per)
		}
	}
	l.Burst = l.Requests
	if len(fields) == 3 {
		if l.Burst, err = strconv.Atoi(fields[2]); err != nil {
			return Limit{}, fmt.Errorf("rate limit %q: the burst %q is not a whole number", s, fields[2])
		}
	}
	return l, l.Validate()
}

// Validate reports what is wrong with a Limit that is set.
func (l Limit) Validate() error {
	if !l.Enabled() {
		return nil
	}
	switch {
	case l.Per <= 0 || l.Per > MaxPer:
		return fmt.Errorf("rate limit %s: the period must be more than 0 and at most %s", l, MaxPer)
	case l.Burst < 1 || l.Burst > MaxBurst:
		return fmt.Errorf("rate limit %s: the burst must be from 1 to %d", l, MaxBurst)
	case int64(l.Requests) > int64(l.Per):
		return fmt.Errorf("rate limit %s: more than one request per nanosecond", l)
	case l.interval() > math.MaxInt64/int64(l.Burst)/2:
		return fmt.Errorf("rate limit %s: the bucket takes too long to refill (the period per request times the burst)", l)
	}
	return nil
}

// String is the text form ParseLimit reads; "" for the unset Limit.
func (l Limit) String() string {
	switch {
	case l.Off:
		return "off"
	case l.Requests <= 0:
		return ""
	}
	per := l.Per.String()
	switch l.Per {
	case time.Second:
		per = "s"
	case time.Minute:
		per = "m"
	case time.Hour:
		per = "h"
	}
	return fmt.Sprintf("%d/%s burst %d", l.Requests, per, l.Burst)
}

// UnmarshalText reads the text form, so that a Limit can be a flag
// (with Type) or a configuration value.
func (l *Limit) UnmarshalText(b []byte) error {
	v, err := ParseLimit(string(b))
	if err != nil {
		return err
	}
	*l = v
	return nil
}

// Type names the flag value's type in --help (pflag.Value).
func (l *Limit) Type() string { return "limit" }

// Set reads the text form (pflag.Value).
func (l *Limit) Set(s string) error { return l.UnmarshalText([]byte(s)) }

// flagValue is the interface of github.com/spf13/pflag.Value, which *Limit
// implements, so that the cli package can bind a flag to it.
type flagValue interface {
	String() string
	Set(string) error
	Type() string
}

var _ flagValue = (*Limit)(nil)
