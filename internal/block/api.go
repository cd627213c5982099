package block

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/confab/confab/internal/bot"
	"github.com/confab/confab/internal/flow"
)

// APIConfig is an api block: any HTTP call, with the answer saved and
// mapped into variables.
type APIConfig struct {
	Method   string          `yaml:"method" enum:"GET,POST,PUT,PATCH,DELETE,HEAD,OPTIONS" doc:"The HTTP method; default GET, or POST when there is a body."`
	URL      *bot.Template   `yaml:"url" required:"true" doc:"The URL; a template."`
	Headers  bot.Templates   `yaml:"headers" doc:"Request headers; templates."`
	Query    bot.Templates   `yaml:"query" doc:"Query parameters added to the URL; templates."`
	Body     *bot.Tree       `yaml:"body" doc:"The request body: any YAML value whose strings are templates."`
	Encoding string          `yaml:"encoding" enum:"json,form" doc:"How the body is sent: json (default) or form (application/x-www-form-urlencoded, body must be a mapping)."`
	Timeout  *bot.Duration   `yaml:"timeout" doc:"How long to wait; default 10s, at most 30s."`
	Save     bot.VarName     `yaml:"save" doc:"Variable for the answer: {status, headers, body}, the body parsed when it is JSON."`
	Map      bot.Assignments `yaml:"map" doc:"Variable → expression over response (the saved answer), set after a successful call."`
	OnError  bot.Ref         `yaml:"on_error" doc:"Where to go on a transport error, time-out, status >= 400, or a map that fails."`
	Next     bot.Next        `yaml:"next" doc:"Where to go after a successful call."`
}

type apiKind struct{}

func (apiKind) Doc() string    { return "Calls any HTTP API and saves the answer." }
func (apiKind) NewConfig() any { return &APIConfig{} }

// Check verifies the timeout and that a form body is a mapping.
func (c *APIConfig) Check(ck *bot.Checker, b *bot.Block) {
	checkTimeout(ck, c.Timeout, MaxTimeout)
	if c.Encoding == "form" && c.Body != nil {
		if _, ok := c.Body.Value.(map[string]any); !ok {
			ck.Errorf(c.Body.Pos, "a form body must be a mapping of field names to values")
		}
	}
}

func (apiKind) Enter(t *flow.Turn, b *bot.Block) flow.Outcome {
	c := b.Config.(*APIConfig)
	req, err := c.request(t)
	if err != nil {
		return t.Fail(err, c.OnError)
	}
	return t.Call(&flow.Call{HTTP: req})
}

func (c *APIConfig) request(t *flow.Turn) (*flow.HTTPRequest, error) {
	env := t.Env()
	u, err := t.Render(c.URL)
	if err != nil {
		return nil, fmt.Errorf("url: %w", err)
	}
	if len(c.Query) > 0 {
		q, err := c.Query.Render(env)
		if err != nil {
			return nil, fmt.Errorf("query %w", err)
		}
		vals := url.Values{}
		for _, kv := range q {
			vals.Add(kv[0], kv[1])
		}
		sep := "?"
		if strings.Contains(u, "?") {
			sep = "&"
		}
		u += sep + vals.Encode()
	}
	headers, err := c.Headers.Render(env)
	if err != nil {
		return nil, fmt.Errorf("header %w", err)
	}
	req := &flow.HTTPRequest{Method: c.Method, URL: u, Header: headers, Timeout: timeoutOf(c.Timeout)}
	if c.Body != nil {
		body, err := c.Body.Render(env)
		if err != nil {
			return nil, fmt.Errorf("body: %w", err)
		}
		ct := "application/json"
		if c.Encoding == "form" {
			ct = "application/x-www-form-urlencoded"
			vals := url.Values{}
			for k, v := range body.(map[string]any) {
				vals.Set(k, flow.Stringify(v))
			}
			req.Body = []byte(vals.Encode())
		} else if req.Body, err = json.Marshal(body); err != nil {
			return nil, fmt.Errorf("body: %w", err)
		}
		if !hasHeader(headers, "Content-Type") {
			req.Header = append(req.Header, [2]string{"Content-Type", ct})
		}
	}
	if req.Method == "" {
		req.Method = http.MethodGet
		if c.Body != nil {
			req.Method = http.MethodPost
		}
	}
	return req, nil
}

func hasHeader(h [][2]string, name string) bool {
	for _, kv := range h {
		if strings.EqualFold(kv[0], name) {
			return true
		}
	}
	return false
}

func (apiKind) Resume(t *flow.Turn, b *bot.Block) flow.Outcome {
	c := b.Config.(*APIConfig)
	res := t.CallResult()
	if res != nil && res.Err == "" && res.HTTP != nil && res.HTTP.Status >= 400 && c.Save.Name != "" {
		t.Set(c.Save.Name, response(res.HTTP))
	}
	if err := callError(res); err != nil {
		return t.Fail(err, c.OnError)
	}
	resp := response(res.HTTP)
	if c.Save.Name != "" {
		t.Set(c.Save.Name, resp)
	}
	for i := range c.Map {
		a := &c.Map[i]
		v, err := a.Value.Eval(withName(t.Env(), "response", resp))
		if err != nil {
			return t.Fail(fmt.Errorf("map %s: %w", a.Name.Name, err), c.OnError)
		}
		t.Set(a.Name.Name, v)
	}
	return follow(t, c.Next, c.OnError)
}

// response is the saved form of an HTTP answer: {status, headers, body}
// with lower-case header names (first value) and a JSON body parsed.
func response(r *flow.HTTPResponse) map[string]any {
	headers := make(map[string]any, len(r.Header))
	for k, v := range r.Header {
		if len(v) > 0 {
			headers[strings.ToLower(k)] = v[0]
		}
	}
	var body any = string(r.Body)
	if isJSON(contentType(r.Header)) || json.Valid(r.Body) {
		var parsed any
		if json.Unmarshal(r.Body, &parsed) == nil {
			body = parsed
		}
	}
	return map[string]any{"status": r.Status, "headers": headers, "body": body}
}

// withName returns env with one more name, leaving env as it was.
func withName(env map[string]any, name string, v any) map[string]any {
	out := make(map[string]any, len(env)+1)
	for k, x := range env {
		out[k] = x
	}
	out[name] = v
	return out
}
