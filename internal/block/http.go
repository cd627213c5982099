package block

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/confab/confab/internal/bot"
	"github.com/confab/confab/internal/flow"
)

// DefaultTimeout is how long calls a user is waiting on (api,
// custom_action, function) may take when the bot does not say.
const DefaultTimeout = 10 * time.Second

// MaxTimeout is the longest such a call may take.
const MaxTimeout = 30 * time.Second

func timeoutOf(d *bot.Duration) time.Duration {
	if d == nil {
		return DefaultTimeout
	}
	return d.Duration
}

func checkTimeout(ck *bot.Checker, d *bot.Duration, most time.Duration) {
	if d != nil && d.Duration > most {
		ck.Errorf(d.Pos, "timeout %s is too long; the most is %s", d.Duration, most)
	}
}

// jsonRequest builds a POST of a JSON document with extra headers.
func jsonRequest(url string, headers [][2]string, body any, timeout time.Duration) (*flow.HTTPRequest, error) {
	data, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	h := append([][2]string{{"Content-Type", "application/json"}}, headers...)
	return &flow.HTTPRequest{Method: http.MethodPost, URL: url, Header: h, Body: data, Timeout: timeout}, nil
}

// callError turns a failed call result into the error the block fails
// with: a transport error, or a status that is not 2xx.
func callError(r *flow.CallResult) error {
	if r == nil {
		return errors.New("the call has no result")
	}
	if r.Err != "" {
		if r.ErrClass != "" {
			return fmt.Errorf("%s: %s", r.ErrClass, r.Err)
		}
		return errors.New(r.Err)
	}
	if r.HTTP == nil {
		return errors.New("the call has no HTTP answer")
	}
	if r.HTTP.Status < 200 || r.HTTP.Status > 299 {
		return fmt.Errorf("the server answered %d %s%s", r.HTTP.Status, http.StatusText(r.HTTP.Status), excerpt(r.HTTP.Body))
	}
	return nil
}

func excerpt(body []byte) string {
	s := strings.TrimSpace(string(body))
	if s == "" {
		return ""
	}
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return ": " + s
}

// contentType returns the media type of a response, lower-cased.
func contentType(h map[string][]string) string {
	for k, v := range h {
		if strings.EqualFold(k, "Content-Type") && len(v) > 0 {
			mt, _, err := mime.ParseMediaType(v[0])
			if err == nil {
				return mt
			}
		}
	}
	return ""
}

// isJSON reports whether a media type is JSON (application/json or
// application/*+json).
func isJSON(mt string) bool {
	return mt == "application/json" || (strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"))
}

// decodeJSONAnswer checks that an answer is application/json and decodes
// it.
func decodeJSONAnswer(r *flow.HTTPResponse) (map[string]any, error) {
	if mt := contentType(r.Header); !isJSON(mt) {
		if mt == "" {
			return nil, errors.New("the answer must be application/json, but it has no Content-Type")
		}
		return nil, fmt.Errorf("the answer must be application/json, not %s", mt)
	}
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		return nil, fmt.Errorf("the answer is not a JSON object: %v", err)
	}
	return m, nil
}

// userID returns the user's id as the seeds send it: a number when it is
// one, else the string.
func userField(st *flow.State, key string) any {
	if st.User == nil {
		return nil
	}
	return st.User[key]
}

func convField(st *flow.State, key string) any {
	if st.Conversation == nil {
		return nil
	}
	return st.Conversation[key]
}

func orString(v any, def string) any {
	if v == nil {
		return def
	}
	return v
}

// comments returns the last n messages of the conversation in the shape
// calls send them.
func comments(st *flow.State, n int) []any {
	r := st.Recent
	if len(r) > n {
		r = r[len(r)-n:]
	}
	out := make([]any, len(r))
	for i, c := range r {
		out[i] = map[string]any{"type": c.From, "text": c.Text, "createdAt": c.Time.UTC().Format(time.RFC3339)}
	}
	return out
}

// customData returns the conversation's variables, for the customData
// fields of seed payloads.
func customData(st *flow.State) map[string]any {
	out := make(map[string]any, len(st.Vars))
	for k, v := range st.Vars {
		out[k] = v
	}
	return out
}

// session builds the session object of seeds 000 and 002 from what the host
// knows of the user.
func session(st *flow.State) map[string]any {
	id := userField(st, "id")
	return map[string]any{
		"id":         id,
		"gleapId":    id,
		"userId":     id,
		"email":      orString(userField(st, "email"), ""),
		"name":       orString(userField(st, "name"), ""),
		"value":      orNumber(userField(st, "value")),
		"customData": orMap(userField(st, "custom")),
	}
}

func orNumber(v any) any {
	if v == nil {
		return 0
	}
	return v
}

func orMap(v any) any {
	if v == nil {
		return map[string]any{}
	}
	return v
}
