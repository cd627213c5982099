package nlp

import "testing"

func TestDuration(t *testing.T) {
	t.Parallel()
	checkExtract(t, "duration", []extractCase{
		{"10 minutes", "", 600.0},
		{"2h", "", 7200.0},
		{"1 hour 30 minutes", "", 5400.0},
		{"90s", "", 90.0},
		{"1 hour and 30 minutes", "", 5400.0},
		{"2 hours, 15 minutes", "", 8100.0},
		{"2h30m", "", 9000.0},
		{"1h30", "", 5400.0},
		{"1.5 hours", "", 5400.0},
		{"ten seconds", "", 10.0},
		{"3 days", "", 259200.0},
		{"2 weeks", "", 1209600.0},
		{"5min", "", 300.0},
		{"in an hour", "an hour", 3600.0},
		{"half an hour", "", 1800.0},
		{"just a minute", "a minute", 60.0},
		{"5 minutes 2 hours", "5 minutes", 300.0},
		{"2 hours and 3 pizzas", "2 hours", 7200.0},
	}, []string{
		"5 m",
		"10",
		"2 hourglass",
		"an apple",
		"half a pizza",
		"10 miles",
		"2hx",
	})
}
