package bot

import "testing"

// TestEditDistance checks the edit distance behind did-you-mean, including
// the swap of two neighbouring letters, which counts as one edit.
func TestEditDistance(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"", "next", 4},
		{"next", "", 4},
		{"next", "next", 0},
		{"nxt", "next", 1},
		{"humna", "human", 1},
		{"paylaod", "payload", 1},
		{"mesage", "message", 1},
		{"mesages", "messages", 1},
		{"abc", "cba", 2},
		{"ca", "abc", 3},
		{"café", "cafe", 1},
		{"sizes", "size", 1},
		{"kitten", "sitting", 3},
	}
	for _, tt := range tests {
		if got := editDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

// TestSuggest checks which names get a did-you-mean: close typos do, names
// that merely share letters do not.
func TestSuggest(t *testing.T) {
	t.Parallel()
	fields := []string{"type", "messages", "next", "on_error", "save", "quick_replies"}
	tests := []struct {
		name       string
		candidates []string
		want       string
	}{
		{"nxt", fields, ` (did you mean "next"?)`},
		{"mesages", fields, ` (did you mean "messages"?)`},
		{"Next", fields, ` (did you mean "next"?)`},
		{"quick_replys", fields, ` (did you mean "quick_replies"?)`},
		{"on_eror", fields, ` (did you mean "on_error"?)`},
		{"humna", []string{"human", "done"}, ` (did you mean "human"?)`},
		{"colour", fields, ""},
		{"x", fields, ""},
		{"next", nil, ""},
		{"ab", []string{"ac", "ab1"}, ` (did you mean "ab1"?)`},
		{"abd", []string{"abc", "abe"}, ` (did you mean "abc"?)`},
	}
	for _, tt := range tests {
		if got := suggest(tt.name, tt.candidates); got != tt.want {
			t.Errorf("suggest(%q, %v) = %q, want %q", tt.name, tt.candidates, got, tt.want)
		}
	}
}

// TestNameOffset checks where a template or expression is taken to read a
// name.
func TestNameOffset(t *testing.T) {
	t.Parallel()
	tests := []struct {
		src, name string
		template  bool
		want      int
	}{
		{"size", "size", false, 0},
		{"a + size", "size", false, 4},
		{"sizes + size", "size", false, 8},
		{"user.size + size", "size", false, 12},
		{"size.x", "size", false, 0},
		{"total", "size", false, -1},
		{"size: {{ size }}", "size", true, 9},
		{"{{ user.name }} {{ name }}", "name", true, 19},
		{"{{ x }} name", "name", true, -1},
	}
	for _, tt := range tests {
		if got := nameOffset(tt.src, tt.name, tt.template); got != tt.want {
			t.Errorf("nameOffset(%q, %q, %v) = %d, want %d", tt.src, tt.name, tt.template, got, tt.want)
		}
	}
}
