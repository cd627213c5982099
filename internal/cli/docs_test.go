package cli

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/confab/confab/internal/block"
	"github.com/confab/confab/internal/bot"
	"github.com/confab/confab/internal/convtest"
)

// docsDir is the folder of the user documentation, from this package.
const docsDir = "../../docs"

// formatDocs are the pages that document the bot format; every block kind
// and every field must appear in one of them.
var formatDocs = []string{"bot-format.md", "blocks.md"}

// docExample is one fenced ```yaml block of a Markdown file.
type docExample struct {
	file string // path of the Markdown file
	line int    // line of the opening fence
	text string
}

func (e docExample) String() string { return fmt.Sprintf("%s:%d", e.file, e.line) }

// kind says what a YAML example is, by its first line that is not blank or
// a comment: a complete bot ("confab: 1"), a conversation test file
// ("bot: ..."), or a fragment.
func (e docExample) kind() string {
	for _, l := range strings.Split(e.text, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		if i := strings.Index(l, " #"); i >= 0 {
			l = strings.TrimSpace(l[:i])
		}
		switch {
		case l == "confab: 1":
			return "bot"
		case strings.HasPrefix(l, "bot:"):
			return "test"
		}
		return "fragment"
	}
	return "fragment"
}

// mdLine is a line of a Markdown file, with whether it is inside a fenced
// code block (fences included).
type mdLine struct {
	text    string
	inFence bool
}

func readMarkdown(t *testing.T, path string) []mdLine {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []mdLine
	in := false
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	for sc.Scan() {
		l := sc.Text()
		fence := strings.HasPrefix(strings.TrimSpace(l), "```")
		out = append(out, mdLine{text: l, inFence: in || fence})
		if fence {
			in = !in
		}
	}
	return out
}

// yamlExamples returns the ```yaml blocks of every Markdown file in docs/.
// A fence may be indented (inside a list item); its indentation is removed
// from the block's lines.
func yamlExamples(t *testing.T) []docExample {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(docsDir, "*.md"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no Markdown files in %s: %v", docsDir, err)
	}
	var out []docExample
	for _, path := range paths {
		lines := readMarkdown(t, path)
		for i := 0; i < len(lines); i++ {
			trimmed := strings.TrimSpace(lines[i].text)
			if trimmed != "```yaml" {
				continue
			}
			indent := lines[i].text[:len(lines[i].text)-len(strings.TrimLeft(lines[i].text, " "))]
			ex := docExample{file: filepath.ToSlash(filepath.Join("docs", filepath.Base(path))), line: i + 1}
			var body []string
			for i++; i < len(lines) && strings.TrimSpace(lines[i].text) != "```"; i++ {
				body = append(body, strings.TrimPrefix(lines[i].text, indent))
			}
			ex.text = strings.Join(body, "\n") + "\n"
			out = append(out, ex)
		}
	}
	return out
}

// docBots parses the complete bots of the docs and returns the valid ones
// by id. With report, it fails the test for every example with an error
// (the other tests leave that to TestDocsExampleBotsValidate).
func docBots(t *testing.T, report bool) map[string]*bot.Bot {
	t.Helper()
	kinds := block.Builtin()
	dir := t.TempDir()
	bots := map[string]*bot.Bot{}
	where := map[string]docExample{}
	for _, ex := range yamlExamples(t) {
		if ex.kind() != "bot" {
			continue
		}
		path := filepath.Join(dir, fmt.Sprintf("%s-%d.yaml", strings.TrimSuffix(filepath.Base(ex.file), ".md"), ex.line))
		if err := os.WriteFile(path, []byte(ex.text), 0o600); err != nil {
			t.Fatal(err)
		}
		b, problems, err := bot.Load(path, kinds)
		if err != nil {
			t.Fatal(err)
		}
		if problems.HasErrors() || b == nil {
			if !report {
				continue
			}
			var msgs []string
			for _, p := range problems {
				if p.Severity == bot.Error {
					msgs = append(msgs, fmt.Sprintf("  %s:%d:%d: %s", ex.file, ex.line+p.Pos.Line, p.Pos.Col, p.Msg))
				}
			}
			t.Errorf("the example bot at %s does not validate:\n%s", ex, strings.Join(msgs, "\n"))
			continue
		}
		if other, dup := where[b.ID]; dup {
			if !report {
				continue
			}
			t.Errorf("the example bots at %s and %s have the same id %q; give each complete example its own id", other, ex, b.ID)
			continue
		}
		bots[b.ID], where[b.ID] = b, ex
	}
	return bots
}

