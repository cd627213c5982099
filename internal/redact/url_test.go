package redact_test

import (
	"testing"

	"github.com/confab/confab/internal/redact"
)

func TestURLMasksCredentials(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"https://shop.example/orders/7?id=7&lang=en", "https://shop.example/orders/7?id=7&lang=en"},
		{"https://shop.example/o?key=abc&id=7", "https://shop.example/o?key=[redacted]&id=7"},
		{"https://shop.example/o?api_key=abc", "https://shop.example/o?api_key=[redacted]"},
		{"https://shop.example/o?X-Api-Key=abc", "https://shop.example/o?X-Api-Key=[redacted]"},
		{"https://shop.example/o?access_token=abc&refresh_token=def", "https://shop.example/o?access_token=[redacted]&refresh_token=[redacted]"},
		{"https://shop.example/o?client_secret=abc", "https://shop.example/o?client_secret=[redacted]"},
		{"https://shop.example/o?password=abc&user=ann", "https://shop.example/o?password=[redacted]&user=ann"},
		{"https://shop.example/o?Authorization=Bearer%20abc", "https://shop.example/o?Authorization=[redacted]"},
		{"https://shop.example/o?sig=abc&sv=2024", "https://shop.example/o?sig=[redacted]&sv=2024"},
		{"https://shop.example/o?X-Amz-Signature=abc&X-Amz-Date=1", "https://shop.example/o?X-Amz-Signature=[redacted]&X-Amz-Date=1"},
		{"https://shop.example/cb?code=abc&state=1", "https://shop.example/cb?code=[redacted]&state=1"},
		{"https://shop.example/o?zipcode=1234", "https://shop.example/o?zipcode=1234"},
		{"https://shop.example/o?key", "https://shop.example/o?key"},
		{"https://shop.example/o?token=abc#frag", "https://shop.example/o?token=[redacted]#frag"},
		{"https://ann:pa55@shop.example/o", "https://[redacted]@shop.example/o"},
		{"https://ghp_token@github.com/org/repo", "https://[redacted]@github.com/org/repo"},
		{"https://shop.example/mail/ann@example.com", "https://shop.example/mail/ann@example.com"},
		{"https://a:b@c@shop.example/?token=x", "https://[redacted]@shop.example/?token=[redacted]"},
		{"not a url ?token=x", "not a url ?token=[redacted]"},
		{"", ""},
	} {
		if got := redact.URL(tc.in); got != tc.want {
			t.Errorf("URL(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestStringReplacesEncodedForms(t *testing.T) {
	t.Parallel()
	s := redact.New([]string{`k/y+"z w`})
	for in, want := range map[string]string{
		`raw k/y+"z w`:                        `raw [redacted]`,
		"query k%2Fy%2B%22z+w":                "query [redacted]",
		"path k%2Fy+%22z%20w":                 "path [redacted]",
		`json {"key":"k/y+\"z w"}`:            `json {"key":"[redacted]"}`,
		"untouched k/y+ z w and k%2Fy%2B%22z": "untouched k/y+ z w and k%2Fy%2B%22z",
	} {
		if got := s.String(in); got != want {
			t.Errorf("String(%q) = %q, want %q", in, got, want)
		}
	}
}
