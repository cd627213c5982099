package nlp

import (
	"testing"
	"time"
)

func TestDate(t *testing.T) {
	t.Parallel()
	checkExtract(t, "date", []extractCase{
		{"today", "", "2026-11-22"},
		{"Tomorrow", "", "2026-11-23"},
		{"yesterday", "", "2026-11-21"},
		{"on Monday please", "Monday", "2026-11-23"},
		{"sunday", "", "2026-11-29"},
		{"next friday", "", "2026-11-27"},
		{"this Saturday", "", "2026-11-28"},
		{"2026-11-22", "", "2026-11-22"},
		{"2027/01/05", "", "2027-01-05"},
		{"22/11/2026", "", "2026-11-22"},
		{"5.1.2027", "", "2027-01-05"},
		{"22-11-26", "", "2026-11-22"},
		{"22 November 2026", "", "2026-11-22"},
		{"22nd of Nov", "", "2026-11-22"},
		{"1 March", "", "2026-03-01"},
		{"November 22", "", "2026-11-22"},
		{"Nov 22", "", "2026-11-22"},
		{"Nov. 3rd, 2027", "", "2027-11-03"},
		{"sept 9 2027", "", "2027-09-09"},
		{"29 Feb 2028", "", "2028-02-29"},
		{"on 22 November, 3 pizzas", "22 November", "2026-11-22"},
	}, []string{
		"31/02/2026",
		"2026-13-01",
		"11/22/2026",
		"Nov 2026",
		"the 22nd",
		"32 November",
		"sat",
		"12/11",
		"November",
		"29 Feb 2027",
		"next week",
		"Nov 22:30",
		"mondays",
	})
}

func TestDateRelativeToNow(t *testing.T) {
	t.Parallel()
	m, err := New(nil, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	brussels := time.FixedZone("CET", 3600)
	tests := []struct {
		in   string
		now  time.Time
		want string
	}{
		{"tomorrow", time.Date(2026, 12, 31, 23, 0, 0, 0, time.UTC), "2027-01-01"},
		{"yesterday", time.Date(2028, 3, 1, 8, 0, 0, 0, time.UTC), "2028-02-29"},
		// 23:30 UTC is already the next day in Brussels: now's zone decides.
		{"today", time.Date(2026, 11, 22, 23, 30, 0, 0, time.UTC).In(brussels), "2026-11-23"},
		{"friday", time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC), "2026-12-04"},
		{"Nov 22", time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC), "2031-11-22"},
	}
	for _, tt := range tests {
		e, ok := m.Extract("date", tt.in, tt.now)
		if !ok || e.Value != tt.want {
			t.Errorf("Extract(date, %q) at %v = %v, %v, want %s", tt.in, tt.now, e.Value, ok, tt.want)
		}
	}
}
