// Package apichannel speaks the API channel's wire format (seed 003):
// messages come in as {channelID, token, message, userID?, attachments?}
// and bot replies go out to the channel's webhook as {channelID, message,
// userID, timestamp, quickReplies?, attachments?, adminID?}, plus a `rich`
// field carrying cards, buttons, carousels and drop-downs as structured
// JSON.
package apichannel

import (
	"encoding/json"
	"time"
	"unicode/utf8"

	"github.com/confab/confab/internal/flow"
)

// Reply is the webhook body of one bot (or agent) message.
type Reply struct {
	ChannelID    string       `json:"channelID"`
	Message      string       `json:"message"`
	UserID       int64        `json:"userID"`
	SenderID     string       `json:"senderID,omitempty"`
	Timestamp    int64        `json:"timestamp"`
	QuickReplies []string     `json:"quickReplies,omitempty"`
	Attachments  []Attachment `json:"attachments,omitempty"`
	AdminID      *int64       `json:"adminID,omitempty"`
	Rich         *Rich        `json:"rich,omitempty"`
}

// Attachment places a file at an offset (in characters) of the message.
type Attachment struct {
	Offset int    `json:"offset"`
	URL    string `json:"url"`
}

// Rich carries what the seed's flat fields cannot: buttons, cards (a
// carousel when there are several), a drop-down, and the quick replies with
// their payloads.
type Rich struct {
	Buttons      []flow.Button     `json:"buttons,omitempty"`
	Cards        []flow.Card       `json:"cards,omitempty"`
	Carousel     bool              `json:"carousel,omitempty"`
	Dropdown     *flow.Dropdown    `json:"dropdown,omitempty"`
	QuickReplies []flow.QuickReply `json:"quickReplies,omitempty"`
}

// Text is the plain text of a message for the seed's message field: its
// text, else the titles of its cards, else nothing (an image alone travels
// as an attachment).
func Text(m flow.Message) string {
	if m.Text != "" {
		return m.Text
	}
	if len(m.Cards) > 0 {
		s := m.Cards[0].Title
		for _, c := range m.Cards[1:] {
			s += " | " + c.Title
		}
		return s
	}
	if m.Dropdown != nil {
		return m.Dropdown.Placeholder
	}
	return ""
}

// NewReply builds the webhook body of a bot message.
func NewReply(channelID string, userID int64, senderID string, m flow.Message, at time.Time) Reply {
	r := Reply{ChannelID: channelID, Message: Text(m), UserID: userID, SenderID: senderID, Timestamp: at.UnixMilli()}
	for _, q := range m.QuickReplies {
		r.QuickReplies = append(r.QuickReplies, q.Title)
	}
	offset := utf8.RuneCountInString(r.Message)
	for _, u := range []string{m.Image, m.Gif} {
		if u != "" {
			r.Attachments = append(r.Attachments, Attachment{Offset: offset, URL: u})
		}
	}
	if len(m.Buttons) > 0 || len(m.Cards) > 0 || m.Dropdown != nil || hasPayloads(m.QuickReplies) {
		r.Rich = &Rich{Buttons: m.Buttons, Cards: m.Cards, Carousel: m.Carousel, Dropdown: m.Dropdown}
		if hasPayloads(m.QuickReplies) {
			r.Rich.QuickReplies = m.QuickReplies
		}
	}
	return r
}

func hasPayloads(qs []flow.QuickReply) bool {
	for _, q := range qs {
		if q.Payload != q.Title {
			return true
		}
	}
	return false
}

// JSON encodes a reply.
func (r Reply) JSON() []byte {
	data, err := json.Marshal(r)
	if err != nil {
		panic("apichannel: " + err.Error()) // only plain types: cannot fail
	}
	return data
}
