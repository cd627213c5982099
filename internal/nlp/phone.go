package nlp

import "time"

// The phone system entity reads phone numbers, international ("+32 470 12 34
// 56", "+1 (555) 123-4567", "+32 (0)2 123 45 67") or local ("0470 12 34 56",
// "(555) 123-4567", "555-123-4567"): groups of digits separated by single
// spaces or hyphens, a group possibly in parentheses. No space may follow a
// hyphen, so that "2026-11-22 14" stays a date and a number, and no group
// may go on as a decimal, date or time ("12.5", "22/11", "14:30").
//
// It needs 7 to 15 digits and one of: a leading "+", a leading 0, or a
// separator; and at most one group of a single digit besides a country
// code, so that "1 2 3 4 5 6 7" is seven numbers. An order number such as
// "12345678" is not a phone. Groups of digits that look like a list ("10 20
// 30 40") are read as a phone: a matcher without context cannot tell them
// apart.
//
// Its value is the digits, with the leading "+" kept: "+3212345678". A
// trunk "(0)" after the country code is dropped, as when dialling.

// phoneAt reads a phone number at s[i].
func phoneAt(s string, i int) (match, bool) {
	if i > 1 && isDigit(s[i-2]) { // not from the "22" of "2026-11-22" or "5.22"
		switch s[i-1] {
		case '-', '.', ',', '/', ':':
			return match{}, false
		}
	}
	j := i
	plus := s[j] == '+'
	if plus {
		j++
	}
	digits, groups, singles := 0, 0, 0
	seps, dashed := false, false
	end := -1
	for j < len(s) {
		paren := s[j] == '('
		k := j
		if paren {
			k++
		}
		_, n, e := digitsAt(s, k, 15)
		if n == 0 || (!paren && partOfOther(s, e)) {
			break
		}
		if paren {
			if e >= len(s) || s[e] != ')' {
				break
			}
			e++
			seps = true
		}
		trunk := paren && plus && groups == 1 && n == 1 && s[k] == '0'
		if !trunk {
			digits += n
			if n == 1 && !(plus && groups == 0) {
				singles++
			}
		}
		if digits > 15 {
			return match{}, false
		}
		groups++
		end = e
		// A separator, or a group in parentheses right after ")" or before "(".
		switch {
		case e+1 < len(s) && s[e] == ' ' && isDigit(s[e+1]) && startsNumericDate(s, e+1):
			j = len(s) // "call 0470 12 34 56 22/11/2026"
		case e+1 < len(s) && (s[e] == '-' || (s[e] == ' ' && !dashed)) && (isDigit(s[e+1]) || s[e+1] == '('):
			dashed = dashed || s[e] == '-'
			j = e + 1
			seps = true
		case e < len(s) && ((paren && isDigit(s[e])) || s[e] == '('):
			j = e
		default:
			j = len(s)
		}
	}
	if end < 0 || digits < 7 || digits > 15 || singles > 1 || alnumAt(s, end) {
		return match{}, false
	}
	if !plus && !seps && s[i] != '0' {
		return match{}, false
	}
	return match{start: i, end: end, kind: kindPhone}, true
}

// partOfOther reports whether the digits that end at s[e] go on as a
// decimal, a date or a time ("12.5", "22/11", "14:30"), and so belong to no
// phone number.
func partOfOther(s string, e int) bool {
	if e+1 >= len(s) || !isDigit(s[e+1]) {
		return false
	}
	switch s[e] {
	case '.', ',', '/', ':':
		return true
	}
	return false
}

// startsNumericDate reports whether a date in digits starts at s[i], which
// ends a phone number before it.
func startsNumericDate(s string, i int) bool {
	_, ok := numericDateAt(s, i, time.Time{})
	return ok
}

// phoneDigits returns the digits of a phone number as written in text, with
// its leading "+" and without a trunk "(0)" after the country code.
func phoneDigits(text string) string {
	var buf [32]byte
	b := buf[:0]
	groups := 0
	for j := 0; j < len(text); {
		switch c := text[j]; {
		case c == '+':
			b = append(b, c)
			j++
		case c == '(' && j+2 < len(text) && text[j+1] == '0' && text[j+2] == ')' && len(b) > 0 && b[0] == '+' && groups == 1:
			j += 3
			groups++
		case isDigit(c):
			for j < len(text) && isDigit(text[j]) {
				b = append(b, text[j])
				j++
			}
			groups++
		default:
			j++
		}
	}
	return string(b)
}
