package bot_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/confab/confab/internal/block"
	"github.com/confab/confab/internal/bot"
)

// parseBot parses src as the file "bot.yaml" with the built-in block kinds.
func parseBot(t *testing.T, src string) bot.Problems {
	t.Helper()
	_, ps := bot.Parse("bot.yaml", []byte(src), block.Builtin())
	return ps
}

// textAt returns the source from the 1-based line and column (counted in
// characters, as problems count them) to the end of that line.
func textAt(src string, pos bot.Pos) string {
	lines := strings.Split(src, "\n")
	if pos.Line < 1 || pos.Line > len(lines) {
		return fmt.Sprintf("<no line %d>", pos.Line)
	}
	line := strings.TrimRight(lines[pos.Line-1], "\r")
	col := pos.Col - 1
	for i := range line {
		if col == 0 {
			return line[i:]
		}
		col--
	}
	if col == 0 {
		return "" // just past the end of the line
	}
	return fmt.Sprintf("<no column %d in %q>", pos.Col, line)
}

// TestParseReportsEveryProblem checks that Parse goes on after a problem:
// a file with many problems, found while decoding and while checking the
// whole bot, gets every one of them, in file order.
func TestParseReportsEveryProblem(t *testing.T) {
	t.Parallel()
	src := `confab: 1
id: demo
start: welcome
keywords:
  "#hi": welcome
  "#HI": welcome
strat: welcome
blocks:
  welcome:
    type: message
    messages:
      - "Hi {{ }}"
      - text: Pick one
        buttons:
          - { title: A, payload: a, url: https://example.com }
    nxt: ask
  ask:
    type: input
    validate: { entity: colour }
    retries: lots
    save: user
    next:
      - when: input ==
        goto: nowhere
      - goto: done
  compute:
    type: code
    script: vars.x = 1
    timeout: 1h
    next: done
  done:
    type: end
    messages: ["Bye {{ nam }}"]
`
	tests := []struct {
		line int
		at   string // the source text the problem points at
		sev  bot.Severity
		msg  string // a part of the message
	}{
		{6, `"#HI"`, bot.Error, `duplicate keyword "#HI"`},
		{7, `strat:`, bot.Error, `unknown field "strat" in the bot (did you mean "start"?)`},
		{12, `{{ }}"`, bot.Error, `template does not compile: empty expression`},
		{15, `{ title: A`, bot.Error, `a button has payload and url`},
		{16, `nxt:`, bot.Error, `unknown field "nxt" in block "welcome" (did you mean "next"?)`},
		{17, `ask:`, bot.Warning, `block "ask" is never reached`},
		{19, `colour }`, bot.Error, `entity "colour"`},
		{20, `lots`, bot.Error, `"retries" must be a whole number, not "lots"`},
		{21, `user`, bot.Error, `variable "user" shadows the reserved name`},
		{23, ``, bot.Error, `expression does not compile: unexpected end of expression`},
		{24, `nowhere`, bot.Error, `no block "nowhere"`},
		{26, `compute:`, bot.Warning, `block "compute" is never reached`},
		{29, `1h`, bot.Error, `is too long; the most is 10s`},
		{31, `done:`, bot.Warning, `block "done" is never reached`},
		{33, `nam }}`, bot.Warning, `"nam" is not a declared variable`},
	}
	ps := parseBot(t, src)
	if len(ps) != len(tests) {
		t.Errorf("got %d problems, want %d:\n%s", len(ps), len(tests), ps)
	}
	for i, tt := range tests {
		if i >= len(ps) {
			t.Errorf("missing problem %d: line %d: %s", i+1, tt.line, tt.msg)
			continue
		}
		p := ps[i]
		if p.Pos.Line != tt.line || !strings.HasPrefix(textAt(src, p.Pos), tt.at) || p.Severity != tt.sev || !strings.Contains(p.Msg, tt.msg) {
			t.Errorf("problem %d is\n\t%s\nat %q; want line %d at %q, severity %d, with %q", i+1, p, textAt(src, p.Pos), tt.line, tt.at, tt.sev, tt.msg)
		}
	}
}

