package bot

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Parse reads one bot file's bytes. It returns the bot and every problem
// found (warnings included). The bot is nil when the file is not YAML or not
// a mapping; otherwise it is returned even with errors (for tools that show
// what was read), and callers must not run a bot whose problems HasErrors.
func Parse(file string, data []byte, kinds Kinds) (*Bot, Problems) {
	d := &decoder{file: file, kinds: kinds, lines: strings.Split(string(data), "\n")}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return nil, Problems{syntaxProblem(file, data, err)}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		d.errorf(&extra, "a bot file holds one YAML document; this is a second one")
	}
	root := resolve(&doc)
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = resolve(root.Content[0])
	}
	b := &Bot{File: file}
	d.decodeStruct(root, structValue(b), "the bot")
	if root.Kind != yaml.MappingNode {
		d.problems.Sort()
		return nil, d.problems
	}
	check(d, b, root)
	d.problems.Sort()
	return b, d.problems
}

var yamlLineRE = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// syntaxProblem turns a YAML parser error ("yaml: line 3: mapping values
// are not allowed in this context") into a positioned problem. The YAML
// library gives a line only, and for some errors the line where the
// enclosing mapping or list starts, counted from 0; so the line is found
// again as the first one whose beginning of the file fails the same way, the
// column from what the error is about, and common errors get a hint.
func syntaxProblem(file string, data []byte, err error) Problem {
	p := Problem{File: file, Severity: Error, Pos: Pos{Line: 1, Col: 1}}
	if errors.Is(err, io.EOF) {
		p.Msg = "the file is empty; a bot needs at least confab, id, start and blocks"
		return p
	}
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
		p.Pos.Line, _ = strconv.Atoi(m[1])
		msg = m[2]
	}
	p.Msg = "YAML syntax error: " + msg
	if strings.Contains(msg, "UTF-8") || strings.Contains(msg, "control characters") {
		p.Pos = badCharPos(data)
		return p
	}
	lines := strings.Split(string(data), "\n")
	if l := firstFailingLine(lines, msg, p.Pos.Line); l > 0 {
		p.Pos.Line = l
	}
	if p.Pos.Line < 1 || p.Pos.Line > len(lines) {
		return p
	}
	line := strings.TrimRight(lines[p.Pos.Line-1], "\r")
	indent := len(line) - len(strings.TrimLeft(line, " \t"))
	p.Pos.Col = columnOf(line, indent)
	switch tab := strings.IndexByte(line[:indent], '\t'); {
	case tab >= 0 && (strings.Contains(msg, "tab character") || strings.Contains(msg, "cannot start any token")):
		p.Pos.Col = columnOf(line, tab)
		p.Msg = "YAML syntax error: a tab indents this line; indent with spaces only"
	case strings.Contains(msg, "cannot start any token"):
		if i := strings.IndexAny(line[indent:], "@`"); i >= 0 {
			p.Pos.Col = columnOf(line, indent+i)
			p.Msg += "; put quotes around a value that starts with @ or `"
		}
	case msg == "found unexpected end of stream":
		p.Msg = "YAML syntax error: a quoted string is never closed"
		if i := unclosedQuote(line); i >= 0 {
			p.Pos.Col = columnOf(line, i)
			p.Msg = "YAML syntax error: this quoted string is never closed"
		}
	case msg == "mapping values are not allowed in this context":
		if indentedUnderValue(lines, p.Pos.Line) {
			p.Msg += "; this line is indented more than the line above it"
		} else if i := strings.Index(line[indent:], ": "); i >= 0 {
			if j := strings.Index(line[indent+i+2:], ": "); j >= 0 {
				p.Pos.Col = columnOf(line, indent+i+2+j)
				p.Msg += `; put quotes around a value that holds ": "`
			}
		}
	case msg == "did not find expected ',' or ']'" || msg == "did not find expected ',' or '}'":
		if i := unclosedBracket(line); i >= 0 {
			p.Pos.Col = columnOf(line, i)
			p.Msg += "; is this " + line[i:i+1] + " closed?"
		}
	case msg == "did not find expected key" || msg == "did not find expected '-' indicator":
		p.Msg += "; check the indentation of this line"
	}
	return p
}

