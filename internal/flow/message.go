package flow

// Message is a bot message with its templates filled in, ready for a
// channel to render. Exactly the fields that were set in the bot file are
// non-empty.
type Message struct {
	Text string `json:"text,omitempty"`
	// HTML is Text as safe HTML, set only for channels that show HTML
	// (the web widget) when a call answered with a rich document (a TipTap
	// message of a custom action or function). Text is always set too.
	HTML         string       `json:"html,omitempty"`
	QuickReplies []QuickReply `json:"quickReplies,omitempty"`
	Buttons      []Button     `json:"buttons,omitempty"`
	Image        string       `json:"image,omitempty"`
	Gif          string       `json:"gif,omitempty"`
	Cards        []Card       `json:"cards,omitempty"`
	Carousel     bool         `json:"carousel,omitempty"` // Cards are a carousel rather than one card
	Dropdown     *Dropdown    `json:"dropdown,omitempty"`
}

// QuickReply is a reply offered to the user. Payload is what comes back
// when it is picked (the title when the bot gave no payload).
type QuickReply struct {
	Title   string `json:"title"`
	Payload string `json:"payload"`
}

// Button is a postback (Payload), link (URL) or web view (Webview) button.
type Button struct {
	Title   string `json:"title"`
	Payload string `json:"payload,omitempty"`
	URL     string `json:"url,omitempty"`
	Webview string `json:"webview,omitempty"`
}

// Card is a title with an optional subtitle, image, link and buttons.
type Card struct {
	Title    string   `json:"title"`
	Subtitle string   `json:"subtitle,omitempty"`
	Image    string   `json:"image,omitempty"`
	URL      string   `json:"url,omitempty"`
	Buttons  []Button `json:"buttons,omitempty"`
}

// Dropdown is a list of options to pick one from.
type Dropdown struct {
	Placeholder string       `json:"placeholder,omitempty"`
	Options     []QuickReply `json:"options"`
}

// Choices returns what the user can pick from this message, in order:
// quick replies, then drop-down options, then postback buttons (of the text
// and of the cards). Terminals number them so that typing a number picks
// one.
func (m *Message) Choices() []QuickReply {
	var out []QuickReply
	out = append(out, m.QuickReplies...)
	if m.Dropdown != nil {
		out = append(out, m.Dropdown.Options...)
	}
	for _, b := range m.Buttons {
		if b.Payload != "" {
			out = append(out, QuickReply{Title: b.Title, Payload: b.Payload})
		}
	}
	for _, c := range m.Cards {
		for _, b := range c.Buttons {
			if b.Payload != "" {
				out = append(out, QuickReply{Title: b.Title, Payload: b.Payload})
			}
		}
	}
	return out
}