// TestDocsExampleBotsValidate checks that every complete bot in the docs (a
// ```yaml block whose first line is `confab: 1`) has no errors; warnings
// are allowed.
func TestDocsExampleBotsValidate(t *testing.T) {
	t.Parallel()
	bots := docBots(t, true)
	if len(bots) < 3 {
		t.Errorf("found %d complete example bots in docs/, expected several: is the extraction broken?", len(bots))
	}
}

// TestDocsExampleBotsUseEveryField checks that the complete example bots
// use, between them, every block kind and every field of every kind, so
// that each field is shown in an example that validates.
func TestDocsExampleBotsUseEveryField(t *testing.T) {
	t.Parallel()
	kinds := block.Builtin()
	used := map[string]map[string]bool{}
	for _, b := range docBots(t, false) {
		for _, blk := range b.Blocks.List {
			if used[blk.Type] == nil {
				used[blk.Type] = map[string]bool{}
			}
			v := reflect.ValueOf(blk.Config).Elem()
			for _, f := range yamlFields(v.Type()) {
				if !v.FieldByIndex(f.index).IsZero() {
					used[blk.Type][f.name] = true
				}
			}
		}
	}
	for _, name := range kinds.KindNames() {
		if used[name] == nil {
			t.Errorf("no complete example bot in docs/ has a block of type %q; add one to the \"Every kind in one bot\" example of docs/blocks.md", name)
			continue
		}
		for _, f := range configFields(t, kinds, name) {
			if !used[name][f] {
				t.Errorf("no complete example bot in docs/ sets the field %q of a %q block; use it in the \"Every kind in one bot\" example of docs/blocks.md", f, name)
			}
		}
	}
}

// TestDocsExampleTestsPass runs the conversation test files shown in the
// docs (```yaml blocks whose first line is `bot: ID`) against the bot of
// that id: a complete example bot of the docs, or a bot of bots/.
func TestDocsExampleTestsPass(t *testing.T) {
	t.Parallel()
	kinds := block.Builtin()
	bots := docBots(t, false)
	set, err := bot.LoadSet([]string{"../../bots"}, kinds)
	if err != nil {
		t.Fatalf("loading bots/: %v\n%s", err, set.Problems)
	}
	n := 0
	for _, ex := range yamlExamples(t) {
		if ex.kind() != "test" {
			continue
		}
		n++
		f, err := convtest.Parse(ex.String(), []byte(ex.text))
		if err != nil {
			t.Errorf("the example test file at %s does not parse: %v", ex, err)
			continue
		}
		b := bots[f.Bot]
		if b == nil {
			b = set.Bots[f.Bot]
		}
		if b == nil {
			t.Errorf("the example test file at %s tests the bot %q, which is neither a complete example in docs/ nor a bot of bots/", ex, f.Bot)
			continue
		}
		for _, r := range convtest.RunFile(context.Background(), f, b, kinds) {
			if !r.Passed() {
				t.Errorf("the example test %q at %s fails (below, %s:N is line N of that example):\n%s", r.Name, ex, ex, r.Failure)
			}
		}
	}
	if n == 0 {
		t.Error("found no example test file in docs/: is the extraction broken?")
	}
}

// TestDocsCoverEveryBlockKind checks that every block kind has a section
// in docs/bot-format.md or docs/blocks.md (a heading that starts with the
// kind in backquotes) with a table row for each of its fields and a YAML
// example of a block of that type, and that the fields of the shared types
// (the top level, messages, functions, validate ...) have table rows too.
func TestDocsCoverEveryBlockKind(t *testing.T) {
	t.Parallel()
	var lines []mdLine
	for _, name := range formatDocs {
		lines = append(lines, readMarkdown(t, filepath.Join(docsDir, name))...)
	}
	kinds := block.Builtin()
	for _, name := range kinds.KindNames() {
		section := kindSection(lines, name)
		if section == nil {
			t.Errorf("block kind %q has no section in docs/%s: add a heading such as \"## `%s`\"", name, strings.Join(formatDocs, " or docs/"), name)
			continue
		}
		text := joinLines(section)
		for _, f := range configFields(t, kinds, name) {
			if !strings.Contains(text, "| `"+f+"` |") {
				t.Errorf("the field %q of block kind %q is not documented: add a row \"| `%s` | type | default | meaning |\" to the table of its section", f, name, f)
			}
		}
		if !regexp.MustCompile(`(?m)^\s*type:\s*` + regexp.QuoteMeta(name) + `\s*(#.*)?$`).MatchString(text) {
			t.Errorf("the section of block kind %q has no YAML example of a block with type: %s", name, name)
		}
	}
	all := joinLines(lines)
	for _, typ := range []reflect.Type{
		reflect.TypeFor[bot.Bot](),
		reflect.TypeFor[bot.NotUnderstood](),
		reflect.TypeFor[bot.Function](),
		reflect.TypeFor[bot.Param](),
		reflect.TypeFor[bot.Branch](),
		reflect.TypeFor[bot.Message](),
		reflect.TypeFor[bot.Choice](),
		reflect.TypeFor[bot.Button](),
		reflect.TypeFor[bot.Card](),
		reflect.TypeFor[bot.Dropdown](),
		reflect.TypeFor[bot.Validate](),
	} {
		for _, f := range yamlFields(typ) {
			if !strings.Contains(all, "| `"+f.name+"` |") {
				t.Errorf("the field %q of %s is not documented in a table of docs/%s", f.name, typ, strings.Join(formatDocs, " or docs/"))
			}
		}
	}
}