// TestCompileErrorColumns checks that a template or expression that does
// not compile is reported inside its string, where the problem is, in every
// way YAML can write a string.
func TestCompileErrorColumns(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		messages string // the value of the block's messages, indented by 6
		line     int    // the line of the problem in the file
		at       string // the source text the problem points at
	}{
		{"plain", `
      - Hi {{ user.name`, 9, "{{ user.name"},
		{"double quoted", `
      - "Hi {{ user.name "`, 9, `{{ user.name "`},
		{"single quoted", `
      - 'Hi {{ }}'`, 9, "{{ }}'"},
		{"double quoted with escapes", `
      - "Say \"hi\"\t\u00e9\x41 {{ }}"`, 9, `{{ }}"`},
		{"single quoted with a quote", `
      - 'it''s {{ }}'`, 9, "{{ }}'"},
		{"characters of more than one byte", `
      - "Café – 🍕 {{ }}"`, 9, `{{ }}"`},
		{"in a flow mapping", `
      - { text: "Hi {{ }}" }`, 9, `{{ }}"`},
		{"in a flow list", `["Hi!", "Bye {{ }}"]`, 8, `{{ }}"`},
		{"an error inside the expression", `
      - "Total {{ 1 + * 2 }}"`, 9, `* 2 }}"`},
		{"literal block", `
      - text: |
          Hello.
          Your order {{ 1 + }} is ready.`, 11, "}} is ready."},
		{"literal block, more indented line", `
      - text: |
          Hello.
            Your order {{ 1 + }} is ready.`, 11, "}} is ready."},
		{"literal block after blank lines", `
      - text: |-

          Hello.

          Bye {{ }}`, 13, "{{ }}"},
		{"folded block", `
      - text: >
          Hello.
          Welcome {{ }} back.`, 11, "{{ }} back."},
		{"plain over two lines", `
      - Hello there
        and welcome {{ }}`, 10, "{{ }}"},
		{"double quoted over two lines", `
      - "Hello there
        and welcome {{ }}"`, 10, `{{ }}"`},
		{"double quoted over lines with a blank one", `
      - "Hello there

        and welcome {{ }}"`, 11, `{{ }}"`},
		{"double quoted with an escaped line break", `
      - "Hello th\
        ere {{ }}"`, 10, `{{ }}"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := "confab: 1\nid: demo\nstart: welcome\nblocks:\n  welcome:\n    type: message\n    next: done\n    messages: " +
				strings.TrimPrefix(tt.messages, "\n") + "\n  done:\n    type: end\n"
			if strings.HasPrefix(tt.messages, "\n") {
				src = strings.Replace(src, "messages: ", "messages:\n", 1)
			}
			for _, crlf := range []bool{false, true} {
				file := src
				if crlf {
					file = strings.ReplaceAll(src, "\n", "\r\n")
				}
				ps := parseBot(t, file)
				if len(ps) != 1 || !strings.Contains(ps[0].Msg, "does not compile") {
					t.Fatalf("crlf %v: want one compile error, got:\n%s\nin:\n%s", crlf, ps, file)
				}
				if got := textAt(file, ps[0].Pos); ps[0].Pos.Line != tt.line || !strings.HasPrefix(got, tt.at) {
					t.Errorf("crlf %v: %s points at line %d %q; want line %d %q", crlf, ps[0], ps[0].Pos.Line, got, tt.line, tt.at)
				}
			}
		})
	}
}

// TestExpressionColumns checks the column of a condition that does not
// compile, plain and quoted.
func TestExpressionColumns(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		when string
		at   string
	}{
		{"plain at the end", `intent ==`, ""},
		{"plain inside", `intent == ) "x"`, `) "x"`},
		{"double quoted", `"input == 'yes' &&"`, `"`},
		{"single quoted", `'input == "yes" ) x'`, `) x'`},
		{"not a function", `now() > 1`, `now() > 1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := "confab: 1\nid: demo\nstart: ask\nblocks:\n  ask:\n    type: input\n    next:\n      - when: " + tt.when + "\n        goto: done\n      - goto: done\n  done:\n    type: end\n"
			ps := parseBot(t, src)
			if len(ps) != 1 || !strings.Contains(ps[0].Msg, "expression does not compile") {
				t.Fatalf("want one compile error, got:\n%s", ps)
			}
			if got := textAt(src, ps[0].Pos); ps[0].Pos.Line != 8 || got != tt.at {
				t.Errorf("%s points at line %d %q; want line 8 %q", ps[0], ps[0].Pos.Line, got, tt.at)
			}
		})
	}
}

// TestSyntaxErrors checks where YAML syntax errors are reported and that
// the common ones say what to do.
func TestSyntaxErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		src  string
		line int
		at   string // the source text the problem points at
		msg  string // a part of the message
	}{
		{"empty", "", 1, "", "the file is empty"},
		{"only comments", "# nothing yet\n", 1, "# nothing", "the file is empty"},
		{"tab indentation", "confab: 1\nblocks:\n\tx: 1\n", 3, "\tx: 1", "a tab indents this line; indent with spaces only"},
		{"tab after spaces", "confab: 1\nblocks:\n  a: 1\n \tb: 2\n", 4, "\tb: 2", "a tab indents this line"},
		{"tab in a list", "confab: 1\nlist:\n\t- x\n", 3, "\t- x", "a tab indents this line"},
		{"unclosed double quote", "confab: 1\nid: \"demo\nstart: a\n", 2, `"demo`, "this quoted string is never closed"},
		{"unclosed single quote on line 1", "id: 'demo\nstart: a\n", 1, `'demo`, "this quoted string is never closed"},
		{"unclosed quote after a closed one", "a: [\"x\", 'it''s', \"y]\nb: 1\n", 1, `"y]`, "this quoted string is never closed"},
		{"unclosed list", "a: 1\nb: [1, [2], 3\nc: 2\n", 2, "[1, [2]", "did not find expected ',' or ']'; is this [ closed?"},
		{"unclosed mapping", "a: 1\nb: {x: 1\nc: 2\n", 2, "{x: 1", "is this { closed?"},
		{"indented too far", "a:\n  b: 1\n    c: 2\n", 3, "c: 2", "this line is indented more than the line above it"},
		{"colon in a value", "a: 1\nb: Note: closed\n", 2, ": closed", `put quotes around a value that holds ": "`},
		{"indented too little", "x: 1\na:\n  b: 1\n c: 2\nd: 3\n", 4, "c: 2", "did not find expected key; check the indentation of this line"},
		{"list item indented too little", "a:\n  - b\n - c\n", 3, "- c", "check the indentation"},
		{"value starting with @", "a: 1\nb: @home\n", 2, "@home", "put quotes around a value that starts with @"},
		{"control character", "a: 1\nb: x\x01y\n", 2, "\x01y", "control characters are not allowed"},
		{"invalid UTF-8", "a: 1\nb: é\xffy\n", 2, "\xffy", "UTF-8"},
		{"text after a quoted value", "a: 1\nb: \"x\" y\n", 2, "b: ", "did not find expected key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ps := parseBot(t, tt.src)
			if len(ps) != 1 {
				t.Fatalf("want one problem, got:\n%s", ps)
			}
			p := ps[0]
			if got := textAt(tt.src, p.Pos); p.Pos.Line != tt.line || !strings.HasPrefix(got, tt.at) || !strings.Contains(p.Msg, tt.msg) || p.Severity != bot.Error {
				t.Errorf("got %s pointing at %q\nwant line %d at %q with %q", p, got, tt.line, tt.at, tt.msg)
			}
		})
	}
}