// firstFailingLine returns the first line n such that the file's first n
// lines fail to parse with the message msg, or 0. The YAML library reports
// a line at or before that one (the line where the string, mapping or list
// that holds the problem starts, counted from 1 or from 0), or the last line
// when that start is line 1. So line 1 is tried, then the lines from the one
// before reported on; after the first few, a binary search takes over,
// which assumes that once a beginning of the file fails, longer ones fail
// the same way.
func firstFailingLine(lines []string, msg string, reported int) int {
	fails := func(n int) bool {
		var doc yaml.Node
		err := yaml.NewDecoder(strings.NewReader(strings.Join(lines[:n], "\n") + "\n")).Decode(&doc)
		if err == nil || errors.Is(err, io.EOF) {
			return false
		}
		got := strings.TrimPrefix(err.Error(), "yaml: ")
		if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
			got = m[2]
		}
		return got == msg
	}
	if len(lines) == 0 {
		return 0
	}
	if fails(1) {
		return 1
	}
	const linear = 20
	from := max(2, reported-1)
	for n := from; n <= min(len(lines), from+linear); n++ {
		if fails(n) {
			return n
		}
	}
	lo, hi := from+linear+1, len(lines)
	if lo > hi || !fails(hi) {
		return 0
	}
	for lo < hi {
		if mid := (lo + hi) / 2; fails(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// badCharPos returns the position of the first character of data that is
// not valid UTF-8 or that YAML does not allow (control characters other
// than tab, line feed and carriage return), or 1:1.
func badCharPos(data []byte) Pos {
	pos := Pos{Line: 1, Col: 1}
	for len(data) > 0 {
		r, size := utf8.DecodeRune(data)
		ok := r != utf8.RuneError || size > 1
		switch {
		case r == '\t' || r == '\n' || r == '\r' || r == 0x85:
		case r < 0x20 || 0x7f <= r && r < 0xa0 || r == 0xfeff && pos != (Pos{Line: 1, Col: 1}) || 0xd800 <= r && r < 0xe000 || r == 0xfffe || r == 0xffff:
			ok = false
		}
		if !ok {
			return pos
		}
		if r == '\n' {
			pos.Line, pos.Col = pos.Line+1, 1
		} else {
			pos.Col++
		}
		data = data[size:]
	}
	return Pos{Line: 1, Col: 1}
}

// unclosedQuote returns the byte index of the quote that opens a quoted
// string on line and is not closed on it, or -1.
func unclosedQuote(line string) int {
	for i := 0; i < len(line); i++ {
		c := line[i]
		if c == '#' && (i == 0 || line[i-1] == ' ') {
			return -1 // a comment
		}
		if c != '"' && c != '\'' {
			continue
		}
		// A quote opens a string only where a value can start.
		if before := strings.TrimRight(line[:i], " \t"); before != "" && !strings.ContainsRune(":-[{,?", rune(before[len(before)-1])) {
			continue
		}
		end := -1
		for j := i + 1; j < len(line) && end < 0; j++ {
			switch {
			case c == '"' && line[j] == '\\':
				j++
			case c == '\'' && strings.HasPrefix(line[j:], "''"):
				j++
			case line[j] == c:
				end = j
			}
		}
		if end < 0 {
			return i
		}
		i = end
	}
	return -1
}

// unclosedBracket returns the byte index of the first [ or { on line that
// is not closed on it (brackets inside quotes aside), or -1.
func unclosedBracket(line string) int {
	var open []int
	var quote byte
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			} else if c == '\\' && quote == '"' {
				i++
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '#' && (i == 0 || line[i-1] == ' '):
			i = len(line)
		case c == '[' || c == '{':
			open = append(open, i)
		case (c == ']' || c == '}') && len(open) > 0:
			open = open[:len(open)-1]
		}
	}
	if len(open) == 0 {
		return -1
	}
	return open[0]
}

// indentedUnderValue reports whether line n (1-based) is indented more
// than the line above it (blank lines and comments aside) while that line
// already has its value, so that it cannot start a nested mapping.
func indentedUnderValue(lines []string, n int) bool {
	indentOf := func(s string) int { return len(s) - len(strings.TrimLeft(s, " ")) }
	for i := n - 2; i >= 0; i-- {
		prev := strings.TrimSpace(lines[i])
		if prev == "" || strings.HasPrefix(prev, "#") {
			continue
		}
		if indentOf(lines[n-1]) <= indentOf(lines[i]) {
			return false
		}
		if c := strings.Index(prev, " #"); c >= 0 {
			prev = strings.TrimSpace(prev[:c])
		}
		return !strings.HasSuffix(prev, ":") && prev != "-"
	}
	return false
}

// Load reads and checks one bot file.
func Load(path string, kinds Kinds) (*Bot, Problems, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	b, ps := Parse(path, data, kinds)
	return b, ps, nil
}

// IsBotFile reports whether a path names a bot file: *.yaml or *.yml that
// is not a conversation test (*.test.yaml).
func IsBotFile(path string) bool {
	ext := filepath.Ext(path)
	if ext != ".yaml" && ext != ".yml" {
		return false
	}
	return !strings.HasSuffix(strings.TrimSuffix(path, ext), ".test")
}

// Files expands paths (files or folders, searched recursively) into the bot
// files they hold, sorted. A file named explicitly is taken whatever its
// name.
func Files(paths []string, match func(string) bool) ([]string, error) {
	var out []string
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !info.IsDir() {
			out = append(out, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, e fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if e.IsDir() && path != p && strings.HasPrefix(e.Name(), ".") {
				return filepath.SkipDir
			}
			if !e.IsDir() && match(path) {
				out = append(out, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	sort.Strings(out)
	return out, nil
}

// Set is the bots of a folder, by id.
type Set struct {
	Bots     map[string]*Bot
	Problems Problems
}

// ErrInvalid is returned by LoadSet when a bot has errors.
var ErrInvalid = errors.New("bot files have errors")

// LoadSet loads every bot file under paths, checking that ids are unique.
// Problems of all files are collected; err is ErrInvalid when any is an
// error.
func LoadSet(paths []string, kinds Kinds) (*Set, error) {
	files, err := Files(paths, IsBotFile)
	if err != nil {
		return nil, err
	}
	s := &Set{Bots: map[string]*Bot{}}
	for _, f := range files {
		b, ps, err := Load(f, kinds)
		if err != nil {
			return nil, err
		}
		s.Problems = append(s.Problems, ps...)
		if b == nil || ps.HasErrors() {
			continue
		}
		if other, dup := s.Bots[b.ID]; dup {
			s.Problems = append(s.Problems, Problem{File: f, Severity: Error, Msg: fmt.Sprintf("bot id %q is also used by %s", b.ID, other.File)})
			continue
		}
		s.Bots[b.ID] = b
	}
	if s.Problems.HasErrors() {
		return s, ErrInvalid
	}
	return s, nil
}
