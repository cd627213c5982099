package api_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/confab/confab/internal/api"
)

// TestStrictJSONBodies drives decode through the admin routes, whose
// errors are problem+json with the pointer of the field at fault.
func TestStrictJSONBodies(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ch := e.createChannel(t, tokenA, map[string]any{})
	const ok = `"bot":"echo","webhookUrl":"https://x.example.com/"`
	big := `{` + ok + `,"keywords":["` + strings.Repeat("k", api.MaxBody) + `"]}`
	for _, tc := range []struct {
		name    string
		method  string
		path    string
		body    string
		status  int
		pointer string
		detail  string
	}{
		// Names match exactly.
		{"name in another case", "POST", "/v1/channels", `{"Bot":"echo","webhookUrl":"https://x.example.com/"}`, 400, "/Bot", "unknown field"},
		{"name in another case, second word", "POST", "/v1/channels", `{"bot":"echo","webhookURL":"https://x.example.com/"}`, 400, "/webhookURL", "unknown field"},
		{"unknown field", "POST", "/v1/channels", `{` + ok + `,"colour":"red"}`, 400, "/colour", "unknown field"},
		{"unknown field in PATCH", "PATCH", "/v1/channels/" + ch.ChannelID, `{"webhookUrl":"https://x.example.com/","enabled":true}`, 400, "/enabled", "unknown field"},
		{"pointer escapes ~ and /", "POST", "/v1/channels", `{` + ok + `,"a/b~c":1}`, 400, "/a~1b~0c", "unknown field"},
		// Each key once.
		{"duplicate key", "POST", "/v1/channels", `{` + ok + `,"bot":"shop"}`, 400, "/bot", "duplicate key"},
		{"duplicate key spelled with an escape", "POST", "/v1/channels", `{` + ok + `,"\u0062ot":"shop"}`, 400, "/bot", "duplicate key"},
		{"duplicate null", "PATCH", "/v1/channels/" + ch.ChannelID, `{"keywords":null,"keywords":["a"]}`, 400, "/keywords", "duplicate key"},
		// Types, with the index of an array element.
		{"string expected", "POST", "/v1/channels", `{"bot":5,"webhookUrl":"https://x.example.com/"}`, 400, "/bot", "must be a string, not number"},
		{"array expected", "POST", "/v1/channels", `{` + ok + `,"keywords":"#go"}`, 400, "/keywords", "must be an array, not string"},
		{"string in an array expected", "POST", "/v1/channels", `{` + ok + `,"keywords":["#go",true]}`, 400, "/keywords/1", "must be a string, not boolean"},
		{"bool expected", "PATCH", "/v1/channels/" + ch.ChannelID, `{"rotateToken":"yes"}`, 400, "/rotateToken", "must be true or false, not string"},
		{"null is no value", "POST", "/v1/channels", `{"bot":null,"webhookUrl":"https://x.example.com/"}`, 400, "/bot", "bot is required"},
		{"invalid UTF-8", "POST", "/v1/channels", `{"bot":"ech` + "\xff" + `o","webhookUrl":"https://x.example.com/"}`, 400, "/bot", "invalid UTF-8"},
		// One object and nothing else.
		{"array for the body", "POST", "/v1/channels", `["echo"]`, 400, "", "the body must be an object, not array"},
		{"null for the body", "PATCH", "/v1/channels/" + ch.ChannelID, `null`, 400, "", "the body must be an object, not null"},
		{"string for the body", "POST", "/v1/channels", `"echo"`, 400, "", "the body must be an object, not string"},
		{"trailing object", "POST", "/v1/channels", `{` + ok + `} {}`, 400, "", "the body goes on after its JSON value, at offset 53"},
		{"trailing garbage", "POST", "/v1/channels", `{` + ok + `}x`, 400, "", "the body goes on after its JSON value, at offset 52"},
		{"empty body", "POST", "/v1/channels", ``, 400, "", "the body is empty; send a JSON object"},
		{"only spaces", "PATCH", "/v1/channels/" + ch.ChannelID, "  \n ", 400, "", "the body is empty"},
		{"cut short", "POST", "/v1/channels", `{"bot":"echo"`, 400, "", "the body is not valid JSON: it ends inside a value"},
		{"syntax error", "POST", "/v1/channels", `{"bot" "echo"}`, 400, "/bot", "the body is not valid JSON at offset 7: invalid character"},
		// Size.
		{"over the limit", "POST", "/v1/channels", big, 413, "", "the body is larger than the limit of this route (1048576 bytes)"},
		{"spaces after the value past the limit", "POST", "/v1/channels", `{` + ok + `}` + strings.Repeat(" ", api.MaxBody), 413, "", "larger than the limit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			wantProblem(t, e.do(t, tc.method, tc.path, tokenA, []byte(tc.body)), tc.status, tc.pointer, tc.detail)
		})
	}
	// None of the refused bodies made or changed a channel.
	a := e.do(t, "GET", "/v1/channels", tokenA, nil)
	if n := strings.Count(string(a.body), `"channelID"`); a.status != 200 || n != 1 {
		t.Errorf("channels after the refused bodies: %s", a.body)
	}
	if a := e.do(t, "GET", "/v1/channels/"+ch.ChannelID, tokenA, nil); a.json(t)["webhookUrl"] != ch.WebhookURL {
		t.Errorf("the channel changed: %s", a.body)
	}
}