// TestUnknownVariablePosition checks that a warning about an unknown name
// points at the name, not at the start of its text, and that member names
// (user.name) are not taken for variables.
func TestUnknownVariablePosition(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		value string
		at    string
	}{
		{"template", `"{{ user.name }} ordered {{ nam }}"`, "nam }}"},
		{"same word in the text", `"name: {{ name }}"`, "name }}"},
		{"after a member of the same name", `"{{ user.name }}, {{ name }}"`, "name }}"},
		{"member of it", `"{{ order.total }}"`, "order.total"},
		{"block scalar", "|\n          Hello\n          {{ nam }}", "nam }}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := "confab: 1\nid: demo\nstart: a\nblocks:\n  a:\n    type: end\n    messages:\n      - text: " + tt.value + "\n"
			ps := parseBot(t, src)
			if len(ps) != 1 || ps[0].Severity != bot.Warning {
				t.Fatalf("want one warning, got:\n%s", ps)
			}
			if got := textAt(src, ps[0].Pos); !strings.HasPrefix(got, tt.at) {
				t.Errorf("%s points at %q; want %q", ps[0], got, tt.at)
			}
		})
	}
}

// TestProblemsAreSorted checks that problems come in file order whatever
// the order they were found in, and that every position is a real place in
// the file.
func TestProblemsAreSorted(t *testing.T) {
	t.Parallel()
	src := "confab: 1\nid: demo\nstart: b\nblocks:\n  a:\n    type: mesage\n  b:\n    type: end\n    messages: [\"{{ x }}\"]\n  c:\n    type: input\n    next: zz\n"
	ps := parseBot(t, src)
	if len(ps) < 4 {
		t.Fatalf("want at least 4 problems, got:\n%s", ps)
	}
	for i, p := range ps {
		if i > 0 {
			q := ps[i-1]
			if p.Pos.Line < q.Pos.Line || p.Pos.Line == q.Pos.Line && p.Pos.Col < q.Pos.Col {
				t.Errorf("problem %d (%s) comes after %s", i+1, p, q)
			}
		}
		if p.Pos.Line < 1 || p.Pos.Col < 1 || strings.HasPrefix(textAt(src, p.Pos), "<") {
			t.Errorf("%s has no place in the file", p)
		}
	}
}

