package bot

import (
	"reflect"

	"go.yaml.in/yaml/v3"
)

// Message is one message a bot sends: text (with templates), quick replies,
// buttons, an image or gif, a card, a carousel of cards, or a drop-down.
// A plain string is a text message.
type Message struct {
	Text         *Template `yaml:"text" doc:"The text; {{ }} templates are filled in."`
	QuickReplies []Choice  `yaml:"quick_replies" doc:"Replies offered to the user; picking one sends its payload (or its title)."`
	Buttons      []Button  `yaml:"buttons" doc:"Buttons under the text: postback (payload), link (url) or web view (webview)."`
	Image        *Template `yaml:"image" doc:"URL of an image to show."`
	Gif          *Template `yaml:"gif" doc:"URL of an animated gif to show."`
	Card         *Card     `yaml:"card" doc:"One card: title, subtitle, image, buttons."`
	Carousel     []Card    `yaml:"carousel" doc:"Cards shown side by side."`
	Dropdown     *Dropdown `yaml:"dropdown" doc:"A drop-down list of options; picking one sends its payload (or its title)."`
	Pos          Pos
}

// messageFields has Message's fields without its decoding method, so that
// decodeNode can decode the mapping form field by field.
type messageFields Message

func (m *Message) decodeNode(d *decoder, n *yaml.Node) {
	m.Pos = posOf(n)
	if n.Kind == yaml.ScalarNode {
		m.Text = &Template{}
		m.Text.decodeNode(d, n)
		return
	}
	if k, v, ok := textWithColon(n); ok {
		d.errorf(k, "unknown field %q in a message; if %q is the text to send, put it in quotes", k.Value, k.Value+": "+v.Value)
		return
	}
	d.decodeStruct(n, structValue((*messageFields)(m)), "a message")
	if n.Kind != yaml.MappingNode {
		return
	}
	if m.Text == nil && m.Card == nil && m.Carousel == nil && m.Image == nil && m.Gif == nil && m.Dropdown == nil {
		d.errorf(n, "a message needs text, image, gif, card, carousel or dropdown")
	}
	if len(m.QuickReplies) > 0 && m.Text == nil {
		d.errorf(n, "quick_replies need a text to go with")
	}
}

// textWithColon reports whether n is a mapping of one key to a text where
// the key is nothing like a message field: most likely a text holding ": "
// written without quotes (- Note: we are closed today).
func textWithColon(n *yaml.Node) (key, value *yaml.Node, ok bool) {
	if n.Kind != yaml.MappingNode || len(n.Content) != 2 {
		return nil, nil, false
	}
	key, value = resolve(n.Content[0]), resolve(n.Content[1])
	if key.Kind != yaml.ScalarNode || value.Kind != yaml.ScalarNode || isNull(value) {
		return nil, nil, false
	}
	names := fieldNames(fieldsOf(reflect.TypeFor[messageFields]()))
	if contains(names, key.Value) || suggest(key.Value, names) != "" {
		return nil, nil, false
	}
	return key, value, true
}

// Choice is a quick reply or a drop-down option. A plain string is both the
// title shown and the text sent back.
type Choice struct {
	Title   *Template `yaml:"title" required:"true" doc:"What the user sees."`
	Payload *Template `yaml:"payload" doc:"What is sent back when picked; the title when omitted."`
	Pos     Pos
}

type choiceFields Choice

func (c *Choice) decodeNode(d *decoder, n *yaml.Node) {
	c.Pos = posOf(n)
	if n.Kind == yaml.ScalarNode {
		c.Title = &Template{}
		c.Title.decodeNode(d, n)
		return
	}
	d.decodeStruct(n, structValue((*choiceFields)(c)), "a choice")
}

// Button is a postback button (payload), a link (url) or a web view
// (webview): exactly one of the three.
type Button struct {
	Title   *Template `yaml:"title" required:"true" doc:"The button's label."`
	Payload *Template `yaml:"payload" doc:"Sent back as the user's message when pressed."`
	URL     *Template `yaml:"url" doc:"A link opened in a new window."`
	Webview *Template `yaml:"webview" doc:"A page opened inside the chat (web view)."`
	Pos     Pos
}

type buttonFields Button

func (b *Button) decodeNode(d *decoder, n *yaml.Node) {
	b.Pos = posOf(n)
	d.decodeStruct(n, structValue((*buttonFields)(b)), "a button")
	if n.Kind != yaml.MappingNode {
		return
	}
	var has []string
	for _, f := range []struct {
		name string
		t    *Template
	}{{"payload", b.Payload}, {"url", b.URL}, {"webview", b.Webview}} {
		if f.t != nil {
			has = append(has, f.name)
		}
	}
	switch len(has) {
	case 0:
		d.errorf(n, "a button needs one of payload, url or webview")
	case 1:
	default:
		d.errorf(n, "a button has %s; give only one of payload, url or webview", andList(has))
	}
}

// Card is a title with an optional subtitle, image and buttons.
type Card struct {
	Title    *Template `yaml:"title" required:"true" doc:"The card's title."`
	Subtitle *Template `yaml:"subtitle" doc:"A line under the title."`
	Image    *Template `yaml:"image" doc:"URL of the card's image."`
	URL      *Template `yaml:"url" doc:"A link opened when the card itself is pressed."`
	Buttons  []Button  `yaml:"buttons" doc:"Buttons on the card."`
}

// Dropdown is a list of options the user picks one from.
type Dropdown struct {
	Placeholder *Template `yaml:"placeholder" doc:"Text shown before an option is picked."`
	Options     []Choice  `yaml:"options" required:"true" doc:"The options."`
}
