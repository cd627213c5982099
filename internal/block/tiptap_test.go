package block_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/confab/confab/internal/block"
)

func TestTipTapText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		doc  string
		want string
	}{
		{
			name: "paragraphs",
			doc: `{"type": "doc", "content": [
				{"type": "paragraph", "content": [{"type": "text", "text": "Hello"}, {"type": "text", "text": " there."}]},
				{"type": "paragraph", "content": [{"type": "text", "text": "Second."}]}
			]}`,
			want: "Hello there.\nSecond.",
		},
		{
			name: "a heading and marks other than links",
			doc: `{"type": "doc", "content": [
				{"type": "heading", "attrs": {"level": 2}, "content": [{"type": "text", "text": "Your order"}]},
				{"type": "paragraph", "content": [{"type": "text", "text": "is late", "marks": [{"type": "bold"}]}]}
			]}`,
			want: "Your order\nis late",
		},
		{
			name: "hard breaks",
			doc: `{"type": "doc", "content": [
				{"type": "paragraph", "content": [
					{"type": "text", "text": "Line one"}, {"type": "hardBreak"}, {"type": "text", "text": "Line two"}
				]}
			]}`,
			want: "Line one\nLine two",
		},
		{
			name: "a bullet list",
			doc: `{"type": "doc", "content": [
				{"type": "paragraph", "content": [{"type": "text", "text": "You can:"}]},
				{"type": "bulletList", "content": [
					{"type": "listItem", "content": [{"type": "paragraph", "content": [{"type": "text", "text": "track"}]}]},
					{"type": "listItem", "content": [{"type": "paragraph", "content": [{"type": "text", "text": "cancel"}]}]}
				]}
			]}`,
			want: "You can:\n- track\n- cancel",
		},
		{
			name: "an ordered list",
			doc: `{"type": "doc", "content": [
				{"type": "orderedList", "content": [
					{"type": "listItem", "content": [{"type": "paragraph", "content": [{"type": "text", "text": "Pay"}]}]},
					{"type": "listItem", "content": [{"type": "paragraph", "content": [{"type": "text", "text": "Eat"}]}]}
				]}
			]}`,
			want: "1. Pay\n2. Eat",
		},
		{
			name: "a nested list",
			doc: `{"type": "doc", "content": [
				{"type": "bulletList", "content": [
					{"type": "listItem", "content": [
						{"type": "paragraph", "content": [{"type": "text", "text": "Pizza"}]},
						{"type": "orderedList", "content": [
							{"type": "listItem", "content": [{"type": "paragraph", "content": [{"type": "text", "text": "Margherita"}]}]}
						]}
					]}
				]}
			]}`,
			want: "- Pizza\n  1. Margherita",
		},
		{
			name: "links",
			doc: `{"type": "doc", "content": [
				{"type": "paragraph", "content": [
					{"type": "text", "text": "See "},
					{"type": "text", "text": "the tracker", "marks": [{"type": "bold"}, {"type": "link", "attrs": {"href": "https://pizza.example/t"}}]},
					{"type": "text", "text": " or "},
					{"type": "text", "text": "https://pizza.example", "marks": [{"type": "link", "attrs": {"href": "https://pizza.example"}}]}
				]}
			]}`,
			want: "See the tracker (https://pizza.example/t) or https://pizza.example",
		},
		{
			name: "empty",
			doc:  `{"type": "doc", "content": [{"type": "paragraph"}]}`,
			want: "",
		},
		{
			name: "unknown nodes keep their text",
			doc:  `{"type": "doc", "content": [{"type": "callout", "content": [{"type": "text", "text": "Note"}]}, "junk", 5]}`,
			want: "Note",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc, _ := jsonValue(t, []byte(tt.doc)).(map[string]any)
			if got := block.TipTapText(doc); got != tt.want {
				t.Errorf("TipTapText = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestTipTapHTML(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		doc  string
		want string
	}{
		{
			name: "paragraphs, a heading and marks",
			doc: `{"type": "doc", "content": [
				{"type": "heading", "attrs": {"level": 3}, "content": [{"type": "text", "text": "Your order"}]},
				{"type": "paragraph", "content": [
					{"type": "text", "text": "is "},
					{"type": "text", "text": "late", "marks": [{"type": "bold"}, {"type": "italic"}]},
					{"type": "hardBreak"},
					{"type": "text", "text": "sorry", "marks": [{"type": "strike"}, {"type": "underline"}, {"type": "code"}, {"type": "sparkle"}]}
				]},
				{"type": "horizontalRule"}
			]}`,
			want: `<h3>Your order</h3><p>is <strong><em>late</em></strong><br><s><u><code>sorry</code></u></s></p><hr>`,
		},
		{
			name: "lists, a quote and code",
			doc: `{"type": "doc", "content": [
				{"type": "bulletList", "content": [
					{"type": "listItem", "content": [{"type": "paragraph", "content": [{"type": "text", "text": "track"}]}]}
				]},
				{"type": "orderedList", "content": [
					{"type": "listItem", "content": [{"type": "paragraph", "content": [{"type": "text", "text": "pay"}]}]}
				]},
				{"type": "blockquote", "content": [{"type": "paragraph", "content": [{"type": "text", "text": "quoted"}]}]},
				{"type": "codeBlock", "content": [{"type": "text", "text": "if a < b {}"}]}
			]}`,
			want: `<ul><li><p>track</p></li></ul><ol><li><p>pay</p></li></ol><blockquote><p>quoted</p></blockquote><pre><code>if a &lt; b {}</code></pre>`,
		},
		{
			name: "safe links",
			doc: `{"type": "doc", "content": [{"type": "paragraph", "content": [
				{"type": "text", "text": "web", "marks": [{"type": "link", "attrs": {"href": "https://pizza.example/t?a=1&b=\"2\""}}, {"type": "bold"}]},
				{"type": "text", "text": "mail", "marks": [{"type": "link", "attrs": {"href": "mailto:help@pizza.example"}}]},
				{"type": "text", "text": "call", "marks": [{"type": "link", "attrs": {"href": "TEL:+4930123"}}]}
			]}]}`,
			want: `<p><a href="https://pizza.example/t?a=1&amp;b=&#34;2&#34;" rel="noopener noreferrer nofollow" target="_blank"><strong>web</strong></a>` +
				`<a href="mailto:help@pizza.example" rel="noopener noreferrer nofollow" target="_blank">mail</a>` +
				`<a href="TEL:+4930123" rel="noopener noreferrer nofollow" target="_blank">call</a></p>`,
		},
		{
			name: "unknown nodes keep their escaped text, the rest is dropped",
			doc: `{"type": "doc", "content": [
				{"type": "image", "attrs": {"src": "https://evil.example/x.png", "onerror": "alert(1)"}},
				{"type": "callout", "content": [{"type": "text", "text": "Note"}]}, "junk", 5,
				{"type": "heading", "attrs": {"level": "1 onclick=alert(1)"}, "content": [{"type": "text", "text": "h"}]},
				{"type": "heading", "attrs": {"level": 9}, "content": [{"type": "text", "text": "h9"}]}
			]}`,
			want: `Note<h2>h</h2><h2>h9</h2>`,
		},
		{
			name: "empty",
			doc:  `{"type": "doc", "content": [{"type": "paragraph"}]}`,
			want: `<p></p>`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc, _ := jsonValue(t, []byte(tt.doc)).(map[string]any)
			if got := block.TipTapHTML(doc); got != tt.want {
				t.Errorf("TipTapHTML =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

// TestTipTapHTMLIsSafeWithHostileContent renders documents written to
// inject markup or script: no text may open an element, no attribute may
// break out of its quotes, and no link may have a scheme other than http,
// https, mailto or tel.
func TestTipTapHTMLIsSafeWithHostileContent(t *testing.T) {
	t.Parallel()
	texts := []string{
		`<script>alert(1)</script>`,
		`"><img src=x onerror=alert(1)>`,
		`'><svg onload=alert(1)>`,
		`</p><iframe src="javascript:alert(1)"></iframe>`,
		`&lt;script&gt;`,
		"<a href='https://evil.example'>x</a>",
		"\u003cscript\u003e",
		`<!-- comment --><style>body{display:none}</style>`,
	}
	hrefs := []struct {
		href   string
		linked bool
	}{
		{`javascript:alert(1)`, false},
		{`JaVaScRiPt:alert(1)`, false},
		{` javascript:alert(1)`, false},
		{"java\tscript:alert(1)", false},
		{"java\nscript:alert(1)", false},
		{`javascript&colon;alert(1)`, false},
		{`data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==`, false},
		{`vbscript:msgbox(1)`, false},
		{`file:///etc/passwd`, false},
		{`//evil.example/x`, false},
		{`/relative`, false},
		{`https:alert(1)`, false},
		{`http://`, false},
		{``, false},
		{`https://ok.example/" onmouseover="alert(1)`, true},
		{`https://ok.example/<script>`, true},
		{`mailto:a@b.example?subject="><script>`, true},
	}
	for _, text := range texts {
		for _, h := range hrefs {
			doc := map[string]any{"type": "doc", "content": []any{
				map[string]any{"type": "paragraph", "content": []any{
					map[string]any{"type": "text", "text": text, "marks": []any{
						map[string]any{"type": "link", "attrs": map[string]any{"href": h.href}},
						map[string]any{"type": "bold"},
					}},
				}},
				map[string]any{"type": "<script>", "content": []any{map[string]any{"type": "text", "text": text}}},
			}}
			got := block.TipTapHTML(doc)
			for _, tag := range tagsIn(got) {
				switch tag {
				case "p", "/p", "strong", "/strong", "/a":
				default:
					href, ok := strings.CutPrefix(tag, `a href="`)
					href, ok2 := strings.CutSuffix(href, `" rel="noopener noreferrer nofollow" target="_blank"`)
					switch {
					case !ok || !ok2 || strings.ContainsAny(href, `"<>`):
						t.Errorf("text %q with href %q made the element <%s>:\n%s", text, h.href, tag, got)
					case !h.linked:
						t.Errorf("href %q became a link:\n%s", h.href, got)
					case !safePrefix.MatchString(href):
						t.Errorf("href %q became a link to %q", h.href, href)
					}
				}
			}
			if h.linked && !strings.Contains(got, `<a href="`) {
				t.Errorf("href %q is safe but was not linked:\n%s", h.href, got)
			}
		}
	}
}

var safePrefix = regexp.MustCompile(`^(?i)(https?://[^/]|mailto:|tel:)`)

// tagsIn returns what is inside the tags of an HTML text ("a href=...",
// "/a"): from each "<" to the next ">".
func tagsIn(s string) []string {
	var out []string
	for {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			return out
		}
		j := strings.IndexByte(s[i:], '>')
		if j < 0 {
			return append(out, s[i+1:])
		}
		out = append(out, s[i+1:i+j])
		s = s[i+j+1:]
	}
}
