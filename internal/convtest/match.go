package convtest

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"strings"

	"github.com/confab/confab/internal/flow"
)

// textMatcher matches a text exactly, or by a regular expression written
// /pattern/flags (flags i, m, s).
type textMatcher struct {
	exact string
	re    *regexp.Regexp
}

func newTextMatcher(s string) (textMatcher, error) {
	if len(s) >= 2 && s[0] == '/' {
		if end := strings.LastIndexByte(s, '/'); end > 0 {
			flags := s[end+1:]
			if strings.Trim(flags, "ims") == "" {
				pat := s[1:end]
				if flags != "" {
					pat = "(?" + flags + ")" + pat
				}
				re, err := regexp.Compile(pat)
				if err != nil {
					return textMatcher{}, fmt.Errorf("bad regular expression %s: %v", s, err)
				}
				return textMatcher{re: re}, nil
			}
		}
	}
	return textMatcher{exact: s}, nil
}

func (m textMatcher) match(s string) bool {
	if m.re != nil {
		return m.re.MatchString(s)
	}
	return strings.TrimSpace(m.exact) == strings.TrimSpace(s)
}

// Display is how a message reads in failure reports and in the terminal:
// its text, or "[card] title", "[carousel] a | b", "[image] url", followed
// by quick replies and buttons in brackets.
func Display(m flow.Message) string {
	var parts []string
	if m.Text != "" {
		parts = append(parts, m.Text)
	}
	if m.Image != "" {
		parts = append(parts, "[image] "+m.Image)
	}
	if m.Gif != "" {
		parts = append(parts, "[gif] "+m.Gif)
	}
	if len(m.Cards) > 0 {
		titles := make([]string, len(m.Cards))
		for i, c := range m.Cards {
			titles[i] = c.Title
		}
		kind := "[card] "
		if m.Carousel {
			kind = "[carousel] "
		}
		parts = append(parts, kind+strings.Join(titles, " | "))
	}
	if m.Dropdown != nil {
		parts = append(parts, "[dropdown] "+titlesOf(m.Dropdown.Options))
	}
	if len(m.QuickReplies) > 0 {
		parts = append(parts, "["+titlesOf(m.QuickReplies)+"]")
	}
	if len(m.Buttons) > 0 {
		bs := make([]string, len(m.Buttons))
		for i, b := range m.Buttons {
			bs[i] = b.Title
		}
		parts = append(parts, "[buttons: "+strings.Join(bs, " | ")+"]")
	}
	return strings.Join(parts, " ")
}

func titlesOf(qs []flow.QuickReply) string {
	ts := make([]string, len(qs))
	for i, q := range qs {
		ts[i] = q.Title
	}
	return strings.Join(ts, " | ")
}

// matches reports whether a bot message is what e describes. A plain text
// expectation is compared with the message's text, or, for a message
// without text, with its card title or image URL.
func (e *Expect) matches(m flow.Message) (bool, error) {
	if e.Text != "" {
		tm, err := newTextMatcher(e.Text)
		if err != nil {
			return false, err
		}
		subject := m.Text
		if subject == "" && len(m.Cards) > 0 {
			subject = m.Cards[0].Title
		}
		if subject == "" {
			subject = m.Image + m.Gif
		}
		if !tm.match(subject) {
			return false, nil
		}
	}
	if e.QuickReplies != nil && !equalStrings(e.QuickReplies, titles(m.QuickReplies)) {
		return false, nil
	}
	if e.Card != "" && (len(m.Cards) == 0 || m.Cards[0].Title != e.Card) {
		return false, nil
	}
	if e.Carousel != nil {
		var ts []string
		for _, c := range m.Cards {
			ts = append(ts, c.Title)
		}
		if !m.Carousel || !equalStrings(e.Carousel, ts) {
			return false, nil
		}
	}
	if e.Image != "" && m.Image != e.Image {
		return false, nil
	}
	if e.Buttons != nil {
		var ts []string
		for _, b := range m.Buttons {
			ts = append(ts, b.Title)
		}
		for _, c := range m.Cards {
			for _, b := range c.Buttons {
				ts = append(ts, b.Title)
			}
		}
		if !equalStrings(e.Buttons, ts) {
			return false, nil
		}
	}
	return true, nil
}

func titles(qs []flow.QuickReply) []string {
	out := make([]string, len(qs))
	for i, q := range qs {
		out[i] = q.Title
	}
	return out
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// String describes the expectation for failure reports.
func (e *Expect) String() string {
	var parts []string
	if e.Text != "" {
		parts = append(parts, fmt.Sprintf("%q", e.Text))
	}
	if e.QuickReplies != nil {
		parts = append(parts, "quick replies ["+strings.Join(e.QuickReplies, " | ")+"]")
	}
	if e.Card != "" {
		parts = append(parts, "card "+fmt.Sprintf("%q", e.Card))
	}
	if e.Carousel != nil {
		parts = append(parts, "carousel ["+strings.Join(e.Carousel, " | ")+"]")
	}
	if e.Image != "" {
		parts = append(parts, "image "+e.Image)
	}
	if e.Buttons != nil {
		parts = append(parts, "buttons ["+strings.Join(e.Buttons, " | ")+"]")
	}
	return strings.Join(parts, ", ")
}

// normalize makes YAML and JSON values comparable: every number becomes a
// float64, maps map[string]any, lists []any.
func normalize(v any) any {
	data, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	if json.Unmarshal(data, &out) != nil {
		return v
	}
	return out
}

// valueMatches compares a variable with an expected value: a string
// written /regex/flags matches the variable's text, a mapping matches a
// map that holds its keys with matching values, anything else must be
// equal (numbers compare as numbers).
func valueMatches(have, want any) bool {
	have, want = normalize(have), normalize(want)
	if s, ok := want.(string); ok && strings.HasPrefix(s, "/") {
		if tm, err := newTextMatcher(s); err == nil && tm.re != nil {
			return have != nil && tm.match(flow.Stringify(have))
		}
	}
	return containsValue(have, want)
}

// contains reports whether have holds want: maps by their keys (recursively),
// everything else by equality.
func containsValue(have, want any) bool {
	wm, ok := want.(map[string]any)
	if !ok {
		return reflect.DeepEqual(have, want)
	}
	hm, ok := have.(map[string]any)
	if !ok {
		return false
	}
	for k, w := range wm {
		if h, ok := hm[k]; !ok || !containsValue(h, w) {
			return false
		}
	}
	return true
}

// glob matches s against a pattern in which * matches any run of
// characters (slashes included) and every other character itself.
func glob(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return strings.HasSuffix(s, parts[len(parts)-1])
}
