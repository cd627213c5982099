package ratelimit

import (
	"strings"
	"testing"
	"time"
)

func TestParseLimit(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want Limit
		text string // String of the result
	}{
		{"20/s burst 40", Limit{Requests: 20, Per: time.Second, Burst: 40}, "20/s burst 40"},
		{"  5/s   burst 10 ", Limit{Requests: 5, Per: time.Second, Burst: 10}, "5/s burst 10"},
		{"20/s", Limit{Requests: 20, Per: time.Second, Burst: 20}, "20/s burst 20"},
		{"600/m burst 100", Limit{Requests: 600, Per: time.Minute, Burst: 100}, "600/m burst 100"},
		{"1000/h burst 1", Limit{Requests: 1000, Per: time.Hour, Burst: 1}, "1000/h burst 1"},
		{"100/10s burst 20", Limit{Requests: 100, Per: 10 * time.Second, Burst: 20}, "100/10s burst 20"},
		{"3/1m30s burst 3", Limit{Requests: 3, Per: 90 * time.Second, Burst: 3}, "3/1m30s burst 3"},
		{"off", Limit{Off: true}, "off"},
	} {
		got, err := ParseLimit(tc.in)
		if err != nil {
			t.Errorf("ParseLimit(%q): %v", tc.in, err)
			continue
		}
		if got != tc.want {
			t.Errorf("ParseLimit(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
		if got.String() != tc.text {
			t.Errorf("ParseLimit(%q).String() = %q, want %q", tc.in, got.String(), tc.text)
		}
		again, err := ParseLimit(got.String())
		if err != nil || again != got {
			t.Errorf("ParseLimit(%q) does not read its String %q back: %+v, %v", tc.in, got.String(), again, err)
		}
	}
}

func TestParseLimitErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"", "write N/PERIOD [burst B]"},
		{"20", "no /PERIOD"},
		{"x/s", `the number of requests "x"`},
		{"0/s", `the number of requests "0"`},
		{"-5/s", `the number of requests "-5"`},
		{"20/fortnight", `the period "fortnight"`},
		{"20/s burst", "write N/PERIOD [burst B]"},
		{"20/s bursts 4", "write N/PERIOD [burst B]"},
		{"20/s burst x", `the burst "x"`},
		{"20/s burst 0", "the burst must be from 1 to 1000000"},
		{"20/s burst 1000001", "the burst must be from 1 to 1000000"},
		{"20/0s burst 1", "the period must be more than 0"},
		{"20/-1s burst 1", "the period must be more than 0"},
		{"20/25h burst 1", "at most 24h0m0s"},
		{"2000/1us burst 1", "more than one request per nanosecond"},
		{"1/24h burst 1000000", "takes too long to refill"},
	} {
		_, err := ParseLimit(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseLimit(%q) = %v, want an error with %q", tc.in, err, tc.want)
		}
	}
}

func TestLimitIsAFlagValue(t *testing.T) {
	t.Parallel()
	l := Limit{Requests: 1, Per: time.Second, Burst: 1}
	var v flagValue = &l
	if err := v.Set("7/m burst 3"); err != nil {
		t.Fatal(err)
	}
	if l != (Limit{Requests: 7, Per: time.Minute, Burst: 3}) || v.String() != "7/m burst 3" || v.Type() != "limit" {
		t.Errorf("after Set: %+v %q %q", l, v.String(), v.Type())
	}
	if err := v.Set("seven"); err == nil {
		t.Error("Set(seven) took a bad value")
	}
	if (Limit{}).Enabled() || (Limit{Off: true, Requests: 5, Per: time.Second, Burst: 1}).Enabled() || !l.Enabled() {
		t.Error("Enabled: the zero Limit and Off limit nothing; a set limit does")
	}
}
