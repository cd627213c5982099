package nlp

import "testing"

func TestSkipSpaces(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s    string
		i    int
		want int
	}{
		{"a  b", 1, 3},
		{"a\tb", 1, 2},
		{"12\u00a0€", 2, 4},
		{"12\u202f€", 2, 5},
		{"ab", 0, 0},
		{"a ", 1, 2},
	}
	for _, tt := range tests {
		if got := skipSpaces(tt.s, tt.i); got != tt.want {
			t.Errorf("skipSpaces(%q, %d) = %d, want %d", tt.s, tt.i, got, tt.want)
		}
	}
}

func TestDigitsAt(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s         string
		i, max    int
		v, n, end int
	}{
		{"2026-11", 0, 4, 2026, 4, 4},
		{"x12y", 1, 2, 12, 2, 3},
		{"12345", 0, 4, 0, 0, 0},
		{"ab", 0, 2, 0, 0, 0},
		{"7", 0, 2, 7, 1, 1},
	}
	for _, tt := range tests {
		v, n, end := digitsAt(tt.s, tt.i, tt.max)
		if v != tt.v || n != tt.n || end != tt.end {
			t.Errorf("digitsAt(%q, %d, %d) = %d, %d, %d, want %d, %d, %d", tt.s, tt.i, tt.max, v, n, end, tt.v, tt.n, tt.end)
		}
	}
}

func TestWordAt(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s    string
		i    int
		word string
		end  int
	}{
		{"NOVember 22", 0, "november", 8},
		{"2pm", 1, "pm", 3},
		{"abc123", 0, "abc", 3},
		{"12", 0, "", 0},
		{"supercalifragilistic", 0, "", 20},
	}
	for _, tt := range tests {
		var buf wordBuf
		w, end := wordAt(tt.s, tt.i, &buf)
		if string(w) != tt.word || end != tt.end {
			t.Errorf("wordAt(%q, %d) = %q, %d, want %q, %d", tt.s, tt.i, w, end, tt.word, tt.end)
		}
	}
}

func TestAlnumAt(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s    string
		i    int
		want bool
	}{
		{"a", 0, true},
		{"7", 0, true},
		{"é", 0, true},
		{"-", 0, false},
		{"€", 0, false},
		{"a", 1, false},
	}
	for _, tt := range tests {
		if got := alnumAt(tt.s, tt.i); got != tt.want {
			t.Errorf("alnumAt(%q, %d) = %v, want %v", tt.s, tt.i, got, tt.want)
		}
	}
}
