package nlp

import "testing"

func TestURL(t *testing.T) {
	t.Parallel()
	checkExtract(t, "url", []extractCase{
		{"https://example.com/a?b=1", "", "https://example.com/a?b=1"},
		{"see http://localhost:8080/x.", "http://localhost:8080/x", "http://localhost:8080/x"},
		{"WWW.Example.org/path", "", "WWW.Example.org/path"},
		{"(https://example.com/x)", "https://example.com/x", "https://example.com/x"},
		{"https://en.wikipedia.org/wiki/Foo_(bar)", "", "https://en.wikipedia.org/wiki/Foo_(bar)"},
		{`"http://x.org/?q=a,b" then`, "http://x.org/?q=a,b", "http://x.org/?q=a,b"},
		{"go to www.pizza.be!", "www.pizza.be", "www.pizza.be"},
	}, []string{
		"http://",
		"https:// example.com",
		"www.",
		"www.example",
		"example.com",
		"ftp://x.org",
		"awww.x.com",
	})
}
