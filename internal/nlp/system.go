package nlp

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// SystemEntities lists the built-in entity names, sorted.
func SystemEntities() []string {
	return []string{"amount", "date", "duration", "email", "number", "phone", "time", "url"}
}

// name returns the entity name of a system kind.
func (k kind) name() string {
	switch k {
	case kindEmail:
		return "email"
	case kindURL:
		return "url"
	case kindDate:
		return "date"
	case kindTime:
		return "time"
	case kindAmount:
		return "amount"
	case kindDuration:
		return "duration"
	case kindPhone:
		return "phone"
	case kindNumber:
		return "number"
	}
	return ""
}

// term returns the token that stands for a system entity in intent
// scoring: "@" and its name.
func (k kind) term() string {
	switch k {
	case kindEmail:
		return "@email"
	case kindURL:
		return "@url"
	case kindDate:
		return "@date"
	case kindTime:
		return "@time"
	case kindAmount:
		return "@amount"
	case kindDuration:
		return "@duration"
	case kindPhone:
		return "@phone"
	case kindNumber:
		return "@number"
	}
	return ""
}

// systemKind returns the kind of a system entity name.
func systemKind(name string) (kind, bool) {
	for k := kindEmail; k < kindCount; k++ {
		if k.name() == name {
			return k, true
		}
	}
	return kindNone, false
}

// isSystem reports whether name is a system entity.
func isSystem(name string) bool {
	_, ok := systemKind(name)
	return ok
}

// scanSystem appends to dst the system entities found in s, whose words
// are toks; with only set to a system kind it looks for that kind alone and
// stops at the first match.
//
// Every scanner is tried where a word or a symbol starts (a position not
// preceded by a letter or digit): at each word of toks, and at each
// character other than a space between them. Each reports the longest match
// it can read there; resolve later settles overlaps between kinds.
func scanSystem(dst []match, s string, toks []token, now time.Time, only kind) []match {
	mayEmail := (only == kindNone || only == kindEmail) && strings.IndexByte(s, '@') >= 0
	alnumEnd := -1 // end of the last word of letters and digits
	gap := 0       // start of the text between the last word and the next
	for ti := 0; ti <= len(toks); ti++ {
		gapEnd := len(s)
		if ti < len(toks) {
			gapEnd = toks[ti].start
		}
		for i := gap; i < gapEnd; {
			start, size := false, 1
			if c := s[i]; c < utf8.RuneSelf {
				start = c > ' ' && i != alnumEnd
			} else {
				var r rune
				r, size = utf8.DecodeRuneInString(s[i:])
				start = !unicode.IsSpace(r) && i != alnumEnd
			}
			if start {
				n := len(dst)
				dst = systemAt(dst, s, i, "", now, only, mayEmail)
				if only != kindNone && len(dst) > n {
					return dst
				}
			}
			i += size
		}
		if ti == len(toks) {
			break
		}
		t := toks[ti]
		if t.start != alnumEnd {
			n := len(dst)
			dst = systemAt(dst, s, t.start, t.low, now, only, mayEmail)
			if only != kindNone && len(dst) > n {
				return dst
			}
		}
		if alnumAt(s, t.start) {
			alnumEnd = t.end
		}
		gap = t.end
	}
	return dst
}

// systemAt appends the matches of the system scanners at s[i], where the
// lower-cased word low starts (or a symbol, when low is ""). It first works
// out from the character or the word which scanners could match there, so
// that an ordinary word costs one lookup.
func systemAt(dst []match, s string, i int, low string, now time.Time, only kind, mayEmail bool) []match {
	var kinds kindSet
	switch c := s[i]; {
	case isDigit(c):
		kinds = 1<<kindDate | 1<<kindTime | 1<<kindAmount | 1<<kindDuration | 1<<kindPhone | 1<<kindNumber
	case isASCIILetter(c):
		kinds = wordKinds(low)
	case c == '-':
		kinds = 1<<kindAmount | 1<<kindNumber
	case c == '+' || c == '(':
		kinds = 1 << kindPhone
	case c == '$' || c >= utf8.RuneSelf:
		kinds = 1 << kindAmount
	}
	if mayEmail {
		kinds |= 1 << kindEmail
	}
	if only != kindNone {
		kinds &= 1 << only
	}
	if kinds == 0 {
		return dst
	}
	if kinds.has(kindEmail) {
		if x, ok := emailAt(s, i); ok {
			dst = append(dst, x)
		}
	}
	if kinds.has(kindURL) {
		if x, ok := urlAt(s, i); ok {
			dst = append(dst, x)
		}
	}
	if kinds.has(kindDate) {
		if x, ok := dateAt(s, i, now); ok {
			dst = append(dst, x)
		}
	}
	if kinds.has(kindTime) {
		if x, ok := timeAt(s, i); ok {
			dst = append(dst, x)
		}
	}
	if kinds.has(kindAmount) {
		if x, ok := amountAt(s, i); ok {
			dst = append(dst, x)
		}
	}
	if kinds.has(kindDuration) {
		if x, ok := durationAt(s, i); ok {
			dst = append(dst, x)
		}
	}
	if kinds.has(kindPhone) {
		if x, ok := phoneAt(s, i); ok {
			dst = append(dst, x)
		}
	}
	if kinds.has(kindNumber) {
		if x, ok := numberAt(s, i); ok {
			dst = append(dst, x)
		}
	}
	return dst
}

// kindSet is a set of kinds, one bit each.
type kindSet uint16

// has reports whether k is in the set.
func (ks kindSet) has(k kind) bool { return ks&(1<<k) != 0 }

// wordKinds returns the system entities that may start with the lower-cased
// word w; for most words, none.
func wordKinds(w string) kindSet {
	var ks kindSet
	switch w {
	case "today", "tomorrow", "yesterday", "next", "this":
		return 1 << kindDate
	case "noon", "midday", "midnight":
		return 1 << kindTime
	case "a", "an", "half":
		return 1 << kindDuration
	case "http", "https", "www":
		return 1 << kindURL
	}
	if monthNumber(w) > 0 || weekday(w) >= 0 {
		ks |= 1 << kindDate
	}
	if numberWord(w) > 0 {
		ks |= 1<<kindNumber | 1<<kindAmount | 1<<kindDuration
	}
	if currencyCode(w) != "" {
		ks |= 1 << kindAmount
	}
	return ks
}

// systemValue returns the canonical value of a system entity match whose
// text is text.
func systemValue(text string, x match) any {
	switch x.kind {
	case kindNumber, kindDuration:
		return x.num
	case kindEmail:
		return strings.ToLower(text)
	case kindURL:
		return text
	case kindPhone:
		return phoneDigits(text)
	case kindDate:
		var b [10]byte
		return string(appendDate(b[:0], int(x.y), int(x.mo), int(x.d)))
	case kindTime:
		var b [5]byte
		return string(append2(append(append2(b[:0], int(x.h)), ':'), int(x.mi)))
	case kindAmount:
		return map[string]any{"value": x.num, "currency": x.cur}
	}
	return nil
}

// appendDate appends "YYYY-MM-DD"; the scanners only read years of four
// digits.
func appendDate(b []byte, y, mo, d int) []byte {
	b = append2(append2(b, y/100%100), y%100)
	b = append2(append(b, '-'), mo)
	return append2(append(b, '-'), d)
}

// append2 appends a number from 0 to 99 as two digits.
func append2(b []byte, n int) []byte { return append(b, byte('0'+n/10), byte('0'+n%10)) }
