package nlp

import (
	"math"
	"strconv"
)

// The number system entity reads:
//   - integers and decimals, with an optional leading "-": "42", "-3", "0.75";
//   - "," followed by exactly three digits as a thousands separator, after a
//     first group of one to three digits: "1,000" and "12,500,000" (so
//     "1,500" is 1500, never 1.5);
//   - "." as the decimal separator, and "," too when it is not a thousands
//     separator: "3,5" and "12,50" are 3.5 and 12.5, as written in most of
//     Europe;
//   - the words one to twelve, whole and in any case.
//
// A number must stand alone: "2pm", "v2" and "a4" are not numbers (though
// "2pm" is a time). Its value is a float64.

// numberAt reads a number at s[i], which starts a word or a symbol.
func numberAt(s string, i int) (match, bool) {
	v, end, ok := quantityAt(s, i, true)
	if !ok || alnumAt(s, end) {
		return match{}, false
	}
	return match{start: i, end: end, kind: kindNumber, num: v}, true
}

// quantityAt reads a number written in digits, or one to twelve in words,
// at s[i], without checking what follows. With signed, a leading "-" is
// allowed. Amounts, durations and numbers share it.
func quantityAt(s string, i int, signed bool) (v float64, end int, ok bool) {
	c := s[i]
	if isDigit(c) || (signed && c == '-') {
		return parseNumber(s, i, signed)
	}
	if isASCIILetter(c) {
		var buf wordBuf
		w, end := wordAt(s, i, &buf)
		if n := numberWord(string(w)); n > 0 && !alnumAt(s, end) {
			return float64(n), end, true
		}
	}
	return 0, i, false
}

// numberWord returns the value of the words one to twelve, or 0.
func numberWord(w string) int {
	switch w {
	case "one":
		return 1
	case "two":
		return 2
	case "three":
		return 3
	case "four":
		return 4
	case "five":
		return 5
	case "six":
		return 6
	case "seven":
		return 7
	case "eight":
		return 8
	case "nine":
		return 9
	case "ten":
		return 10
	case "eleven":
		return 11
	case "twelve":
		return 12
	}
	return 0
}

// parseNumber reads a number in digits at s[i] (see the rules above) and
// returns its value and the offset after it. It does not check what follows.
func parseNumber(s string, i int, signed bool) (v float64, end int, ok bool) {
	j := i
	neg := false
	if signed && j < len(s) && s[j] == '-' {
		neg = true
		j++
	}
	if j >= len(s) || !isDigit(s[j]) {
		return 0, i, false
	}
	digitsStart := j
	var mant uint64
	digits, frac := 0, 0
	for j < len(s) && isDigit(s[j]) {
		mant = mant*10 + uint64(s[j]-'0')
		digits++
		j++
	}
	grouped := false
	if j-digitsStart <= 3 {
		for digits < 40 && j+3 < len(s) && s[j] == ',' && isDigit(s[j+1]) && isDigit(s[j+2]) && isDigit(s[j+3]) &&
			(j+4 == len(s) || !isDigit(s[j+4])) {
			for k := j + 1; k <= j+3; k++ {
				mant = mant*10 + uint64(s[k]-'0')
			}
			digits += 3
			j += 4
			grouped = true
		}
	}
	if j+1 < len(s) && (s[j] == '.' || (s[j] == ',' && !grouped)) && isDigit(s[j+1]) {
		j++
		for j < len(s) && isDigit(s[j]) {
			mant = mant*10 + uint64(s[j]-'0')
			digits++
			frac++
			j++
		}
	}
	if digits > 15 {
		// Past 15 digits the mantissa may not be exact: let strconv round.
		var buf [64]byte
		b := buf[:0]
		for k := digitsStart; k < j; k++ {
			switch {
			case isDigit(s[k]):
				b = append(b, s[k])
			case k == j-frac-1 && frac > 0:
				b = append(b, '.')
			}
		}
		v, _ = strconv.ParseFloat(string(b), 64)
	} else {
		v = float64(mant) / math.Pow10(frac)
	}
	if neg {
		v = -v
	}
	return v, j, true
}
