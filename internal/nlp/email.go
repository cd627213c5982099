package nlp

// The email system entity reads addresses such as "Jane.Doe+pizza@Example.com":
// a local part of letters, digits and . _ % + - (not starting or ending with
// a dot), "@", and a domain of at least two dot-separated labels of letters,
// digits and hyphens, the last one of two letters or more. Its value is the
// address lower-cased.

// Lengths past which an address is not read (RFC 5321); they also bound the
// work done on a long run of dots and letters.
const (
	maxLocal  = 64
	maxDomain = 255
)

// emailAt reads an email address at s[i].
func emailAt(s string, i int) (match, bool) {
	if !isDigit(s[i]) && !isASCIILetter(s[i]) {
		return match{}, false
	}
	j := i
	for j < len(s) && isLocalByte(s[j]) && j-i <= maxLocal {
		j++
	}
	if j >= len(s) || s[j] != '@' || s[j-1] == '.' {
		return match{}, false
	}
	end, ok := domainAt(s, j+1)
	if !ok || alnumAt(s, end) {
		return match{}, false
	}
	return match{start: i, end: end, kind: kindEmail}, true
}

// isLocalByte reports whether c may appear in the local part of an address.
func isLocalByte(c byte) bool {
	switch c {
	case '.', '_', '%', '+', '-':
		return true
	}
	return isDigit(c) || isASCIILetter(c)
}

// domainAt reads a domain name at s[i] and returns the offset after it. A
// dot that ends a sentence ("mail me at a@b.com.") is left out.
func domainAt(s string, i int) (end int, ok bool) {
	labels, lastStart := 0, i
	j := i
	for j-i <= maxDomain {
		k := j
		for k < len(s) && (isDigit(s[k]) || isASCIILetter(s[k]) || s[k] == '-') {
			k++
		}
		if k == j || s[j] == '-' || s[k-1] == '-' {
			break
		}
		labels++
		lastStart, end = j, k
		if k+1 < len(s) && s[k] == '.' && (isDigit(s[k+1]) || isASCIILetter(s[k+1])) {
			j = k + 1
			continue
		}
		break
	}
	if labels < 2 || end-lastStart < 2 {
		return i, false
	}
	for k := lastStart; k < end; k++ {
		if !isASCIILetter(s[k]) {
			return i, false
		}
	}
	return end, true
}
