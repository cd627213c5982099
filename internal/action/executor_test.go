package action

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/confab/confab/internal/flow"
	"github.com/confab/confab/internal/jsbox"
	"github.com/confab/confab/internal/safehttp"
)

// loopbackExecutor is an Executor whose safe client may reach the test
// servers on 127.0.0.1 and nothing else private.
func loopbackExecutor(t *testing.T) Executor {
	t.Helper()
	c, err := safehttp.New(safehttp.Config{Allow: []string{"127.0.0.1/32"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return Executor{Client: c.HTTPClient()}
}

// seen is what a test server received.
type seen struct {
	method, path, query string
	header              http.Header
	body                []byte
}

func httpCall(id, method, url string, header [][2]string, body []byte, timeout time.Duration) *flow.Call {
	return &flow.Call{ID: id, Block: "b", Kind: "api", HTTP: &flow.HTTPRequest{Method: method, URL: url, Header: header, Body: body, Timeout: timeout}}
}

func TestExecuteSendsTheRequestAndReturnsTheAnswer(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		method    string
		header    [][2]string
		body      []byte
		status    int
		wantAgent string
	}{
		{
			name:   "POST with JSON and a repeated header",
			method: "POST",
			header: [][2]string{{"Content-Type", "application/json"}, {"X-Tag", "one"}, {"X-Tag", "two"}, {"Authorization", "Bearer s3cret"}},
			body:   []byte(`{"order":17}`), status: http.StatusCreated, wantAgent: "Confab/1",
		},
		{
			name:   "GET without a body, own User-Agent",
			method: "GET",
			header: [][2]string{{"User-Agent", "shop-bot/2"}},
			status: http.StatusOK, wantAgent: "shop-bot/2",
		},
		{
			name:   "DELETE answered with an error status is still an answer",
			method: "DELETE",
			status: http.StatusInternalServerError, wantAgent: "Confab/1",
		},
		{
			name:   "a redirect is returned, not followed",
			method: "PATCH",
			body:   []byte("a=1"),
			status: http.StatusFound, wantAgent: "Confab/1",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := make(chan seen, 2)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				got <- seen{method: r.Method, path: r.URL.Path, query: r.URL.RawQuery, header: r.Header.Clone(), body: body}
				w.Header().Set("X-Answer", "yes")
				w.Header().Add("Set-Cookie", "a=1")
				w.Header().Add("Set-Cookie", "b=2")
				if tc.status == http.StatusFound {
					w.Header().Set("Location", "/elsewhere")
				}
				w.WriteHeader(tc.status)
				io.WriteString(w, "answer to "+r.Method)
			}))
			defer srv.Close()

			res := loopbackExecutor(t).Execute(context.Background(), httpCall("call_abc", tc.method, srv.URL+"/orders/7?x=1&y=%20", tc.header, tc.body, 5*time.Second))

			if res.Err != "" || res.ErrClass != "" || res.HTTP == nil {
				t.Fatalf("result %+v", res)
			}
			if res.HTTP.Status != tc.status || string(res.HTTP.Body) != "answer to "+tc.method {
				t.Errorf("answer %d %q", res.HTTP.Status, res.HTTP.Body)
			}
			h := http.Header(res.HTTP.Header)
			if h.Get("X-Answer") != "yes" || strings.Join(h.Values("Set-Cookie"), ",") != "a=1,b=2" {
				t.Errorf("answer headers %v", res.HTTP.Header)
			}
			if res.Latency <= 0 {
				t.Errorf("latency %v", res.Latency)
			}
			s := <-got
			if s.method != tc.method || s.path != "/orders/7" || s.query != "x=1&y=%20" || !bytes.Equal(s.body, tc.body) {
				t.Errorf("server saw %s %s?%s %q", s.method, s.path, s.query, s.body)
			}
			if k := s.header.Values("Idempotency-Key"); len(k) != 1 || k[0] != "call_abc" {
				t.Errorf("Idempotency-Key %q, want the call id", k)
			}
			if ua := s.header.Get("User-Agent"); ua != tc.wantAgent {
				t.Errorf("User-Agent %q, want %q", ua, tc.wantAgent)
			}
			want := map[string][]string{}
			for _, kv := range tc.header {
				want[kv[0]] = append(want[kv[0]], kv[1])
			}
			for name, values := range want {
				if got := s.header.Values(name); strings.Join(got, "|") != strings.Join(values, "|") {
					t.Errorf("header %s = %q, want %q", name, got, values)
				}
			}
		})
	}
}

