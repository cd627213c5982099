package action

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/confab/confab/internal/flow"
	"github.com/confab/confab/internal/webhook"
)

// recordingServer answers every request with a small JSON body and sends
// what it received on the returned channel.
func recordingServer(t *testing.T) (*httptest.Server, chan seen) {
	t.Helper()
	got := make(chan seen, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got <- seen{method: r.Method, path: r.URL.Path, query: r.URL.RawQuery, header: r.Header.Clone(), body: body}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":true}`)
	}))
	t.Cleanup(srv.Close)
	return srv, got
}

func newSecret(t *testing.T) webhook.Secret {
	t.Helper()
	s, err := webhook.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// verifyTheirWay checks a received request with the Standard Webhooks
// reference library (not our code) under secret.
func verifyTheirWay(t *testing.T, secret webhook.Secret, s seen) {
	t.Helper()
	wh, err := standardwebhooks.NewWebhook(secret.String())
	if err != nil {
		t.Fatal(err)
	}
	if err := wh.Verify(s.body, s.header); err != nil {
		t.Errorf("%s %s: the standardwebhooks library does not verify it: %v (headers %v)", s.method, s.path, err, s.header)
	}
}

func TestEveryCallIsKeyedAndSigned(t *testing.T) {
	t.Parallel()
	srv, got := recordingServer(t)
	secret := newSecret(t)
	ctx := WithOrigin(context.Background(), Origin{Conversation: "conv_abc", Signer: webhook.NewSigner(secret)})
	x := loopbackExecutor(t)
	for _, kind := range []string{"api", "custom_action", "function"} {
		t.Run(kind, func(t *testing.T) {
			c := httpCall("lookup#3", "POST", srv.URL+"/"+kind, [][2]string{
				{"Content-Type", "application/json"},
				// A bot cannot forge or pin the headers Confab sets.
				{"Idempotency-Key", "mine"}, {"webhook-id", "mine"}, {"webhook-signature", "v1,forged"},
			}, []byte(`{"kind":"`+kind+`"}`), 5*time.Second)
			c.Kind = kind
			res := x.Execute(ctx, c)
			if res.Err != "" || res.HTTP == nil || res.HTTP.Status != 200 {
				t.Fatalf("result %+v", res)
			}
			s := <-got
			for name, want := range map[string]string{"Idempotency-Key": "conv_abc/lookup#3", "webhook-id": "conv_abc/lookup#3"} {
				if v := s.header.Values(name); len(v) != 1 || v[0] != want {
					t.Errorf("%s = %q, want only %q", name, v, want)
				}
			}
			if v := s.header.Values("webhook-signature"); len(v) != 1 || strings.Contains(v[0], "forged") {
				t.Errorf("webhook-signature = %q, want only ours", v)
			}
			verifyTheirWay(t, secret, s)
		})
	}
}

func TestEachFetchOfAScriptHasItsOwnKeyAndSignature(t *testing.T) {
	t.Parallel()
	srv, got := recordingServer(t)
	secret := newSecret(t)
	ctx := WithOrigin(context.Background(), Origin{Conversation: "conv_abc", Signer: webhook.NewSigner(secret)})
	script := `await fetch("` + srv.URL + `/one")
await fetch("` + srv.URL + `/two?token=t", {method: "POST", body: {n: 2}})
vars.done = true`
	res := loopbackExecutor(t).Execute(ctx, codeCall("calc#4", script))
	if res.Err != "" || res.Code == nil || res.Code.Vars["done"] != true {
		t.Fatalf("result %+v", res)
	}
	for i, want := range []struct{ path, key string }{{"/one", "conv_abc/calc#4/fetch-1"}, {"/two", "conv_abc/calc#4/fetch-2"}} {
		s := <-got
		if s.path != want.path || s.header.Get("Idempotency-Key") != want.key || s.header.Get("webhook-id") != want.key {
			t.Errorf("fetch %d: %s with Idempotency-Key %q and webhook-id %q, want %s with %q", i+1, s.path,
				s.header.Get("Idempotency-Key"), s.header.Get("webhook-id"), want.path, want.key)
		}
		verifyTheirWay(t, secret, s)
	}
	if len(res.Requests) != 2 {
		t.Fatalf("requests %+v, want the two fetches", res.Requests)
	}
	for i, want := range []flow.Request{
		{Method: "GET", URL: srv.URL + "/one", Status: 200, Bytes: len(`{"ok":true}`)},
		{Method: "POST", URL: srv.URL + "/two?token=t", Status: 200, Bytes: len(`{"ok":true}`)},
	} {
		r := res.Requests[i]
		if r.Method != want.Method || r.URL != want.URL || r.Status != want.Status || r.Bytes != want.Bytes || r.ErrClass != "" || r.Latency <= 0 {
			t.Errorf("request %d = %+v, want %+v with a latency", i+1, r, want)
		}
	}
}

func TestWithoutAnOriginTheKeyIsTheCallIDAndNothingIsSigned(t *testing.T) {
	t.Parallel()
	srv, got := recordingServer(t)
	res := loopbackExecutor(t).Execute(context.Background(), httpCall("lookup#1", "GET", srv.URL, nil, nil, 5*time.Second))
	if res.Err != "" {
		t.Fatalf("result %+v", res)
	}
	s := <-got
	if s.header.Get("Idempotency-Key") != "lookup#1" || s.header.Get("webhook-id") != "lookup#1" {
		t.Errorf("keys %q / %q, want the call id", s.header.Get("Idempotency-Key"), s.header.Get("webhook-id"))
	}
	if s.header.Get("webhook-signature") != "" || s.header.Get("webhook-timestamp") != "" {
		t.Errorf("unsigned call carries %v", s.header)
	}
}

func TestOriginKeys(t *testing.T) {
	t.Parallel()
	a, b := Origin{Conversation: "conv_a"}, Origin{Conversation: "conv_b"}
	if k := a.Key("lookup#1"); k != "conv_a/lookup#1" {
		t.Errorf("key %q, want the conversation and the call id", k)
	}
	for _, pair := range [][2]string{
		{a.Key("lookup#1"), b.Key("lookup#1")}, // two conversations
		{a.Key("lookup#1"), a.Key("lookup#2")}, // two steps
		{a.Key("lookup#1"), a.Key("lookup#1/fetch-1")},
	} {
		if pair[0] == pair[1] {
			t.Errorf("two calls share the key %q", pair[0])
		}
	}
}

func TestFailedCallsDoNotQuoteTheURL(t *testing.T) {
	t.Parallel()
	const secret = "k3y-0f-the-shop"
	for _, tc := range []struct{ name, url, class string }{
		{"refused address", "http://10.0.0.1/o?key=" + secret, "blocked"},
		{"bad URL", "http://[::1/o?key=" + secret, "request"},
		{"no server", "http://127.0.0.1:1/o?key=" + secret, "refused"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := loopbackExecutor(t).Execute(context.Background(), httpCall("lookup#1", "GET", tc.url, nil, nil, 5*time.Second))
			if res.ErrClass != tc.class || res.Err == "" {
				t.Fatalf("result %+v, want the class %q", res, tc.class)
			}
			if strings.Contains(res.Err, secret) {
				t.Errorf("the error %q quotes the URL", res.Err)
			}
			if len(res.Requests) != 1 || res.Requests[0].ErrClass != tc.class || res.Requests[0].URL != tc.url {
				t.Errorf("requests %+v", res.Requests)
			}
		})
	}
}
