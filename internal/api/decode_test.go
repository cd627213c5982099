package api_test

import (
	"net/http"
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
	big := `{"bot":"echo","webhookUrl":"https://x.example.com/","keywords":["` + strings.Repeat("k", api.MaxBody) + `"]}`
	for _, tc := range []struct {
		name    string
		method  string
		path    string
		body    string
		status  int
		pointer string
		detail  string
	}{
		{"unknown field", "POST", "/v1/channels", `{"bot":"echo","webhookUrl":"https://x.example.com/","colour":"red"}`, 400, "/colour", "unknown field"},
		{"unknown field in PATCH", "PATCH", "/v1/channels/" + ch.ChannelID, `{"webhookUrl":"https://x.example.com/","enabled":true}`, 400, "/enabled", "unknown field"},
		{"string expected", "POST", "/v1/channels", `{"bot":5,"webhookUrl":"https://x.example.com/"}`, 400, "/bot", "must be a string, not number"},
		{"array expected", "POST", "/v1/channels", `{"bot":"echo","webhookUrl":"https://x.example.com/","keywords":"#go"}`, 400, "/keywords", "must be an array, not string"},
		{"string in an array expected", "POST", "/v1/channels", `{"bot":"echo","webhookUrl":"https://x.example.com/","keywords":[true]}`, 400, "/keywords", "must be a string, not bool"},
		{"bool expected", "PATCH", "/v1/channels/" + ch.ChannelID, `{"rotateToken":"yes"}`, 400, "/rotateToken", "must be true or false, not string"},
		{"object expected", "POST", "/v1/channels", `["echo"]`, 400, "", "must be an object, not array"},
		{"trailing object", "POST", "/v1/channels", `{"bot":"echo","webhookUrl":"https://x.example.com/"} {}`, 400, "", "more than one JSON value"},
		{"trailing garbage", "POST", "/v1/channels", `{"bot":"echo","webhookUrl":"https://x.example.com/"}x`, 400, "", "more than one JSON value"},
		{"empty body", "POST", "/v1/channels", ``, 400, "", "the body is empty; send a JSON object"},
		{"only spaces", "PATCH", "/v1/channels/" + ch.ChannelID, "  \n ", 400, "", "the body is empty"},
		{"cut short", "POST", "/v1/channels", `{"bot":"echo"`, 400, "", "not valid JSON"},
		{"syntax error", "POST", "/v1/channels", `{"bot" "echo"}`, 400, "", "not valid JSON at byte 8"},
		{"over the limit", "POST", "/v1/channels", big, 413, "", "larger than the limit"},
		{"spaces after the value past the limit", "POST", "/v1/channels", `{"bot":"echo","webhookUrl":"https://x.example.com/"}` + strings.Repeat(" ", api.MaxBody), 413, "", "larger than the limit"},
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
// which keeps the seed's {success, error} shape and a larger limit.
func TestStrictJSONOnTheSendRoute(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ch := e.createChannel(t, tokenA, map[string]any{})
	start := `{"channelID":"` + ch.ChannelID + `","token":"` + ch.Token + `",`
	dataURL := "data:text/plain;base64," + strings.Repeat("QUJD", api.MaxBody/4+1000) // over MaxBody, under MaxMessageBody
	for _, tc := range []struct {
		name   string
		body   string
		status int
		err    string
	}{
		{"unknown field", start + `"message":"hi","colour":"red"}`, 400, "/colour: unknown field"},
		{"wrong type", start + `"message":7}`, 400, "/message: must be a string, not number"},
		{"wrong type of a list", start + `"message":"hi","attachments":{"url":"https://x.example.com/a.png"}}`, 400, "/attachments: must be an array, not object"},
		{"bool for a number", start + `"message":"hi","userID":true}`, 400, "/userID: must be a number, not bool"},
		{"trailing data", start + `"message":"hi"}{"message":"again"}`, 400, "the body holds more than one JSON value"},
		{"empty body", ``, 400, "the body is empty; send a JSON object"},
		{"over 10 MiB", start + `"message":"` + strings.Repeat("a", api.MaxMessageBody) + `"}`, 413, "the body is larger than the limit of this route"},
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