func TestExecuteCallerIdempotencyKeyIsReplacedByTheCallID(t *testing.T) {
	t.Parallel()
	keys := make(chan []string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		keys <- r.Header.Values("Idempotency-Key")
	}))
	defer srv.Close()
	res := loopbackExecutor(t).Execute(context.Background(), httpCall("call_9", "POST", srv.URL, [][2]string{{"Idempotency-Key", "from-the-bot"}}, nil, time.Second))
	if res.HTTP == nil || res.HTTP.Status != 200 {
		t.Fatalf("result %+v", res)
	}
	if k := <-keys; len(k) != 1 || k[0] != "call_9" {
		t.Errorf("Idempotency-Key %q, want only the call id", k)
	}
}

func TestExecuteCapsTheAnswer(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		size  int
		class string
	}{
		{"exactly the limit", MaxResponseBytes, ""},
		{"one byte over", MaxResponseBytes + 1, "too_large"},
		{"far over", 3 * MaxResponseBytes, "too_large"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Write(bytes.Repeat([]byte("x"), tc.size))
			}))
			defer srv.Close()
			res := loopbackExecutor(t).Execute(context.Background(), httpCall("c", "GET", srv.URL, nil, nil, 5*time.Second))
			if res.ErrClass != tc.class {
				t.Fatalf("class %q (%s), want %q", res.ErrClass, res.Err, tc.class)
			}
			if tc.class == "" {
				if res.HTTP == nil || len(res.HTTP.Body) != tc.size {
					t.Errorf("answer %+v", res.HTTP)
				}
				return
			}
			if res.HTTP != nil || !strings.Contains(res.Err, "too large") {
				t.Errorf("result %+v", res)
			}
		})
	}
}

func TestExecuteTimesOut(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		handler func(w http.ResponseWriter, r *http.Request)
	}{
		{"no headers in time", func(_ http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		}},
		{"the body stalls", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "100")
			w.WriteHeader(200)
			io.WriteString(w, "partial")
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(tc.handler))
			defer srv.Close()
			start := time.Now()
			res := loopbackExecutor(t).Execute(context.Background(), httpCall("c", "GET", srv.URL, nil, nil, 150*time.Millisecond))
			took := time.Since(start)
			if res.ErrClass != "timeout" || res.HTTP != nil {
				t.Fatalf("result %+v, want the class timeout", res)
			}
			if took < 150*time.Millisecond || took > 5*time.Second {
				t.Errorf("took %v for a 150ms time-out", took)
			}
			// The clock starts after the deadline is set: allow a little.
			if res.Latency < 140*time.Millisecond || res.Latency > took {
				t.Errorf("latency %v", res.Latency)
			}
		})
	}
}

func TestExecuteTransportFailures(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer srv.Close()

	// A port nothing listens on.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()

	strict, err := safehttp.New(safehttp.Config{})
	if err != nil {
		t.Fatal(err)
	}
	canceled, cancel := context.WithCancel(context.Background())
	cancel()

	for _, tc := range []struct {
		name  string
		x     Executor
		ctx   context.Context
		call  *flow.Call
		class string
	}{
		{"loopback refused by a client without allow-list", Executor{Client: strict.HTTPClient()}, context.Background(), httpCall("c", "GET", srv.URL, nil, nil, time.Second), "blocked"},
		{"a scheme other than http", loopbackExecutor(t), context.Background(), httpCall("c", "GET", "file:///etc/passwd", nil, nil, time.Second), "blocked"},
		{"127.0.0.2 is outside the allow-list", loopbackExecutor(t), context.Background(), httpCall("c", "GET", "http://127.0.0.2:1/", nil, nil, time.Second), "blocked"},
		{"connection refused", loopbackExecutor(t), context.Background(), httpCall("c", "GET", closed, nil, nil, time.Second), "refused"},
		{"the caller gave up", loopbackExecutor(t), canceled, httpCall("c", "GET", srv.URL, nil, nil, time.Second), "canceled"},
		{"a method that is not a token", loopbackExecutor(t), context.Background(), httpCall("c", "NOT A METHOD", srv.URL, nil, nil, time.Second), "request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := tc.x.Execute(tc.ctx, tc.call)
			if res.ErrClass != tc.class || res.Err == "" || res.HTTP != nil {
				t.Errorf("result %+v, want the class %q", res, tc.class)
			}
		})
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the server got %d requests; every call above must fail before it", n)
	}
}

func TestExecuteRefusesWhatItDoesNotRun(t *testing.T) {
	t.Parallel()
	x := loopbackExecutor(t)
	res := x.Execute(context.Background(), &flow.Call{ID: "c2", Kind: "ai", AI: &flow.AIRequest{Instructions: "be nice", Input: "hi"}})
	if res.ErrClass != "unsupported" || !strings.Contains(res.Err, "ai blocks") || res.HTTP != nil || res.Code != nil || res.AI != nil {
		t.Errorf("result %+v", res)
	}
}

