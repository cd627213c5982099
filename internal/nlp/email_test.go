package nlp

import "testing"

func TestEmail(t *testing.T) {
	t.Parallel()
	checkExtract(t, "email", []extractCase{
		{"Jane.Doe+pizza@Example.com", "", "jane.doe+pizza@example.com"},
		{"write to bob@mail.example.org.", "bob@mail.example.org", "bob@mail.example.org"},
		{"<a_b%c-d@x-y.io>", "a_b%c-d@x-y.io", "a_b%c-d@x-y.io"},
		{"me: 42@numbers.be, thanks", "42@numbers.be", "42@numbers.be"},
	}, []string{
		"bob@localhost",
		"bob@",
		"@example.com",
		"bob.@example.com",
		"bob@example.c",
		"bob@-example.com",
		"bob@example.123",
		"bob at example dot com",
	})
}
