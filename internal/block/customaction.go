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
	text, err := messageText(m["message"])
	if err != nil {
		return t.Fail(err, c.OnError)
	}
	t.Send(flow.Message{Text: text})
	if c.Save.Name != "" {
		t.Set(c.Save.Name, text)
	}
	return follow(t, c.Next, c.OnError)
}

// messageText reads the message of a seed answer: a string (plain text or
// markdown) or a TipTap JSON document, which is rendered as plain text.
func messageText(v any) (string, error) {
	switch m := v.(type) {
	case string:
		if m == "" {
			return "", fmt.Errorf("the answer's message is empty")
		}
		return m, nil
	case map[string]any:
		text := TipTapText(m)
		if text == "" {
			return "", fmt.Errorf("the answer's message is a document with no text")
		}
		return text, nil
	case nil:
		return "", fmt.Errorf("the answer has no message")
	}
	return "", fmt.Errorf("the answer's message must be text or a TipTap document, not %T", v)
}
