package nlp

import (
	"unicode"
	"unicode/utf8"
)

// This file holds the byte- and rune-level helpers that the hand-written
// entity scanners share. None of them allocates.

// isDigit reports whether c is an ASCII digit.
func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// isASCIILetter reports whether c is an ASCII letter.
func isASCIILetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

// decodeRune decodes the rune at s[i:], taking the short way for ASCII.
func decodeRune(s string, i int) (rune, int) {
	if c := s[i]; c < utf8.RuneSelf {
		return rune(c), 1
	}
	return utf8.DecodeRuneInString(s[i:])
}

// isAlnum reports whether r is a letter or a decimal digit.
func isAlnum(r rune) bool {
	if r < utf8.RuneSelf {
		return isDigit(byte(r)) || isASCIILetter(byte(r))
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// alnumAt reports whether a letter or digit starts at s[i]; false at the end
// of s.
func alnumAt(s string, i int) bool {
	if i >= len(s) {
		return false
	}
	r, _ := decodeRune(s, i)
	return isAlnum(r)
}

// skipSpaces returns the offset of the first byte at or after i that is not a
// space, a tab, a no-break space or a narrow no-break space (as in "12 €").
func skipSpaces(s string, i int) int {
	for i < len(s) {
		switch {
		case s[i] == ' ' || s[i] == '\t':
			i++
		case s[i] == 0xc2 && i+1 < len(s) && s[i+1] == 0xa0: // U+00A0
			i += 2
		case s[i] == 0xe2 && i+2 < len(s) && s[i+1] == 0x80 && s[i+2] == 0xaf: // U+202F
			i += 3
		default:
			return i
		}
	}
	return i
}

// digitsAt reads at most max ASCII digits at s[i:] and returns their value
// and the offset after them. n is the number of digits read; a run longer
// than max leaves n at 0 so that "12345" is not read as "1234".
func digitsAt(s string, i, max int) (v, n, end int) {
	j := i
	for j < len(s) && isDigit(s[j]) {
		if j-i == max {
			return 0, 0, i
		}
		v = v*10 + int(s[j]-'0')
		j++
	}
	return v, j - i, j
}

// wordBuf holds a lower-cased ASCII word; it is long enough for every keyword
// the scanners look for.
type wordBuf [12]byte

// wordAt reads the run of ASCII letters at s[i:], lower-cased into buf, and
// returns it with the offset after the run. The word is empty when there is
// no letter at i or the run does not fit in buf. Callers check what follows.
func wordAt(s string, i int, buf *wordBuf) ([]byte, int) {
	j := i
	for j < len(s) && isASCIILetter(s[j]) {
		j++
	}
	if j-i > len(buf) {
		return nil, j
	}
	for k := i; k < j; k++ {
		buf[k-i] = s[k] | 0x20
	}
	return buf[:j-i], j
}
