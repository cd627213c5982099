package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/confab/confab/internal/flow"
)

// renderer prints bot messages for a terminal. Choices (quick replies,
// drop-down options, postback buttons) are numbered across one reply so
// that typing the number picks one.
type renderer struct {
	w       io.Writer
	pretty  bool // a person at a terminal: prompts and indented rich parts
	choices []flow.QuickReply
}

func (r *renderer) startReply() { r.choices = r.choices[:0] }

func (r *renderer) choice(q flow.QuickReply) string {
	r.choices = append(r.choices, q)
	return fmt.Sprintf("%d) %s", len(r.choices), q.Title)
}

// pick returns the payload of choice n (1-based), if there is one.
func (r *renderer) pick(text string) (string, bool) {
	var n int
	if _, err := fmt.Sscanf(strings.TrimSpace(text), "%d", &n); err != nil || fmt.Sprint(n) != strings.TrimSpace(text) {
		return "", false
	}
	if n < 1 || n > len(r.choices) {
		return "", false
	}
	return r.choices[n-1].Payload, true
}

func (r *renderer) buttons(bs []flow.Button) []string {
	var out []string
	for _, b := range bs {
		switch {
		case b.URL != "":
			out = append(out, fmt.Sprintf("[%s → %s]", b.Title, b.URL))
		case b.Webview != "":
			out = append(out, fmt.Sprintf("[%s ⧉ %s]", b.Title, b.Webview))
		default:
			out = append(out, "["+r.choice(flow.QuickReply{Title: b.Title, Payload: b.Payload})+"]")
		}
	}
	return out
}

// message prints one message: on one line when not pretty, else the text
// and then indented lines for its rich parts.
func (r *renderer) message(m flow.Message) {
	var lines []string
	if m.Text != "" {
		lines = append(lines, m.Text)
	}
	if m.Image != "" {
		lines = append(lines, "[image] "+m.Image)
	}
	if m.Gif != "" {
		lines = append(lines, "[gif] "+m.Gif)
	}
	for i, c := range m.Cards {
		head := "[card] "
		if m.Carousel {
			head = fmt.Sprintf("[card %d/%d] ", i+1, len(m.Cards))
		}
		line := head + c.Title
		if c.Subtitle != "" {
			line += " — " + c.Subtitle
		}
		if c.Image != "" {
			line += " (image: " + c.Image + ")"
		}
		if c.URL != "" {
			line += " → " + c.URL
		}
		lines = append(lines, line)
		if bs := r.buttons(c.Buttons); len(bs) > 0 {
			lines = append(lines, "  "+strings.Join(bs, "  "))
		}
	}
	if bs := r.buttons(m.Buttons); len(bs) > 0 {
		lines = append(lines, strings.Join(bs, "  "))
	}
	if m.Dropdown != nil {
		opts := make([]string, len(m.Dropdown.Options))
		for i, o := range m.Dropdown.Options {
			opts[i] = r.choice(o)
		}
		head := "[choose]"
		if m.Dropdown.Placeholder != "" {
			head = "[" + m.Dropdown.Placeholder + "]"
		}
		lines = append(lines, head+" "+strings.Join(opts, "  "))
	}
	if len(m.QuickReplies) > 0 {
		qs := make([]string, len(m.QuickReplies))
		for i, q := range m.QuickReplies {
			qs[i] = r.choice(q)
		}
		if r.pretty {
			lines = append(lines, strings.Join(qs, "   "))
		} else {
			lines = append(lines, "["+strings.Join(qs, " | ")+"]")
		}
	}
	if !r.pretty {
		fmt.Fprintln(r.w, strings.Join(lines, " "))
		return
	}
	for i, l := range lines {
		prefix := "     "
		if i == 0 {
			prefix = "bot> "
		}
		fmt.Fprintln(r.w, prefix+strings.ReplaceAll(l, "\n", "\n     "))
	}
}
