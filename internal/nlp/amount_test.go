package nlp

import "testing"

func TestAmount(t *testing.T) {
	t.Parallel()
	amount := func(v float64, cur string) map[string]any { return map[string]any{"value": v, "currency": cur} }
	checkExtract(t, "amount", []extractCase{
		{"€12.50", "", amount(12.5, "EUR")},
		{"12.50 EUR", "", amount(12.5, "EUR")},
		{"$5", "", amount(5, "USD")},
		{"5 dollars", "", amount(5, "USD")},
		{"12,50 €", "", amount(12.5, "EUR")},
		{"12,50\u00a0€", "", amount(12.5, "EUR")},
		{"12€", "", amount(12, "EUR")},
		{"EUR 30", "", amount(30, "EUR")},
		{"£3", "", amount(3, "GBP")},
		{"¥500", "", amount(500, "JPY")},
		{"ten euros", "", amount(10, "EUR")},
		{"20 bucks", "", amount(20, "USD")},
		{"100 chf", "", amount(100, "CHF")},
		{"1,000 usd", "", amount(1000, "USD")},
		{"costs 12.50EUR.", "12.50EUR", amount(12.5, "EUR")},
		{"-5 EUR", "", amount(-5, "EUR")},
	}, []string{
		"12.50",
		"5 doll",
		"€",
		"EUR",
		"5 eurovision",
		"euro 5x",
		"5 pizzas",
	})
}
