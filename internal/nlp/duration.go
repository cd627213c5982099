package nlp

// The duration system entity reads lengths of time:
//   - a number and a unit: "10 minutes", "2 hours", "1.5 hours", "ten
//     seconds", "3 days", "2 weeks";
//   - units second(s)/sec(s), minute(s)/min(s), hour(s)/hr(s)/hrs, day(s),
//     week(s), and the one-letter units s, m, h and d right after the
//     number only: "90s", "5m" (five minutes, not metres), "2h", "3d";
//   - "a second", "a minute", "an hour" and "half an hour";
//   - parts from the largest unit to the smallest, added up, with spaces,
//     "," or "and" between them: "1 hour 30 minutes", "1 hour and 30
//     minutes", "2h30m", and "1h30" (thirty minutes).
//
// Its value is the number of seconds, a float64.

// durationAt reads a duration at s[i].
func durationAt(s string, i int) (match, bool) {
	total, end := 0.0, -1
	prevUnit := 0.0
	var buf wordBuf
	for j := i; ; {
		secs, e, unit, ok := durationPartAt(s, j)
		if !ok || (prevUnit > 0 && unit >= prevUnit) {
			// "1h30": minutes after an hour written "h".
			if prevUnit == 3600 && j == end && j < len(s) && isDigit(s[j]) && s[j-1]|0x20 == 'h' {
				if mi, n, e := digitsAt(s, j, 2); n > 0 && mi < 60 && !alnumAt(s, e) {
					total += float64(mi * 60)
					end = e
				}
			}
			break
		}
		total += secs
		end, prevUnit = e, unit
		// What may stand between two parts.
		k := skipSpaces(s, e)
		if k < len(s) && s[k] == ',' {
			k = skipSpaces(s, k+1)
		}
		if w, e2 := wordAt(s, k, &buf); string(w) == "and" && !alnumAt(s, e2) {
			k = skipSpaces(s, e2)
		}
		j = k
	}
	if end < 0 {
		return match{}, false
	}
	return match{start: i, end: end, kind: kindDuration, num: total}, true
}

// durationPartAt reads one number and unit at s[j] and returns its length in
// seconds, the offset after it, and the unit's length in seconds.
func durationPartAt(s string, j int) (secs float64, end int, unit float64, ok bool) {
	if j >= len(s) {
		return 0, j, 0, false
	}
	var buf wordBuf
	if isASCIILetter(s[j]) {
		w, e := wordAt(s, j, &buf)
		switch string(w) {
		case "half": // half an hour
			if k, ok := nextWord(s, e, "an"); ok {
				if end, ok := nextWord(s, k, "hour"); ok {
					return 1800, end, 3600, true
				}
			}
			return 0, j, 0, false
		case "a", "an": // a minute, an hour
			k := skipSpaces(s, e)
			if k == e || alnumAt(s, e) {
				return 0, j, 0, false
			}
			w, end := wordAt(s, k, &buf)
			if alnumAt(s, end) {
				return 0, j, 0, false
			}
			switch string(w) {
			case "second":
				return 1, end, 1, true
			case "minute":
				return 60, end, 60, true
			case "hour":
				return 3600, end, 3600, true
			}
			return 0, j, 0, false
		}
	}
	v, e, ok := quantityAt(s, j, false)
	if !ok {
		return 0, j, 0, false
	}
	if e < len(s) && isASCIILetter(s[e]) {
		// A unit right after the digits: "90s", "2h", "10min"; then only a
		// next part ("2h30m") or a non-word may follow.
		w, e2 := wordAt(s, e, &buf)
		u, _ := unitSeconds(string(w))
		if u == 0 || (alnumAt(s, e2) && !isDigit(s[e2])) {
			return 0, j, 0, false
		}
		return v * u, e2, u, true
	}
	k := skipSpaces(s, e)
	if k == e {
		return 0, j, 0, false
	}
	w, e2 := wordAt(s, k, &buf)
	u, short := unitSeconds(string(w))
	if u == 0 || short || alnumAt(s, e2) {
		return 0, j, 0, false
	}
	return v * u, e2, u, true
}

// nextWord reports whether, after at least one space from s[e], the next
// word is want (lower case), and returns the offset after it.
func nextWord(s string, e int, want string) (int, bool) {
	k := skipSpaces(s, e)
	if k == e {
		return e, false
	}
	var buf wordBuf
	w, end := wordAt(s, k, &buf)
	if string(w) != want || alnumAt(s, end) {
		return e, false
	}
	return end, true
}

// unitSeconds returns the length in seconds of a lower-cased time unit (0
// if w is none), and whether it is a one-letter unit, which must be written
// right after its number.
func unitSeconds(w string) (secs float64, short bool) {
	switch w {
	case "s":
		return 1, true
	case "sec", "secs", "second", "seconds":
		return 1, false
	case "m":
		return 60, true
	case "min", "mins", "minute", "minutes":
		return 60, false
	case "h":
		return 3600, true
	case "hr", "hrs", "hour", "hours":
		return 3600, false
	case "d":
		return 86400, true
	case "day", "days":
		return 86400, false
	case "week", "weeks":
		return 604800, false
	}
	return 0, false
}
