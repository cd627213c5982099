package nlp

// The amount system entity reads sums of money:
//   - a currency symbol before or after a number: "€12.50", "$5", "£3",
//     "¥500", "12,50 €", "12€";
//   - an ISO 4217 code before or after a number, in any case: "12.50 EUR",
//     "EUR 12.50", "5 usd";
//   - a currency word after a number: "5 dollars", "ten euros", "20 bucks",
//     "3 pounds" (pounds sterling: a bot that sells flour by the pound should
//     declare its own entity).
//
// The number follows the rules of the number entity. Its value is
// map[string]any{"value": float64, "currency": code}, where "$" is USD.

// amountAt reads an amount at s[i].
func amountAt(s string, i int) (match, bool) {
	// A symbol or a code, then a number.
	cur, j := currencySymbolAt(s, i)
	if cur == "" && isASCIILetter(s[i]) {
		var buf wordBuf
		w, e := wordAt(s, i, &buf)
		if cur = currencyCode(string(w)); cur != "" {
			j = e
		}
	}
	if cur != "" {
		k := skipSpaces(s, j)
		if k < len(s) && (isDigit(s[k]) || s[k] == '-') {
			v, end, ok := parseNumber(s, k, true)
			if ok && !alnumAt(s, end) {
				return match{start: i, end: end, kind: kindAmount, num: v, cur: cur}, true
			}
		}
		return match{}, false
	}
	// A number, then a symbol, a code or a word.
	v, j, ok := quantityAt(s, i, true)
	if !ok {
		return match{}, false
	}
	k := skipSpaces(s, j)
	if k >= len(s) {
		return match{}, false
	}
	if cur, end := currencySymbolAt(s, k); cur != "" {
		return match{start: i, end: end, kind: kindAmount, num: v, cur: cur}, true
	}
	var buf wordBuf
	w, end := wordAt(s, k, &buf)
	if alnumAt(s, end) {
		return match{}, false
	}
	cur = currencyCode(string(w))
	if cur == "" {
		cur = currencyWord(string(w))
	}
	if cur == "" {
		return match{}, false
	}
	return match{start: i, end: end, kind: kindAmount, num: v, cur: cur}, true
}

// currencySymbolAt reads a currency symbol at s[i] and returns its code and
// the offset after it; the code is "" when there is no symbol.
func currencySymbolAt(s string, i int) (string, int) {
	switch {
	case s[i] == '$':
		return "USD", i + 1
	case hasPrefixAt(s, i, "€"):
		return "EUR", i + len("€")
	case hasPrefixAt(s, i, "£"):
		return "GBP", i + len("£")
	case hasPrefixAt(s, i, "¥"):
		return "JPY", i + len("¥")
	}
	return "", i
}

// hasPrefixAt reports whether s[i:] starts with prefix.
func hasPrefixAt(s string, i int, prefix string) bool {
	return len(s)-i >= len(prefix) && s[i:i+len(prefix)] == prefix
}

// currencyCode returns the ISO 4217 code for a lower-cased code among the
// common ones, or "".
func currencyCode(w string) string {
	switch w {
	case "eur":
		return "EUR"
	case "usd":
		return "USD"
	case "gbp":
		return "GBP"
	case "chf":
		return "CHF"
	case "jpy":
		return "JPY"
	case "cad":
		return "CAD"
	case "aud":
		return "AUD"
	case "cny":
		return "CNY"
	case "inr":
		return "INR"
	case "sek":
		return "SEK"
	case "nok":
		return "NOK"
	case "dkk":
		return "DKK"
	case "pln":
		return "PLN"
	}
	return ""
}

// currencyWord returns the ISO 4217 code for a currency named in words, or
// "".
func currencyWord(w string) string {
	switch w {
	case "euro", "euros":
		return "EUR"
	case "dollar", "dollars", "buck", "bucks":
		return "USD"
	case "pound", "pounds", "quid":
		return "GBP"
	case "yen":
		return "JPY"
	case "franc", "francs":
		return "CHF"
	}
	return ""
}