// TestDocsCoverTestFormat checks that every field of the conversation test
// format is mentioned in docs/testing.md.
func TestDocsCoverTestFormat(t *testing.T) {
	t.Parallel()
	text := joinLines(readMarkdown(t, filepath.Join(docsDir, "testing.md")))
	for _, typ := range []reflect.Type{
		reflect.TypeFor[convtest.File](),
		reflect.TypeFor[convtest.Test](),
		reflect.TypeFor[convtest.Step](),
		reflect.TypeFor[convtest.Expect](),
		reflect.TypeFor[convtest.Check](),
		reflect.TypeFor[convtest.CallCheck](),
		reflect.TypeFor[convtest.Fixture](),
		reflect.TypeFor[convtest.Match](),
		reflect.TypeFor[convtest.Respond](),
	} {
		for _, f := range yamlFields(typ) {
			if !regexp.MustCompile("`" + regexp.QuoteMeta(f.name) + "[`:]").MatchString(text) {
				t.Errorf("the field %q of %s is not documented in docs/testing.md", f.name, typ)
			}
		}
	}
}

// yamlField is a struct field that is part of a YAML format.
type yamlField struct {
	name  string
	index []int
}

// yamlFields lists the fields of a struct type that have a yaml name, as
// the bot parser reads them.
func yamlFields(t reflect.Type) []yamlField {
	var out []yamlField
	for i := range t.NumField() {
		sf := t.Field(i)
		name, _, _ := strings.Cut(sf.Tag.Get("yaml"), ",")
		if name == "" || name == "-" {
			continue
		}
		out = append(out, yamlField{name: name, index: sf.Index})
	}
	return out
}

// configFields returns the yaml field names of a block kind's config.
func configFields(t *testing.T, kinds *block.Registry, name string) []string {
	t.Helper()
	k, ok := kinds.Lookup(name)
	if !ok {
		t.Fatalf("no kind %q", name)
	}
	typ := reflect.TypeOf(k.NewConfig())
	if typ.Kind() != reflect.Pointer || typ.Elem().Kind() != reflect.Struct {
		t.Fatalf("the config of kind %q is a %s, not a pointer to a struct", name, typ)
	}
	var out []string
	for _, f := range yamlFields(typ.Elem()) {
		out = append(out, f.name)
	}
	sort.Strings(out)
	return out
}

// kindSection returns the lines of the section whose heading starts with
// the kind's name in backquotes, up to the next heading of the same or a
// higher level; nil when there is none.
func kindSection(lines []mdLine, kind string) []mdLine {
	head := regexp.MustCompile("^(#+)\\s+`" + regexp.QuoteMeta(kind) + "`(\\s|$)")
	for i, l := range lines {
		m := head.FindStringSubmatch(l.text)
		if l.inFence || m == nil {
			continue
		}
		level := len(m[1])
		end := len(lines)
		for j := i + 1; j < len(lines); j++ {
			if lines[j].inFence {
				continue
			}
			if n := headingLevel(lines[j].text); n > 0 && n <= level {
				end = j
				break
			}
		}
		return lines[i:end]
	}
	return nil
}

// headingLevel returns the level of a Markdown heading line, or 0.
func headingLevel(s string) int {
	n := len(s) - len(strings.TrimLeft(s, "#"))
	if n == 0 || n > 6 || (len(s) > n && s[n] != ' ') {
		return 0
	}
	return n
}

func joinLines(ls []mdLine) string {
	var b strings.Builder
	for _, l := range ls {
		b.WriteString(l.text)
		b.WriteByte('\n')
	}
	return b.String()
}