func codeCall(id, script string) *flow.Call {
	return &flow.Call{ID: id, Block: "calc", Kind: "code", Code: &flow.CodeRequest{
		Script: script, Timeout: 2 * time.Second, Vars: map[string]any{"qty": 3}, Input: flow.Input{Text: "hi"},
	}}
}

func TestExecuteRunsCode(t *testing.T) {
	t.Parallel()
	x := loopbackExecutor(t)
	res := x.Execute(context.Background(), codeCall("calc#1", `vars.total = vars.qty * 2; say("Total: " + vars.total); goto("done")`))
	if res.Err != "" || res.Code == nil {
		t.Fatalf("result %+v", res)
	}
	if got := res.Code.Vars["total"]; got != 6.0 {
		t.Errorf("total = %#v, want 6", got)
	}
	if len(res.Code.Say) != 1 || res.Code.Say[0].Text != "Total: 6" || res.Code.Goto != "done" {
		t.Errorf("say %v, goto %q", res.Code.Say, res.Code.Goto)
	}
}

func TestExecuteCodeFetchesThroughTheSafeClient(t *testing.T) {
	t.Parallel()
	got := make(chan seen, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got <- seen{method: r.Method, path: r.URL.Path, header: r.Header.Clone(), body: body}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"status":"shipped"}`))
	}))
	t.Cleanup(srv.Close)
	x := loopbackExecutor(t)
	script := `const r = await fetch("` + srv.URL + `/orders/17", {method: "POST", body: {id: 17}, headers: {Authorization: "Bearer t0ken"}})
vars.status = (await r.json()).status
vars.code = r.status`
	res := x.Execute(context.Background(), codeCall("calc#4", script))
	if res.Err != "" || res.Code == nil {
		t.Fatalf("result %+v", res)
	}
	if res.Code.Vars["status"] != "shipped" || res.Code.Vars["code"] != 200.0 {
		t.Errorf("vars %v", res.Code.Vars)
	}
	s := <-got
	if s.method != "POST" || s.path != "/orders/17" || string(s.body) != `{"id":17}` {
		t.Errorf("the server got %s %s %s", s.method, s.path, s.body)
	}
	for k, want := range map[string]string{
		"Idempotency-Key": "calc#4/fetch-1",
		"Content-Type":    "application/json",
		"Authorization":   "Bearer t0ken",
		"User-Agent":      "Confab/1",
	} {
		if v := s.header.Get(k); v != want {
			t.Errorf("%s: %q, want %q", k, v, want)
		}
	}
}

func TestExecuteCodeFetchToAPrivateAddressIsBlocked(t *testing.T) {
	t.Parallel()
	x := loopbackExecutor(t)
	for _, url := range []string{"http://169.254.169.254/latest/meta-data/", "http://127.0.0.2/", "http://[::1]/", "http://10.0.0.1/"} {
		t.Run(url, func(t *testing.T) {
			t.Parallel()
			res := x.Execute(context.Background(), codeCall("calc#1", `await fetch("`+url+`")`))
			if res.ErrClass != "blocked" || !strings.Contains(res.Err, "refused") || res.Code != nil {
				t.Errorf("result %+v, want the class blocked", res)
			}
			res = x.Execute(context.Background(), codeCall("calc#1", `try { await fetch("`+url+`") } catch (e) { vars.caught = e.name + " " + e.class }`))
			if res.Err != "" || res.Code.Vars["caught"] != "FetchError blocked" {
				t.Errorf("result %+v, want the error caught", res)
			}
		})
	}
}

func TestExecuteCodeWithAScriptBox(t *testing.T) {
	t.Parallel()
	x := loopbackExecutor(t)
	x.Scripts = jsbox.New(jsbox.Config{MemoryLimit: 4 << 20, MaxRuns: 1})
	res := x.Execute(context.Background(), codeCall("calc#1", `const big = new Uint8Array(8 << 20); vars.n = big.length`))
	if res.ErrClass != "memory" {
		t.Errorf("result %+v, want the class memory under a 4 MiB limit", res)
	}
	res = x.Execute(context.Background(), codeCall("calc#1", `const big = new Uint8Array(1 << 20); vars.n = big.length`))
	if res.Err != "" || res.Code.Vars["n"] != float64(1<<20) {
		t.Errorf("result %+v, want 1 MiB allocated under a 4 MiB limit", res)
	}
}
