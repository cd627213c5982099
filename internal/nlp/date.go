package nlp

import "time"

// The date system entity reads, taking the year from now when it is left out:
//   - "today", "tomorrow" and "yesterday", relative to now;
//   - a weekday name in full ("friday"), alone or after "next" or "this": the
//     next such day after today, one to seven days ahead (said on a Friday,
//     "friday" is a week later);
//   - ISO dates: "2026-11-22", also "2026/11/22";
//   - numeric dates, day first as in most of the world: "22/11/2026",
//     "22.11.2026", "22-11-2026", with a year of four digits or of two
//     ("22/11/26" is in 2026); "11/22/2026" is not a date;
//   - a day and a month name, in full or abbreviated ("sep" and "sept"):
//     "22 November 2026", "22nd of Nov", "November 22", "Nov. 22nd, 2026".
//
// Dates that do not exist ("31/02/2026") are not read. Its value is
// "YYYY-MM-DD". Weekday abbreviations ("sat", "sun", "wed") are not read:
// they are ordinary words too.

// dateAt reads a date at s[i].
func dateAt(s string, i int, now time.Time) (match, bool) {
	switch c := s[i]; {
	case isDigit(c):
		return numericDateAt(s, i, now)
	case isASCIILetter(c):
		return wordDateAt(s, i, now)
	}
	return match{}, false
}

// numericDateAt reads a date that starts with digits: ISO, day-first
// numeric, or a day followed by a month name.
func numericDateAt(s string, i int, now time.Time) (match, bool) {
	a, na, j := digitsAt(s, i, 4)
	if na == 0 || na == 3 || j >= len(s) {
		return match{}, false
	}
	if na == 4 { // ISO: year, month, day
		sep := s[j]
		if sep != '-' && sep != '/' {
			return match{}, false
		}
		mo, nm, k := digitsAt(s, j+1, 2)
		if nm == 0 || k >= len(s) || s[k] != sep {
			return match{}, false
		}
		d, nd, end := digitsAt(s, k+1, 2)
		if nd == 0 || alnumAt(s, end) {
			return match{}, false
		}
		return dateMatch(i, end, a, mo, d)
	}
	if sep := s[j]; sep == '/' || sep == '.' || sep == '-' { // day, month, year
		mo, nm, k := digitsAt(s, j+1, 2)
		if nm == 0 || k >= len(s) || s[k] != sep {
			return match{}, false
		}
		y, ny, end := digitsAt(s, k+1, 4)
		if (ny != 2 && ny != 4) || alnumAt(s, end) {
			return match{}, false
		}
		if ny == 2 {
			y += 2000
		}
		return dateMatch(i, end, y, mo, a)
	}
	// A day, then a month name: "22 November 2026", "22nd of Nov".
	j = ordinalAt(s, j)
	if alnumAt(s, j) {
		return match{}, false
	}
	k := skipSpaces(s, j)
	if k == j {
		return match{}, false
	}
	var buf wordBuf
	if w, e := wordAt(s, k, &buf); string(w) == "of" && !alnumAt(s, e) {
		k = skipSpaces(s, e)
	}
	mo, end := monthAt(s, k)
	if mo == 0 {
		return match{}, false
	}
	y, end := yearAfter(s, end, now)
	return dateMatch(i, end, y, mo, a)
}

// wordDateAt reads a date that starts with a word: "today", a weekday, or a
// month name and a day.
func wordDateAt(s string, i int, now time.Time) (match, bool) {
	var buf wordBuf
	w, j := wordAt(s, i, &buf)
	if len(w) == 0 || alnumAt(s, j) {
		return match{}, false
	}
	switch string(w) {
	case "today":
		return relativeDate(i, j, now, 0), true
	case "tomorrow":
		return relativeDate(i, j, now, 1), true
	case "yesterday":
		return relativeDate(i, j, now, -1), true
	case "next", "this":
		k := skipSpaces(s, j)
		if k == j {
			return match{}, false
		}
		w, j = wordAt(s, k, &buf)
		if wd := weekday(string(w)); wd >= 0 && !alnumAt(s, j) {
			return weekdayDate(i, j, now, wd), true
		}
		return match{}, false
	}
	if wd := weekday(string(w)); wd >= 0 {
		return weekdayDate(i, j, now, wd), true
	}
	// A month name, then a day: "November 22", "Nov. 22nd, 2026".
	mo := monthNumber(string(w))
	if mo == 0 {
		return match{}, false
	}
	if len(w) <= 4 && j < len(s) && s[j] == '.' {
		j++
	}
	k := skipSpaces(s, j)
	if k == j {
		return match{}, false
	}
	d, nd, end := digitsAt(s, k, 2)
	if nd == 0 {
		return match{}, false
	}
	if end = ordinalAt(s, end); alnumAt(s, end) || (end < len(s) && s[end] == ':') {
		return match{}, false
	}
	y, end := yearAfter(s, end, now)
	return dateMatch(i, end, y, mo, d)
}

