package block

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/confab/confab/internal/bot"
	"github.com/confab/confab/internal/flow"
)

// FunctionConfig is a function block (seed 002): it calls a declared
// function with parameters checked against their declared types.
type FunctionConfig struct {
	Function string              `yaml:"function" required:"true" doc:"The name of a function declared under functions."`
	Params   map[string]bot.Expr `yaml:"params" doc:"Parameter → expression."`
	Save     bot.VarName         `yaml:"save" doc:"Variable for a context answer (its text) or a documents answer (the list)."`
	OnError  bot.Ref             `yaml:"on_error" doc:"Where to go when the call fails or the answer is not one of the three shapes."`
	Next     bot.Next            `yaml:"next" doc:"Where to go after the answer."`
}

type functionKind struct{}

func (functionKind) Doc() string {
	return "Calls a declared function; its answer is saved as context or documents, or sent as a message."
}
func (functionKind) NewConfig() any { return &FunctionConfig{} }

// Check verifies the function is declared and its parameters: no unknown
// ones, every required one given.
func (c *FunctionConfig) Check(ck *bot.Checker, b *bot.Block) {
	f := ck.Bot().Functions.Get(c.Function)
	if f == nil {
		ck.Errorf(b.Pos, "block %q calls function %q, which is not declared under functions%s", b.ID, c.Function, ck.Suggest(c.Function, ck.Bot().Functions.Names()))
		return
	}
	for _, name := range sortedKeys(c.Params) {
		if _, ok := f.Parameters.Get(name); !ok {
			x := c.Params[name]
			ck.Errorf(x.Pos, "function %q has no parameter %q%s", f.Name, name, ck.Suggest(name, f.Parameters.Names()))
		}
	}
	for _, p := range f.Parameters {
		if _, given := c.Params[p.Name]; p.Required && !given {
			ck.Errorf(b.Pos, "block %q does not give the required parameter %q of function %q", b.ID, p.Name, f.Name)
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (functionKind) Enter(t *flow.Turn, b *bot.Block) flow.Outcome {
	c := b.Config.(*FunctionConfig)
	f := t.Bot().Functions.Get(c.Function)
	values := make(map[string]any, len(c.Params))
	for _, name := range sortedKeys(c.Params) {
		x := c.Params[name]
		v, err := t.Eval(&x)
		if err != nil {
			return t.Fail(fmt.Errorf("parameter %s: %w", name, err), c.OnError)
		}
		values[name] = v
	}
	params, err := CheckParams(f, values)
	if err != nil {
		return t.Fail(err, c.OnError)
	}
	req, err := FunctionRequest(t, f, params)
	if err != nil {
		return t.Fail(err, c.OnError)
	}
	return t.Call(&flow.Call{HTTP: req})
}

// ParamError is a parameter value that does not fit the function's
// declaration.
type ParamError struct {
	Param string // the parameter's name
	Err   error
}

func (e *ParamError) Error() string { return e.Err.Error() }

// CheckParams checks the values of a call of f against its declared
// parameters and returns the params to send: every name must be declared,
// each value is converted to its declared type and must be in its enum
// (see coerce), nil values are left out, and every required parameter
// must have a value. A value at fault is a *ParamError.
func CheckParams(f *bot.Function, values map[string]any) (map[string]any, error) {
	params := make(map[string]any, len(values))
	for _, name := range sortedKeys(values) {
		p, ok := f.Parameters.Get(name)
		if !ok {
			return nil, &ParamError{name, fmt.Errorf("function %s has no parameter %s", f.Name, name)}
		}
		v, err := coerce(p, values[name])
		if err != nil {
			return nil, &ParamError{name, err}
		}
		if v != nil {
			params[name] = v
		}
	}
	for _, p := range f.Parameters {
		if _, ok := params[p.Name]; p.Required && !ok {
			return nil, &ParamError{p.Name, fmt.Errorf("the required parameter %s of %s has no value", p.Name, f.Name)}
		}
	}
	return params, nil
}

// FunctionRequest builds the POST of seed 002 for a call of f.
func FunctionRequest(t *flow.Turn, f *bot.Function, params map[string]any) (*flow.HTTPRequest, error) {
	u, err := t.Render(f.URL)
	if err != nil {
		return nil, fmt.Errorf("url of function %s: %w", f.Name, err)
	}
	headers, err := f.Headers.Render(t.Env())
	if err != nil {
		return nil, fmt.Errorf("header of function %s: %w", f.Name, err)
	}
	st := t.State()
	payload := map[string]any{
		"functionCall": f.Name,
		"params":       params,
		"projectId":    orString(convField(st, "project"), ""),
		"session":      session(st),
		"comments":     comments(st, 4),
		"ticket":       ticket(st, t.Bot().ID),
	}
	return jsonRequest(u, headers, payload, timeoutOf(f.Timeout))
}

// ticket is the ticket object of seed 002, from what the host knows of
// the conversation: fields Confab has no value for are null (bugId,
// priority, sentiment, createdAt of an older conversation) or empty.
func ticket(st *flow.State, botID string) map[string]any {
	return map[string]any{
		"_id":         convField(st, "id"),
		"bugId":       convField(st, "bugId"),
		"shareToken":  orString(convField(st, "shareToken"), ""),
		"createdAt":   convField(st, "createdAt"),
		"title":       orString(convField(st, "title"), ""),
		"status":      "OPEN",
		"priority":    convField(st, "priority"),
		"type":        orString(convField(st, "type"), "INQUIRY"),
		"formData":    customData(st),
		"sentiment":   convField(st, "sentiment"),
		"isSpam":      false,
		"attachments": []any{},
		"metaData":    map[string]any{"bot": botID, "channel": st.Channel, "channelId": orString(convField(st, "channel"), "")},
	}
}

// coerce checks a parameter value against its declared type and enum,
// converting a numeric string ("#1234" or "1234") to a number and "true" /
// "false" to a boolean.
func coerce(p bot.Param, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch p.Type {
	case "number":
		switch n := v.(type) {
		case int, int64, float64:
		case string:
			f, err := strconv.ParseFloat(strings.TrimPrefix(strings.TrimSpace(n), "#"), 64)
			if err != nil {
				return nil, fmt.Errorf("parameter %s must be a number, not %q", p.Name, n)
			}
			v = f
			if f == float64(int64(f)) {
				v = int64(f)
			}
		default:
			return nil, fmt.Errorf("parameter %s must be a number, not %T", p.Name, v)
		}
	case "boolean":
		switch b := v.(type) {
		case bool:
		case string:
			parsed, err := strconv.ParseBool(b)
			if err != nil {
				return nil, fmt.Errorf("parameter %s must be true or false, not %q", p.Name, b)
			}
			v = parsed
		default:
			return nil, fmt.Errorf("parameter %s must be true or false, not %T", p.Name, v)
		}
	case "string":
		if _, ok := v.(string); !ok {
			v = flow.Stringify(v)
		}
	}
	if len(p.Enum) > 0 {
		for _, e := range p.Enum {
			if flow.Stringify(e) == flow.Stringify(v) {
				return v, nil
			}
		}
		return nil, fmt.Errorf("parameter %s must be one of %v, not %v", p.Name, p.Enum, v)
	}
	return v, nil
}

func (functionKind) Resume(t *flow.Turn, b *bot.Block) flow.Outcome {
	c := b.Config.(*FunctionConfig)
	res := t.CallResult()
	if err := callError(res); err != nil {
		return t.Fail(err, c.OnError)
	}
	ans, err := FunctionAnswer(res.HTTP)
	if err != nil {
		return t.Fail(err, c.OnError)
	}
	switch {
	case ans.Message != nil:
		t.Send(ans.Message.For(ChannelFormat(t.State().Channel)))
	case c.Save.Name != "" && ans.Documents != nil:
		t.Set(c.Save.Name, ans.Documents)
	case c.Save.Name != "":
		t.Set(c.Save.Name, ans.Context)
	}
	return follow(t, c.Next, c.OnError)
}

// Answer is a function's answer: Type is "context", "message" or
// "documents", and the field of that name is set.
type Answer struct {
	Type      string
	Context   string
	Message   *RichText
	Documents []any // [{title, url, content}]
}

// FunctionAnswer reads a function's answer (seed 002): application/json,
// {"type": "context", "context"}, {"type": "message", "message"} or
// {"type": "documents", "documents": [{title, url, content}]}.
func FunctionAnswer(r *flow.HTTPResponse) (Answer, error) {
	m, err := decodeJSONAnswer(r)
	if err != nil {
		return Answer{}, err
	}
	switch m["type"] {
	case "context":
		s, ok := m["context"].(string)
		if !ok {
			return Answer{}, fmt.Errorf(`a "context" answer needs a context text`)
		}
		return Answer{Type: "context", Context: s}, nil
	case "message":
		msg, err := readMessage(m["message"])
		if err != nil {
			return Answer{}, err
		}
		return Answer{Type: "message", Message: &msg}, nil
	case "documents":
		docs, ok := m["documents"].([]any)
		if !ok {
			return Answer{}, fmt.Errorf(`a "documents" answer needs a documents list`)
		}
		for i, d := range docs {
			dm, ok := d.(map[string]any)
			if !ok {
				return Answer{}, fmt.Errorf("document %d is not an object", i+1)
			}
			for _, k := range []string{"title", "content"} {
				if _, ok := dm[k].(string); !ok {
					return Answer{}, fmt.Errorf("document %d has no %s text", i+1, k)
				}
			}
		}
		return Answer{Type: "documents", Documents: docs}, nil
	case nil:
		return Answer{}, fmt.Errorf(`the answer has no "type" (context, message or documents)`)
	}
	return Answer{}, fmt.Errorf("the answer type %v is not context, message or documents", m["type"])
}
