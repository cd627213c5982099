package nlp

import "strings"

// The url system entity reads web addresses that start with "http://",
// "https://" or "www." (in any case), up to the next space or < > " ` { } |
// character. Punctuation that ends a sentence is left out: a final . , ; : ! ?
// or quote, and a final ")" or "]" without its opening bracket in the URL.
// Bare domains ("example.com") are not read: too many ordinary words with a
// dot would be. Its value is the URL as written.

// maxURL is the length past which a URL is not read; it bounds the work done
// on a long run of text without spaces.
const maxURL = 2048

// urlAt reads a URL at s[i].
func urlAt(s string, i int) (match, bool) {
	if s[i]|0x20 != 'h' && s[i]|0x20 != 'w' {
		return match{}, false
	}
	var rest int // offset where the host starts
	switch {
	case hasPrefixFold(s[i:], "https://"):
		rest = i + len("https://")
	case hasPrefixFold(s[i:], "http://"):
		rest = i + len("http://")
	case hasPrefixFold(s[i:], "www."):
		rest = i + len("www.")
	default:
		return match{}, false
	}
	j := rest
	for j < len(s) && !isURLStop(s[j]) {
		if j-i > maxURL {
			return match{}, false
		}
		j++
	}
	end := trimURL(s, i, j)
	// The host needs a letter or digit, and a www. address a dot after it.
	if end <= rest || !alnumAt(s, rest) {
		return match{}, false
	}
	if s[i]|0x20 == 'w' && strings.IndexByte(s[rest:end], '.') < 1 {
		return match{}, false
	}
	return match{start: i, end: end, kind: kindURL}, true
}

// isURLStop reports whether c ends a URL.
func isURLStop(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '<', '>', '"', '`', '{', '}', '|':
		return true
	}
	return c < ' '
}

// trimURL drops from s[start:end] the punctuation that more likely ends the
// sentence than the URL, and returns the new end.
func trimURL(s string, start, end int) int {
	for end > start {
		switch s[end-1] {
		case '.', ',', ';', ':', '!', '?', '\'':
			end--
			continue
		case ')':
			if strings.Count(s[start:end], "(") < strings.Count(s[start:end], ")") {
				end--
				continue
			}
		case ']':
			if strings.Count(s[start:end], "[") < strings.Count(s[start:end], "]") {
				end--
				continue
			}
		}
		break
	}
	return end
}

// hasPrefixFold reports whether s starts with the lower-case ASCII prefix,
// ignoring case.
func hasPrefixFold(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for k := 0; k < len(prefix); k++ {
		c := s[k]
		if isASCIILetter(c) {
			c |= 0x20
		}
		if c != prefix[k] {
			return false
		}
	}
	return true
}