// TestProblemString checks the file:line:col: message form, the warning
// prefix, and that an unknown position prints as 1:1.
func TestProblemString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		p    bot.Problem
		want string
	}{
		{bot.Problem{File: "a.yaml", Pos: bot.Pos{Line: 3, Col: 7}, Msg: "bad"}, "a.yaml:3:7: bad"},
		{bot.Problem{File: "a.yaml", Pos: bot.Pos{Line: 3, Col: 7}, Severity: bot.Warning, Msg: "odd"}, "a.yaml:3:7: warning: odd"},
		{bot.Problem{File: "a.yaml", Msg: "somewhere"}, "a.yaml:1:1: somewhere"},
	}
	for _, tt := range tests {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
	ps := bot.Problems{tests[0].p, tests[1].p}
	if got, want := ps.String(), "a.yaml:3:7: bad\na.yaml:3:7: warning: odd\n"; got != want {
		t.Errorf("Problems.String() = %q, want %q", got, want)
	}
	if !ps.HasErrors() || (bot.Problems{tests[1].p}).HasErrors() {
		t.Errorf("HasErrors is wrong for %v", ps)
	}
}

// TestTextAt checks the test helper textAt, on which the position tests
// rely.
func TestTextAt(t *testing.T) {
	t.Parallel()
	src := "ab\r\ncé🍕d\n"
	tests := []struct {
		pos  bot.Pos
		want string
	}{
		{bot.Pos{Line: 1, Col: 1}, "ab"},
		{bot.Pos{Line: 1, Col: 3}, ""},
		{bot.Pos{Line: 2, Col: 3}, "🍕d"},
		{bot.Pos{Line: 2, Col: 4}, "d"},
	}
	for _, tt := range tests {
		if got := textAt(src, tt.pos); got != tt.want {
			t.Errorf("textAt(%v) = %q, want %q", tt.pos, got, tt.want)
		}
	}
	if got := textAt(src, bot.Pos{Line: 2, Col: 9}); !strings.HasPrefix(got, "<") || !utf8.ValidString(got) {
		t.Errorf("textAt past the end = %q, want a <...> note", got)
	}
}

// FuzzParse checks that Parse never panics and that every problem it
// reports points at a place in the file (or just past the end of a line).
// The seeds are the example bots and the invalid bots of testdata; each
// seed is also tried with lines removed in turn (every line of a small
// file, about 60 spread over a large one).
func FuzzParse(f *testing.F) {
	var seeds []string
	for _, pattern := range []string{"../../bots/*.yaml", "testdata/invalid/*.yaml"} {
		files, err := filepath.Glob(pattern)
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			seeds = append(seeds, string(data))
		}
	}
	for _, s := range seeds {
		f.Add(s)
		lines := strings.Split(s, "\n")
		for i := 0; i < len(lines); i += max(1, len(lines)/60) {
			f.Add(strings.Join(slices.Delete(slices.Clone(lines), i, i+1), "\n"))
		}
	}
	kinds := block.Builtin()
	f.Fuzz(func(t *testing.T, src string) {
		_, ps := bot.Parse("bot.yaml", []byte(src), kinds)
		for _, p := range ps {
			if p.Pos.Line < 1 || p.Pos.Col < 1 || strings.HasPrefix(textAt(src, p.Pos), "<") {
				t.Errorf("%s points outside the file %q", p, src)
			}
		}
	})
}
