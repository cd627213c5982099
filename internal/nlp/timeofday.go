package nlp

// The time system entity reads times of day:
//   - on a 24-hour clock with a colon: "14:30", "9:05", "14:30:15" (seconds
//     are dropped);
//   - on a 12-hour clock with am or pm (also "a.m.", "PM", with or without a
//     space): "2pm", "2:30 pm", "8.30pm", "12am" (midnight), "12 p.m."
//     (noon);
//   - "noon", "midday" and "midnight".
//
// A bare hour ("at 5") is not a time: it is a number. Its value is "HH:MM" on
// a 24-hour clock.

// timeAt reads a time of day at s[i].
func timeAt(s string, i int) (match, bool) {
	c := s[i]
	if isASCIILetter(c) {
		var buf wordBuf
		w, end := wordAt(s, i, &buf)
		if alnumAt(s, end) {
			return match{}, false
		}
		switch string(w) {
		case "noon", "midday":
			return match{start: i, end: end, kind: kindTime, h: 12}, true
		case "midnight":
			return match{start: i, end: end, kind: kindTime}, true
		}
		return match{}, false
	}
	h, nh, j := digitsAt(s, i, 2)
	if nh == 0 {
		return match{}, false
	}
	mi := -1
	dotted := false // "8.30pm": a dot only goes with am or pm
	if j+2 < len(s) && (s[j] == ':' || s[j] == '.') && isDigit(s[j+1]) && isDigit(s[j+2]) {
		dotted = s[j] == '.'
		mi = int(s[j+1]-'0')*10 + int(s[j+2]-'0')
		j += 3
		if j+2 < len(s) && s[j] == ':' && !dotted && isDigit(s[j+1]) && isDigit(s[j+2]) {
			j += 3
		}
		if j < len(s) && isDigit(s[j]) {
			return match{}, false
		}
	}
	if pm, end, ok := meridiemAt(s, skipSpaces(s, j)); ok {
		if h < 1 || h > 12 || mi > 59 {
			return match{}, false
		}
		h %= 12
		if pm {
			h += 12
		}
		return match{start: i, end: end, kind: kindTime, h: int8(h), mi: int8(max(mi, 0))}, true
	}
	if mi < 0 || dotted || h > 23 || mi > 59 || alnumAt(s, j) {
		return match{}, false
	}
	return match{start: i, end: j, kind: kindTime, h: int8(h), mi: int8(mi)}, true
}

// meridiemAt reads "am", "pm", "a.m." or "p.m." (in any case) at s[k].
func meridiemAt(s string, k int) (pm bool, end int, ok bool) {
	if k+1 >= len(s) {
		return false, k, false
	}
	switch s[k] | 0x20 {
	case 'a':
	case 'p':
		pm = true
	default:
		return false, k, false
	}
	switch {
	case s[k+1]|0x20 == 'm' && !alnumAt(s, k+2):
		return pm, k + 2, true
	case k+3 < len(s) && s[k+1] == '.' && s[k+2]|0x20 == 'm' && s[k+3] == '.':
		return pm, k + 4, true
	}
	return false, k, false
}
