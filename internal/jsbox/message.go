package jsbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/confab/confab/internal/flow"
)

// richMessage is a message object a script says, in the shape (and with
// the field names) of a message in a bot file: text, quick_replies,
// buttons, image, gif, card, carousel, dropdown. Its strings are sent as
// they are: they are not templates.
type richMessage struct {
	Text         *string   `json:"text"`
	QuickReplies []choice  `json:"quick_replies"`
	Buttons      []button  `json:"buttons"`
	Image        *string   `json:"image"`
	Gif          *string   `json:"gif"`
	Card         *card     `json:"card"`
	Carousel     []card    `json:"carousel"`
	Dropdown     *dropdown `json:"dropdown"`
}

// choice is a quick reply or a drop-down option: a string (the title,
// also sent back) or {title, payload}.
type choice flow.QuickReply

func (c *choice) UnmarshalJSON(data []byte) error {
	var s string
	if json.Unmarshal(data, &s) == nil {
		*c = choice{Title: s, Payload: s}
		return nil
	}
	var v struct {
		Title   string `json:"title"`
		Payload string `json:"payload"`
	}
	if err := strict(data, &v); err != nil {
		return err
	}
	if v.Title == "" {
		return errors.New("a choice needs a title")
	}
	if v.Payload == "" {
		v.Payload = v.Title
	}
	*c = choice{Title: v.Title, Payload: v.Payload}
	return nil
}

type button flow.Button

func (b *button) UnmarshalJSON(data []byte) error {
	var v flow.Button
	if err := strict(data, &v); err != nil {
		return err
	}
	if v.Title == "" {
		return errors.New("a button needs a title")
	}
	n := 0
	for _, s := range []string{v.Payload, v.URL, v.Webview} {
		if s != "" {
			n++
		}
	}
	if n != 1 {
		return errors.New("a button needs exactly one of payload, url or webview")
	}
	*b = button(v)
	return nil
}

type card struct {
	Title    string   `json:"title"`
	Subtitle string   `json:"subtitle"`
	Image    string   `json:"image"`
	URL      string   `json:"url"`
	Buttons  []button `json:"buttons"`
}

type dropdown struct {
	Placeholder string   `json:"placeholder"`
	Options     []choice `json:"options"`
}

// strict decodes JSON refusing unknown fields.
func strict(data []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return errors.New(strings.TrimPrefix(err.Error(), "json: "))
	}
	return nil
}

// decodeMessage reads a rich message with the checks a bot file's
// messages get: something to show, quick replies only with a text, every
// card with a title.
func decodeMessage(data []byte) (flow.Message, error) {
	var rm richMessage
	if err := strict(data, &rm); err != nil {
		return flow.Message{}, err
	}
	var m flow.Message
	if rm.Text != nil {
		m.Text = *rm.Text
	}
	if rm.Image != nil {
		m.Image = *rm.Image
	}
	if rm.Gif != nil {
		m.Gif = *rm.Gif
	}
	if m.Text == "" && m.Image == "" && m.Gif == "" && rm.Card == nil && len(rm.Carousel) == 0 && rm.Dropdown == nil {
		return flow.Message{}, errors.New("a message needs text, image, gif, card, carousel or dropdown")
	}
	if len(rm.QuickReplies) > 0 && m.Text == "" {
		return flow.Message{}, errors.New("quick_replies need a text to go with")
	}
	if rm.Card != nil && len(rm.Carousel) > 0 {
		return flow.Message{}, errors.New("a message has either a card or a carousel")
	}
	for _, c := range rm.QuickReplies {
		m.QuickReplies = append(m.QuickReplies, flow.QuickReply(c))
	}
	for _, b := range rm.Buttons {
		m.Buttons = append(m.Buttons, flow.Button(b))
	}
	cards := rm.Carousel
	if rm.Card != nil {
		cards = []card{*rm.Card}
	} else {
		m.Carousel = len(cards) > 0
	}
	for i, c := range cards {
		if c.Title == "" {
			return flow.Message{}, fmt.Errorf("card %d needs a title", i+1)
		}
		fc := flow.Card{Title: c.Title, Subtitle: c.Subtitle, Image: c.Image, URL: c.URL}
		for _, b := range c.Buttons {
			fc.Buttons = append(fc.Buttons, flow.Button(b))
		}
		m.Cards = append(m.Cards, fc)
	}
	if rm.Dropdown != nil {
		if len(rm.Dropdown.Options) == 0 {
			return flow.Message{}, errors.New("a dropdown needs options")
		}
		d := &flow.Dropdown{Placeholder: rm.Dropdown.Placeholder}
		for _, o := range rm.Dropdown.Options {
			d.Options = append(d.Options, flow.QuickReply(o))
		}
		m.Dropdown = d
	}
	return m, nil
}