// TestStrictJSONOnTheSendRoute checks the same rules on /v1/messages,
// which keeps the seed's {success, error} shape, with the pointer at the
// start of the error, and a larger limit.
func TestStrictJSONOnTheSendRoute(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ch := e.createChannel(t, tokenA, map[string]any{})
	start := `{"channelID":"` + ch.ChannelID + `","token":"` + ch.Token + `",`
	dataURL := "data:text/plain;base64," + strings.Repeat("QUJD", api.MaxBody/4+1000) // over MaxBody, under MaxMessageBody
	trailing := start + `"message":"hi"}`
	for _, tc := range []struct {
		name   string
		body   string
		status int
		err    string
	}{
		{"name in another case", start + `"Message":"hi"}`, 400, "/Message: unknown field"},
		{"unknown field", start + `"message":"hi","colour":"red"}`, 400, "/colour: unknown field"},
		{"unknown field in an array element", start + `"message":"hi","attachments":[{"url":"https://x.example.com/a.png","bogus":1}]}`, 400, "/attachments/0/bogus: unknown field"},
		{"duplicate key", start + `"message":"hi","message":"again"}`, 400, "/message: duplicate key"},
		{"duplicate key in an array element", start + `"message":"hi","attachments":[{"url":"https://x.example.com/a.png"},{"url":"https://x.example.com/b.png","url":"https://x.example.com/c.png"}]}`, 400, "/attachments/1/url: duplicate key"},
		{"wrong type", start + `"message":7}`, 400, "/message: must be a string, not number"},
		{"wrong type in an array element", start + `"message":"hi","attachments":[{"url":"https://x.example.com/a.png"},{"url":7}]}`, 400, "/attachments/1/url: must be a string, not number"},
		{"wrong type of a list", start + `"message":"hi","attachments":{"url":"https://x.example.com/a.png"}}`, 400, "/attachments: must be an array, not object"},
		{"bool for a number", start + `"message":"hi","userID":true}`, 400, "/userID: must be a number, not boolean"},
		{"fraction for a whole number", start + `"message":"hi","userID":1.5}`, 400, "/userID: must be a whole number, not 1.5"},
		{"number out of range", start + `"message":"hi","userID":9223372036854775808}`, 400, "/userID: must be a whole number from -9223372036854775808 to 9223372036854775807, not 9223372036854775808"},
		{"trailing data", trailing + `{"message":"again"}`, 400, fmt.Sprintf("the body goes on after its JSON value, at offset %d", len(trailing))},
		{"array for the body", `[` + trailing + `]`, 400, "the body must be an object, not array"},
		{"empty body", ``, 400, "the body is empty; send a JSON object"},
		{"over 10 MiB", start + `"message":"` + strings.Repeat("a", api.MaxMessageBody) + `"}`, 413, "the body is larger than the limit of this route (10485760 bytes)"},
		{"over 1 MiB is fine here", start + `"message":"","attachments":[{"base64":"` + dataURL + `"}]}`, 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := e.do(t, "POST", "/v1/messages", "", []byte(tc.body))
			if a.status != tc.status || a.header.Get("Content-Type") != "application/json" {
				t.Fatalf("= %d %q %.200s", a.status, a.header.Get("Content-Type"), a.body)
			}
			m := a.json(t)
			if tc.status == 200 {
				if m["success"] != true {
					t.Errorf("body %s", a.body)
				}
				return
			}
			if m["success"] != false || m["error"] != tc.err || len(m) != 2 {
				t.Errorf("body %s, want the error %q", a.body, tc.err)
			}
		})
	}
}

// endless is a request body that never ends; it counts the bytes read.
type endless struct{ read int }

func (b *endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	b.read += len(p)
	return len(p), nil
}

// TestOversizedBodiesAreNotReadWhole checks that a body over the limit is
// refused unread when Content-Length announces it, and after at most
// limit+1 bytes when it does not.
func TestOversizedBodiesAreNotReadWhole(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, tc := range []struct {
		name     string
		path     string
		size     int64 // Content-Length; -1 for none
		limit    int64
		wantRead int
	}{
		{"announced, JSON route", "/v1/channels", api.MaxBody + 1, api.MaxBody, 0},
		{"announced, send route", "/v1/messages", api.MaxMessageBody + 1, api.MaxMessageBody, 0},
		{"not announced, JSON route", "/v1/channels", -1, api.MaxBody, api.MaxBody + 1},
		{"not announced, send route", "/v1/messages", -1, api.MaxMessageBody, api.MaxMessageBody + 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			body := &endless{}
			r := httptest.NewRequest("POST", tc.path, body)
			r.ContentLength = tc.size
			r.Header.Set("Authorization", "Bearer "+tokenA)
			w := httptest.NewRecorder()
			e.api.ServeHTTP(w, r)
			if w.Code != http.StatusRequestEntityTooLarge {
				t.Fatalf("status %d, want 413; body %s", w.Code, w.Body)
			}
			if want := fmt.Sprintf("the body is larger than the limit of this route (%d bytes)", tc.limit); !strings.Contains(w.Body.String(), want) {
				t.Errorf("body %s, want %q", w.Body, want)
			}
			if body.read > tc.wantRead {
				t.Errorf("read %d bytes of the body, want at most %d", body.read, tc.wantRead)
			}
		})
	}
}

// TestUnmatchedRoutes pins what the mux answers outside the routes.
func TestUnmatchedRoutes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if a := e.do(t, "GET", "/v1/nothing", tokenA, nil); a.status != http.StatusNotFound {
		t.Errorf("unknown path = %d", a.status)
	}
	if a := e.do(t, "PUT", "/v1/channels", tokenA, []byte(`{}`)); a.status != http.StatusMethodNotAllowed {
		t.Errorf("PUT /v1/channels = %d", a.status)
	}
}
