package bot

import (
	"fmt"
	"sort"
	"strings"
)

// Pos is a position in a bot file: 1-based line and column. The zero Pos
// means "unknown" and prints as line 1, column 1.
type Pos struct {
	Line int `json:"line"`
	Col  int `json:"col"`
}

// Severity says whether a problem stops a bot from loading.
type Severity int

const (
	// Error problems make the bot invalid: it is not served.
	Error Severity = iota
	// Warning problems are reported but the bot still loads (for example an
	// unreachable block).
	Warning
)

// Problem is one thing wrong in a bot file, with where it is.
type Problem struct {
	File     string
	Pos      Pos
	Severity Severity
	Msg      string
}

// String formats the problem as "file:line:col: message", with "warning: "
// before the message of a warning.
func (p Problem) String() string {
	line, col := max(p.Pos.Line, 1), max(p.Pos.Col, 1)
	prefix := ""
	if p.Severity == Warning {
		prefix = "warning: "
	}
	return fmt.Sprintf("%s:%d:%d: %s%s", p.File, line, col, prefix, p.Msg)
}

// Problems is a list of problems in file order.
type Problems []Problem

// HasErrors reports whether any problem is an Error.
func (ps Problems) HasErrors() bool {
	for _, p := range ps {
		if p.Severity == Error {
			return true
		}
	}
	return false
}

// Sort orders the problems by file, line, column and message.
func (ps Problems) Sort() {
	sort.SliceStable(ps, func(i, j int) bool {
		a, b := ps[i], ps[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Pos.Line != b.Pos.Line {
			return a.Pos.Line < b.Pos.Line
		}
		if a.Pos.Col != b.Pos.Col {
			return a.Pos.Col < b.Pos.Col
		}
		return a.Msg < b.Msg
	})
}

// String prints one problem per line.
func (ps Problems) String() string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString(p.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// Error makes a non-empty problem list usable as an error.
func (ps Problems) Error() string { return strings.TrimRight(ps.String(), "\n") }

// suggest returns ` (did you mean "x"?)` for the candidate closest to name,
// or "" when none is close enough to be a likely typo.
func suggest(name string, candidates []string) string {
	best, bestDist := "", 0
	for _, c := range candidates {
		d := editDistance(strings.ToLower(name), strings.ToLower(c))
		if best == "" || d < bestDist || (d == bestDist && c < best) {
			best, bestDist = c, d
		}
	}
	limit := max(1, min(3, len(name)/3))
	if best == "" || bestDist > limit {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// editDistance counts the edits that turn a into b: inserting, deleting or
// replacing a character, or swapping two neighbours (so "humna" is one edit
// from "human", the most common typo).
func editDistance(a, b string) int {
	s, t := []rune(a), []rune(b)
	// rows[i%3][j] is the distance between s[:i] and t[:j].
	var rows [3][]int
	for i := range rows {
		rows[i] = make([]int, len(t)+1)
	}
	for j := range rows[0] {
		rows[0][j] = j
	}
	for i := 1; i <= len(s); i++ {
		cur, prev, prev2 := rows[i%3], rows[(i-1)%3], rows[(i+1)%3]
		cur[0] = i
		for j := 1; j <= len(t); j++ {
			cost := 1
			if s[i-1] == t[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && s[i-1] == t[j-2] && s[i-2] == t[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
	}
	return rows[len(s)%3][len(t)]
}