// ordinalAt skips an ordinal suffix (st, nd, rd, th, in any case) at s[j].
func ordinalAt(s string, j int) int {
	if j+2 > len(s) || alnumAt(s, j+2) {
		return j
	}
	a, b := s[j]|0x20, s[j+1]|0x20
	if (a == 's' && b == 't') || (a == 'n' && b == 'd') || (a == 'r' && b == 'd') || (a == 't' && b == 'h') {
		return j + 2
	}
	return j
}

// monthAt reads a month name at s[k] and returns its number (0 if there is
// none) and the offset after it.
func monthAt(s string, k int) (int, int) {
	var buf wordBuf
	w, end := wordAt(s, k, &buf)
	if alnumAt(s, end) {
		return 0, k
	}
	return monthNumber(string(w)), end
}

// yearAfter reads an optional year of four digits after a day and month, as
// in "22 November 2026" or "Nov 22, 2026"; without one the year is now's.
func yearAfter(s string, end int, now time.Time) (year, newEnd int) {
	p := end
	if p < len(s) && s[p] == ',' {
		p++
	}
	q := skipSpaces(s, p)
	if q > end {
		if y, ny, e := digitsAt(s, q, 4); ny == 4 && !alnumAt(s, e) && (e >= len(s) || s[e] != ':') {
			return y, e
		}
	}
	return now.Year(), end
}

// monthNumber returns the number of a month name, full or abbreviated, or 0.
func monthNumber(w string) int {
	switch w {
	case "january", "jan":
		return 1
	case "february", "feb":
		return 2
	case "march", "mar":
		return 3
	case "april", "apr":
		return 4
	case "may":
		return 5
	case "june", "jun":
		return 6
	case "july", "jul":
		return 7
	case "august", "aug":
		return 8
	case "september", "sep", "sept":
		return 9
	case "october", "oct":
		return 10
	case "november", "nov":
		return 11
	case "december", "dec":
		return 12
	}
	return 0
}

// weekday returns the weekday of a full weekday name, or -1.
func weekday(w string) time.Weekday {
	switch w {
	case "sunday":
		return time.Sunday
	case "monday":
		return time.Monday
	case "tuesday":
		return time.Tuesday
	case "wednesday":
		return time.Wednesday
	case "thursday":
		return time.Thursday
	case "friday":
		return time.Friday
	case "saturday":
		return time.Saturday
	}
	return -1
}

// relativeDate is the date days after now's (before, when negative).
func relativeDate(start, end int, now time.Time, days int) match {
	y, mo, d := now.Date()
	// Civil-date arithmetic in UTC knows no daylight saving gaps.
	y, mo, d = time.Date(y, mo, d+days, 0, 0, 0, 0, time.UTC).Date()
	return match{start: start, end: end, kind: kindDate, y: int16(y), mo: int8(mo), d: int8(d)}
}

// weekdayDate is the next wd after now's date, one to seven days ahead.
func weekdayDate(start, end int, now time.Time, wd time.Weekday) match {
	days := (int(wd) - int(now.Weekday()) + 7) % 7
	if days == 0 {
		days = 7
	}
	return relativeDate(start, end, now, days)
}

// dateMatch checks that the day exists and returns the match.
func dateMatch(start, end, y, mo, d int) (match, bool) {
	if mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) {
		return match{}, false
	}
	return match{start: start, end: end, kind: kindDate, y: int16(y), mo: int8(mo), d: int8(d)}, true
}

// daysIn returns the number of days of a month.
func daysIn(y, mo int) int {
	return time.Date(y, time.Month(mo)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
