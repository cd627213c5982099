// Package convtest runs conversation tests: files named *.test.yaml next to
// a bot, each holding conversations (user messages, expected bot messages,
// expected variables) that run through the same engine as the server.
// Outbound calls are answered only from the test's http fixtures.
package convtest

import (
	"bytes"
	"fmt"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"
)

// File is one *.test.yaml file.
type File struct {
	Path    string
	Bot     string            `yaml:"bot"`     // the bot's id
	Env     map[string]string `yaml:"env"`     // env.NAME values for every test
	Secrets map[string]string `yaml:"secrets"` // secret.NAME values for every test
	User    map[string]any    `yaml:"user"`    // what the host knows of the user
	Now     string            `yaml:"now"`     // the clock at the first message (RFC 3339); default 2026-01-05T09:00:00Z, a Monday
	HTTP    []Fixture         `yaml:"http"`    // fixtures shared by every test
	Tests   []Test            `yaml:"tests"`
}

// Test is one conversation.
type Test struct {
	Name   string         `yaml:"name"`
	Strict bool           `yaml:"strict"` // every bot message must be asserted, in order
	User   map[string]any `yaml:"user"`
	Vars   map[string]any `yaml:"vars"` // variables set before the first message
	Steps  []Step         `yaml:"steps"`
	HTTP   []Fixture      `yaml:"http"` // tried before the file's fixtures
	Line   int            `yaml:"-"`
}

// Step is one step of a conversation: exactly one field is set.
type Step struct {
	User     *string `yaml:"user"`     // the user sends a message
	Bot      *Expect `yaml:"bot"`      // the reply contains a message like this
	Expect   *Check  `yaml:"expect"`   // the conversation is in this state
	Callback any     `yaml:"callback"` // POST this JSON to the waiting wait block
	Advance  string  `yaml:"advance"`  // time passes (a Go duration): due time-outs fire
	Unpause  bool    `yaml:"unpause"`  // a human hands the conversation back
	Line     int     `yaml:"-"`
}

// Expect describes a bot message: a text (exact, or /regex/flags), or
// fields to compare.
type Expect struct {
	Text         string   `yaml:"text"`
	QuickReplies []string `yaml:"quick_replies"`
	Card         string   `yaml:"card"`     // the title of the (first) card
	Carousel     []string `yaml:"carousel"` // the titles of the cards
	Image        string   `yaml:"image"`
	Buttons      []string `yaml:"buttons"` // button titles
}

func (e *Expect) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		e.Text = n.Value
		return nil
	}
	type plain Expect
	return decodeStrict(n, (*plain)(e))
}

// Check is what an expect step checks.
type Check struct {
	Vars   map[string]any `yaml:"vars"`   // these variables have these values
	Block  string         `yaml:"block"`  // the conversation waits at this block
	Status string         `yaml:"status"` // input, call, callback, paused, ended
	Calls  []CallCheck    `yaml:"calls"`  // calls made since the last user step, in order
}

// CallCheck is a call expected to have been made.
type CallCheck struct {
	Method string `yaml:"method"`
	URL    string `yaml:"url"` // a glob: * matches anything
	Body   any    `yaml:"body"`
}

// Fixture answers outbound HTTP calls that match it.
type Fixture struct {
	Match   Match   `yaml:"match"`
	Respond Respond `yaml:"respond"`
	Line    int     `yaml:"-"`
}

// Match selects calls: method (any when empty), URL glob (* matches any
// run of characters), and a JSON body that must contain Body.
type Match struct {
	Method string `yaml:"method"`
	URL    string `yaml:"url"`
	Body   any    `yaml:"body"`
}

// Respond is the answer: a status (default 200), headers, and a JSON or
// text body; or an error class ("timeout", "network") instead of an answer.
type Respond struct {
	Status  int               `yaml:"status"`
	Headers map[string]string `yaml:"headers"`
	JSON    any               `yaml:"json"`
	Body    string            `yaml:"body"`
	Error   string            `yaml:"error"`
}

func decodeStrict(n *yaml.Node, v any) error {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	if err := enc.Encode(n); err != nil {
		return err
	}
	dec := yaml.NewDecoder(&buf)
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	return nil
}

// IsTestFile reports whether a path names a conversation test file.
func IsTestFile(path string) bool {
	return strings.HasSuffix(path, ".test.yaml") || strings.HasSuffix(path, ".test.yml")
}

// Parse reads a test file.
func Parse(path string, data []byte) (*File, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	f := &File{Path: path}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if f.Bot == "" {
		return nil, fmt.Errorf("%s: the test file names no bot (bot: ID)", path)
	}
	lines(f, &root)
	for i, t := range f.Tests {
		for j, s := range t.Steps {
			if n := s.count(); n != 1 {
				return nil, fmt.Errorf("%s:%d: a step needs exactly one of user, bot, expect, callback, advance or unpause (test %q, step %d)", path, s.Line, t.Name, j+1)
			}
		}
		if t.Name == "" {
			f.Tests[i].Name = fmt.Sprintf("test %d", i+1)
		}
	}
	return f, nil
}

func (s Step) count() int {
	n := 0
	for _, set := range []bool{s.User != nil, s.Bot != nil, s.Expect != nil, s.Callback != nil, s.Advance != "", s.Unpause} {
		if set {
			n++
		}
	}
	return n
}

// lines copies line numbers of tests, steps and fixtures from the YAML
// tree, for failure messages.
func lines(f *File, root *yaml.Node) {
	doc := root
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		doc = doc.Content[0]
	}
	get := func(m *yaml.Node, key string) *yaml.Node {
		if m == nil || m.Kind != yaml.MappingNode {
			return nil
		}
		for i := 0; i+1 < len(m.Content); i += 2 {
			if m.Content[i].Value == key {
				return m.Content[i+1]
			}
		}
		return nil
	}
	if tests := get(doc, "tests"); tests != nil {
		for i, tn := range tests.Content {
			if i >= len(f.Tests) {
				break
			}
			f.Tests[i].Line = tn.Line
			if steps := get(tn, "steps"); steps != nil {
				for j, sn := range steps.Content {
					if j < len(f.Tests[i].Steps) {
						f.Tests[i].Steps[j].Line = sn.Line
					}
				}
			}
			if hs := get(tn, "http"); hs != nil {
				for j, hn := range hs.Content {
					if j < len(f.Tests[i].HTTP) {
						f.Tests[i].HTTP[j].Line = hn.Line
					}
				}
			}
		}
	}
	if hs := get(doc, "http"); hs != nil {
		for j, hn := range hs.Content {
			if j < len(f.HTTP) {
				f.HTTP[j].Line = hn.Line
			}
		}
	}
}

// Load reads and parses a test file.
func Load(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}
