package block_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/confab/confab/internal/flow"
)

func TestAPIRequest(t *testing.T) {
	t.Parallel()
	eng := newEngine(t, "api.yaml", flow.Options{})
	tests := []struct {
		keyword string
		want    flow.HTTPRequest
	}{
		{"#get", flow.HTTPRequest{
			Method:  "GET",
			URL:     "https://shop.example/orders/1234",
			Header:  [][2]string{{"Authorization", "Bearer t0ken"}, {"X-Qty", "2"}},
			Timeout: 10 * time.Second,
		}},
		{"#post", flow.HTTPRequest{
			Method:  "POST",
			URL:     "https://shop.example/orders",
			Header:  [][2]string{{"Content-Type", "application/json"}},
			Body:    []byte(`{"flags":[true,1.5,null,true],"nested":{"user":"Sam"},"note":"qty 2","order":1234,"qty":2}`),
			Timeout: 10 * time.Second,
		}},
		{"#form", flow.HTTPRequest{
			Method:  "POST",
			URL:     "https://shop.example/form?x=1",
			Header:  [][2]string{{"Content-Type", "application/x-www-form-urlencoded"}},
			Body:    []byte("city=Gent+%26+Brugge&name=Sam&qty=2"),
			Timeout: 10 * time.Second,
		}},
		{"#put", flow.HTTPRequest{
			Method:  "PUT",
			URL:     "https://shop.example/orders/1",
			Header:  [][2]string{{"content-type", "application/merge-patch+json"}},
			Body:    []byte(`{"status":"cancelled"}`),
			Timeout: 5 * time.Second,
		}},
		{"#query", flow.HTTPRequest{
			Method:  "GET",
			URL:     "https://shop.example/search?lang=en&a+b=x%26y&q=%23query&size=2",
			Header:  [][2]string{},
			Timeout: 10 * time.Second,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.keyword, func(t *testing.T) {
			t.Parallel()
			res := run(t, eng, sam(), message(tt.keyword, 0))
			c := pendingCall(t, res)
			if diff := cmp.Diff(&tt.want, c.HTTP); diff != "" {
				t.Errorf("request (-want +got):\n%s", diff)
			}
			if c.Kind != "api" || c.Code != nil || c.AI != nil {
				t.Errorf("call %+v, want an api call with HTTP only", c)
			}
			if len(res.Effects) != 1 || res.Effects[0] != flow.Effect(c) {
				t.Errorf("effects %v, want the call alone", res.Effects)
			}
		})
	}
}

func TestAPIResult(t *testing.T) {
	t.Parallel()
	eng := newEngine(t, "api.yaml", flow.Options{})
	asked := run(t, eng, sam(), message("#get", 0)).State
	okHeaders := map[string][]string{"Content-Type": {"application/json; charset=utf-8"}, "X-Request-Id": {"r1", "r2"}}
	tests := []struct {
		name     string
		result   *flow.CallResult
		messages []string
		vars     map[string]any
		// errPrefix, when set, is the start of the error, whose end the
		// expression library words; the message must show it all.
		errPrefix string
	}{
		{
			name: "200 with JSON: saved and mapped",
			result: &flow.CallResult{HTTP: &flow.HTTPResponse{Status: 200, Header: okHeaders,
				Body: []byte(`{"status": "shipped", "items": [{"name": "Margherita"}], "total": 23.5}`)}},
			messages: []string{"OK"},
			vars: map[string]any{
				"result": map[string]any{
					"status":  200,
					"headers": map[string]any{"content-type": "application/json; charset=utf-8", "x-request-id": "r1"},
					"body": map[string]any{
						"status": "shipped", "items": []any{map[string]any{"name": "Margherita"}}, "total": 23.5,
					},
				},
				"state":      "shipped",
				"first_item": "Margherita",
				"error":      nil,
			},
		},
		{
			name:     "200 with JSON but no content type: parsed",
			result:   httpResult(200, "", `{"status": "new", "items": [{"name": "Veggie"}]}`),
			messages: []string{"OK"},
			vars: map[string]any{
				"result": map[string]any{
					"status":  200,
					"headers": map[string]any{},
					"body":    map[string]any{"status": "new", "items": []any{map[string]any{"name": "Veggie"}}},
				},
				"state":      "new",
				"first_item": "Veggie",
			},
		},
		{
			name:     "a transport error",
			result:   &flow.CallResult{Err: "dial tcp: connection refused", ErrClass: "network"},
			messages: []string{"Failed: network: dial tcp: connection refused"},
			vars:     map[string]any{"result": nil, "state": nil, "error": "network: dial tcp: connection refused"},
		},
		{
			name:     "a time-out without class",
			result:   &flow.CallResult{Err: "the call took longer than 10s"},
			messages: []string{"Failed: the call took longer than 10s"},
			vars:     map[string]any{"result": nil, "error": "the call took longer than 10s"},
		},
		{
			name:     "404: saved, then on_error",
			result:   httpResult(404, "application/json", `{"error": "no such order"}`),
			messages: []string{`Failed: the server answered 404 Not Found: {"error": "no such order"}`},
			vars: map[string]any{
				"result": map[string]any{
					"status":  404,
					"headers": map[string]any{"content-type": "application/json"},
					"body":    map[string]any{"error": "no such order"},
				},
				"state": nil,
				"error": `the server answered 404 Not Found: {"error": "no such order"}`,
			},
		},
		{
			name:     "500 with a text body",
			result:   httpResult(500, "text/plain", "database down\n"),
			messages: []string{"Failed: the server answered 500 Internal Server Error: database down"},
			vars: map[string]any{
				"result": map[string]any{
					"status":  500,
					"headers": map[string]any{"content-type": "text/plain"},
					"body":    "database down\n",
				},
			},
		},
		{
			name:      "a map that fails",
			result:    httpResult(200, "application/json", `{"status": "empty", "items": []}`),
			errPrefix: "map first_item: index out of range",
			vars:      map[string]any{"state": "empty", "first_item": nil},
		},
		{
			name:     "no branch holds",
			result:   httpResult(201, "application/json", `{"status": "new", "items": [{"name": "Veggie"}]}`),
			messages: nil,
			vars:     map[string]any{"state": "new", "error": nil},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := answer(t, eng, asked, tt.result)
			if tt.errPrefix != "" {
				msg, _ := res.State.Vars["error"].(string)
				if !strings.HasPrefix(msg, tt.errPrefix) {
					t.Errorf("error = %q, want it to start with %q", msg, tt.errPrefix)
				}
				tt.messages = []string{"Failed: " + msg}
			}
			if diff := cmp.Diff(tt.messages, texts(res)); diff != "" {
				t.Errorf("messages (-want +got):\n%s", diff)
			}
			for k, want := range tt.vars {
				if diff := cmp.Diff(want, res.State.Vars[k]); diff != "" {
					t.Errorf("%s (-want +got):\n%s", k, diff)
				}
			}
			if res.State.Status != flow.StatusEnded || res.State.Pending != nil {
				t.Errorf("%q, pending %v; want ended with nothing pending", res.State.Status, res.State.Pending)
			}
		})
	}
}

func TestAPIWithoutOnErrorEnds(t *testing.T) {
	t.Parallel()
	eng := newEngine(t, "api.yaml", flow.Options{})
	asked := run(t, eng, flow.State{}, message("#bare", 0)).State
	res := answer(t, eng, asked, httpResult(503, "", ""))
	if !endsWithApology(res) || len(res.Messages()) != 1 || res.State.Status != flow.StatusEnded {
		t.Errorf("messages %v, status %q; want ended with the default error message", res.Messages(), res.State.Status)
	}
	if got := res.State.Vars["error"]; got != "the server answered 503 Service Unavailable" {
		t.Errorf("error = %v", got)
	}
	last := res.Trace[len(res.Trace)-1]
	if last.Kind != flow.StepEnd || last.Block != "bare" {
		t.Errorf("last step %+v, want the end at bare", last)
	}
}
