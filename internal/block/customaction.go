package block

import (
	"fmt"

	"github.com/confab/confab/internal/bot"
	"github.com/confab/confab/internal/flow"
)

// CustomActionConfig is a custom_action block (seed 000): a POST of
// {conversation, session, comments} to the team's URL, whose 200
// {"message": ...} answer is sent to the user.
type CustomActionConfig struct {
	URL           *bot.Template `yaml:"url" required:"true" doc:"Where the POST goes; a template."`
	Authorization *bot.Template `yaml:"authorization" doc:"The Authorization header sent with the call (use secret.NAME)."`
	Timeout       *bot.Duration `yaml:"timeout" doc:"How long to wait; default 10s, at most 30s."`
	Save          bot.VarName   `yaml:"save" doc:"Variable for the answer's message as text."`
	OnError       bot.Ref       `yaml:"on_error" doc:"Where to go when the call fails or the answer is not a 200 {\"message\": ...}."`
	Next          bot.Next      `yaml:"next" doc:"Where to go after the message was sent."`
}

type customActionKind struct{}

func (customActionKind) Doc() string {
	return "Posts the conversation to your server and sends the message it answers."
}
func (customActionKind) NewConfig() any { return &CustomActionConfig{} }

// Check verifies the timeout.
func (c *CustomActionConfig) Check(ck *bot.Checker, b *bot.Block) {
	checkTimeout(ck, c.Timeout, MaxTimeout)
}

func (customActionKind) Enter(t *flow.Turn, b *bot.Block) flow.Outcome {
	c := b.Config.(*CustomActionConfig)
	u, err := t.Render(c.URL)
	if err != nil {
		return t.Fail(fmt.Errorf("url: %w", err), c.OnError)
	}
	var headers [][2]string
	if c.Authorization != nil {
		auth, err := t.Render(c.Authorization)
		if err != nil {
			return t.Fail(fmt.Errorf("authorization: %w", err), c.OnError)
		}
		headers = append(headers, [2]string{"Authorization", auth})
	}
	st := t.State()
	payload := map[string]any{
		"conversation": map[string]any{
			"id":           convField(st, "id"),
			"type":         orString(convField(st, "type"), "INQUIRY"),
			"project":      orString(convField(st, "project"), ""),
			"organisation": orString(convField(st, "organisation"), ""),
			"shareToken":   orString(convField(st, "shareToken"), ""),
			"customData":   customData(st),
		},
		"session":  session(st),
		"comments": comments(st, 2),
	}
	req, err := jsonRequest(u, headers, payload, timeoutOf(c.Timeout))
	if err != nil {
		return t.Fail(err, c.OnError)
	}
	return t.Call(&flow.Call{HTTP: req})
}

func (customActionKind) Resume(t *flow.Turn, b *bot.Block) flow.Outcome {
	c := b.Config.(*CustomActionConfig)
	res := t.CallResult()
	if err := callError(res); err != nil {
		return t.Fail(err, c.OnError)
	}
	if res.HTTP.Status != 200 {
		return t.Fail(fmt.Errorf("the answer must be 200 with {\"message\": ...}, not %d", res.HTTP.Status), c.OnError)
	}
	m, err := decodeJSONAnswer(res.HTTP)
	if err != nil {
		return t.Fail(err, c.OnError)
	}
	msg, err := readMessage(m["message"])
	if err != nil {
		return t.Fail(err, c.OnError)
	}
	t.Send(msg.For(ChannelFormat(t.State().Channel)))
	if c.Save.Name != "" {
		t.Set(c.Save.Name, msg.Text)
	}
	return follow(t, c.Next, c.OnError)
}

// Format is how a channel shows the text of a message.
type Format string

// The formats of channels.
const (
	FormatText Format = "text" // plain text: the API channel, confab chat, conversation tests
	FormatHTML Format = "html" // safe HTML beside the text: the web widget
)

// ChannelFormat returns the format of a channel (flow.State.Channel): HTML
// for the web widget ("web"), text for every other.
func ChannelFormat(channel string) Format {
	if channel == "web" {
		return FormatHTML
	}
	return FormatText
}

// RichText is the message of a seed answer: its text, and for a TipTap
// document also its safe HTML.
type RichText struct {
	Text string
	HTML string // "" for a string message (plain text or markdown)
}

// For returns the message to send on a channel of format f: the text,
// with the HTML for FormatHTML.
func (r RichText) For(f Format) flow.Message {
	m := flow.Message{Text: r.Text}
	if f == FormatHTML {
		m.HTML = r.HTML
	}
	return m
}

// readMessage reads the message of a seed answer: a string (plain text or
// markdown, kept as it is) or a TipTap JSON document, rendered as plain
// text and as safe HTML.
func readMessage(v any) (RichText, error) {
	switch m := v.(type) {
	case string:
		if m == "" {
			return RichText{}, fmt.Errorf("the answer's message is empty")
		}
		return RichText{Text: m}, nil
	case map[string]any:
		text := TipTapText(m)
		if text == "" {
			return RichText{}, fmt.Errorf("the answer's message is a document with no text")
		}
		return RichText{Text: text, HTML: TipTapHTML(m)}, nil
	case nil:
		return RichText{}, fmt.Errorf("the answer has no message")
	}
	return RichText{}, fmt.Errorf("the answer's message must be text or a TipTap document, not %T", v)
}
