package nlp

import (
	"unicode"
	"unicode/utf8"
)

// token is one word of a text: a maximal run of letters and digits (with any
// combining marks inside it), or a single symbol such as an emoji.
type token struct {
	low        string // the word, lower-cased
	start, end int    // byte offsets of the word in the text

	la, lb int32 // offsets of low in tokenize's buffer while it runs
}

// tokenize appends the words of s to dst and returns the extended slice.
//
// It splits on every rune that is not a letter, a decimal digit or a
// combining mark, so "where's" gives "where" and "s", and "12.50" gives "12"
// and "50". A symbol rune (Unicode category So, which holds the emoji) is a
// word of its own, so that an example such as "👍" can be matched. Words are
// lower-cased with Unicode rules; the byte offsets always refer to s.
//
// tokenize allocates at most one string, shared by the lower-cased copies of
// the words that were not lower case already.
func tokenize(dst []token, s string) []token {
	var stack [128]byte
	buf := stack[:0]
	first := len(dst)
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf && !isDigit(c) && !isASCIILetter(c) {
			i++ // ASCII space or punctuation
			continue
		}
		r, size := decodeRune(s, i)
		if !isAlnum(r) {
			if unicode.Is(unicode.So, r) && size > 1 { // not a byte of invalid UTF-8
				dst = append(dst, token{low: s[i : i+size], start: i, end: i + size})
			}
			i += size
			continue
		}
		j := i + size
		upper := hasUpper(r)
		for j < len(s) {
			if c := s[j]; c < utf8.RuneSelf {
				if !isDigit(c) && !isASCIILetter(c) {
					break
				}
				upper = upper || ('A' <= c && c <= 'Z')
				j++
				continue
			}
			r2, n2 := utf8.DecodeRuneInString(s[j:])
			if !isAlnum(r2) && !isMark(r2) {
				break
			}
			upper = upper || hasUpper(r2)
			j += n2
		}
		t := token{low: s[i:j], start: i, end: j}
		if upper {
			t.low = ""
			t.la = int32(len(buf))
			buf = appendLower(buf, s[i:j])
			t.lb = int32(len(buf))
		}
		dst = append(dst, t)
		i = j
	}
	if len(buf) > 0 {
		all := string(buf)
		for k := first; k < len(dst); k++ {
			if dst[k].low == "" {
				dst[k].low = all[dst[k].la:dst[k].lb]
			}
		}
	}
	return dst
}

// isMark reports whether r is a combining mark, which continues a word.
func isMark(r rune) bool { return r >= utf8.RuneSelf && unicode.Is(unicode.Mn, r) }

// hasUpper reports whether r changes when lower-cased.
func hasUpper(r rune) bool {
	if r < utf8.RuneSelf {
		return 'A' <= r && r <= 'Z'
	}
	return unicode.ToLower(r) != r
}

// appendLower appends w lower-cased to buf.
func appendLower(buf []byte, w string) []byte {
	for _, r := range w {
		if r < utf8.RuneSelf {
			if 'A' <= r && r <= 'Z' {
				r += 'a' - 'A'
			}
			buf = append(buf, byte(r))
			continue
		}
		buf = utf8.AppendRune(buf, unicode.ToLower(r))
	}
	return buf
}

// stem strips a plural "s" from a lower-cased word so that "pizzas" matches
// "pizza" and "minutes" matches "minute". It only cuts words of four bytes or
// more that do not end in "ss", "us" or "is", which keeps "yes", "this",
// "status" and "glass" whole. A wrong cut ("always" → "alway") does no harm:
// examples and messages go through the same function, so both sides agree.
func stem(w string) string {
	n := len(w)
	if n < 4 || w[n-1] != 's' {
		return w
	}
	switch w[n-2] {
	case 's', 'u', 'i':
		return w
	}
	return w[:n-1]
}

// isClitic reports whether the word t of s is the tail of a contraction,
// as the "s" of "where's" or the "m" of "I’m": one of s, t, m, d, ll, re and
// ve, right after an apostrophe (' or ’) that follows a letter. Such a word
// is never an entity mention, even in a bot whose sizes include "s" and "m".
func isClitic(s string, t token) bool {
	switch t.low {
	case "s", "t", "m", "d", "ll", "re", "ve":
	default:
		return false
	}
	i := t.start
	switch {
	case i >= 1 && s[i-1] == '\'':
		i--
	case i >= 3 && s[i-3:i] == "’":
		i -= 3
	default:
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return unicode.IsLetter(r)
}

// isStopword reports whether the lower-cased word is an English function
// word (article, pronoun, auxiliary, preposition, conjunction) or a fragment
// of a contraction ("s" of "where's", "t" of "don't"). Such words carry little
// meaning, so intent scoring gives them a quarter of the weight of others.
// Negations ("no", "not") and question words ("what", "where") are kept out
// of the list: they change what a message means.
func isStopword(w string) bool {
	switch w {
	case "a", "an", "the",
		"i", "me", "my", "mine", "we", "us", "our", "ours", "you", "your", "yours",
		"he", "him", "his", "she", "her", "hers", "it", "its", "they", "them", "their",
		"this", "that", "these", "those", "there", "here",
		"is", "am", "are", "was", "were", "be", "been", "being",
		"do", "does", "did", "have", "has", "had",
		"can", "could", "would", "should", "will", "shall", "may", "might", "must",
		"to", "of", "in", "on", "at", "for", "with", "from", "by", "about", "as", "into",
		"and", "or", "but", "if", "so", "then", "just", "some", "any", "also", "very",
		"s", "t", "m", "d", "ll", "re", "ve":
		return true
	}
	return false
}
