package jsbox_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/confab/confab/internal/flow"
	"github.com/confab/confab/internal/jsbox"
)

// code is a code call of script with a generous budget and qty = 3.
func code(script string) *flow.Call {
	return &flow.Call{ID: "calc#2", Block: "calc", Kind: "code", Code: &flow.CodeRequest{
		Script:  script,
		Timeout: 5 * time.Second,
		Vars:    map[string]any{"qty": 3, "name": "Sam", "tags": []any{"a", "b"}},
	}}
}

// ok runs a call on a default Box and fails the test unless it succeeds.
func ok(t *testing.T, c *flow.Call, fetch flow.Executor) *flow.CodeResult {
	t.Helper()
	res := (*jsbox.Box)(nil).Run(context.Background(), c, fetch)
	if res.Err != "" || res.Code == nil {
		t.Fatalf("the run failed: %s: %s", res.ErrClass, res.Err)
	}
	return res.Code
}

func TestRunSeesTheConversation(t *testing.T) {
	t.Parallel()
	c := code(`vars.seen = [input, intent, confidence, entities.size, user.name, conversation.id, channel, env.SHOP_URL, vars.qty, typeof secret]`)
	c.Code.Input = flow.Input{Text: "a large pizza", Intent: "order", Confidence: 0.9, Entities: map[string]any{"size": "large"}}
	c.Code.User = map[string]any{"name": "Sam"}
	c.Code.Conversation = map[string]any{"id": "c1"}
	c.Code.Channel = "web"
	c.Code.Env = map[string]any{"SHOP_URL": "https://shop.example"}
	got := ok(t, c, nil).Vars["seen"]
	want := []any{"a large pizza", "order", 0.9, "large", "Sam", "c1", "web", "https://shop.example", 3.0, "undefined"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("what the script saw (-want +got):\n%s", diff)
	}
}

func TestRunWithNothingButTheScript(t *testing.T) {
	t.Parallel()
	c := &flow.Call{ID: "x#1", Kind: "code", Code: &flow.CodeRequest{Script: `vars.seen = [input, intent, JSON.stringify(entities), JSON.stringify(user), JSON.stringify(conversation), channel, JSON.stringify(env)]`}}
	got := ok(t, c, nil).Vars["seen"]
	want := []any{"", "", "{}", "{}", "{}", "", "{}"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("what the script saw (-want +got):\n%s", diff)
	}
}

func TestRunResult(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		script string
		want   *flow.CodeResult
	}{
		{
			name:   "variables set, changed and deleted; the untouched keep their Go values",
			script: `vars.total = vars.qty * 9.5; vars.order = {id: 17, items: ["margherita"]}; delete vars.name`,
			want: &flow.CodeResult{Vars: map[string]any{
				"qty": 3, "tags": []any{"a", "b"}, "total": 28.5,
				"order": map[string]any{"id": 17.0, "items": []any{"margherita"}},
			}},
		},
		{
			name:   "vars replaced as a whole",
			script: `vars = {fresh: true}`,
			want:   &flow.CodeResult{Vars: map[string]any{"fresh": true}},
		},
		{
			name:   "texts and a number said, in order",
			script: `say("Hello " + vars.name); say(42)`,
			want: &flow.CodeResult{Vars: map[string]any{"qty": 3, "name": "Sam", "tags": []any{"a", "b"}},
				Say: []flow.Message{{Text: "Hello Sam"}, {Text: "42"}}},
		},
		{
			name: "rich messages in the shape of a bot file",
			script: `say({text: "Size?", quick_replies: ["Small", {title: "Large", payload: "L"}], buttons: [{title: "Menu", url: "https://pizza.example/menu"}]})
say({card: {title: "Margherita", subtitle: "Tomato", image: "https://pizza.example/m.png", buttons: [{title: "Order", payload: "order m"}]}})
say({carousel: [{title: "A"}, {title: "B", url: "https://pizza.example/b"}]})
say({dropdown: {placeholder: "Pick", options: ["One", {title: "Two", payload: "2"}]}})
say({image: "https://pizza.example/p.png"})`,
			want: &flow.CodeResult{Vars: map[string]any{"qty": 3, "name": "Sam", "tags": []any{"a", "b"}}, Say: []flow.Message{
				{Text: "Size?", QuickReplies: []flow.QuickReply{{Title: "Small", Payload: "Small"}, {Title: "Large", Payload: "L"}},
					Buttons: []flow.Button{{Title: "Menu", URL: "https://pizza.example/menu"}}},
				{Cards: []flow.Card{{Title: "Margherita", Subtitle: "Tomato", Image: "https://pizza.example/m.png", Buttons: []flow.Button{{Title: "Order", Payload: "order m"}}}}},
				{Cards: []flow.Card{{Title: "A"}, {Title: "B", URL: "https://pizza.example/b"}}, Carousel: true},
				{Dropdown: &flow.Dropdown{Placeholder: "Pick", Options: []flow.QuickReply{{Title: "One", Payload: "One"}, {Title: "Two", Payload: "2"}}}},
				{Image: "https://pizza.example/p.png"},
			}},
		},
		{
			name:   "the last goto wins, and return ends the script",
			script: `goto("a"); goto("b"); await null; return; goto("c")`,
			want:   &flow.CodeResult{Vars: map[string]any{"qty": 3, "name": "Sam", "tags": []any{"a", "b"}}, Goto: "b"},
		},
		{
			name:   "a rejection nobody awaits does not fail the run",
			script: `Promise.reject(new Error("ignored")); vars.done = true`,
			want:   &flow.CodeResult{Vars: map[string]any{"qty": 3, "name": "Sam", "tags": []any{"a", "b"}, "done": true}},
		},
		{
			name:   "jobs still queued when the script returns are dropped",
			script: `Promise.resolve().then(async () => { await null; await null; vars.late = true }); vars.early = true`,
			want:   &flow.CodeResult{Vars: map[string]any{"qty": 3, "name": "Sam", "tags": []any{"a", "b"}, "early": true}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := ok(t, code(tt.script), nil)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("result (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRunErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		script string
		class  string
		err    string
	}{
		{"let x = 1\nx +* 2", "exception", "SyntaxError: unexpected token in expression: '*' (line 2)"},
		{"const o = null\n\n\no.total", "exception", "TypeError: cannot read property 'total' of null (line 4)"},
		{`throw new RangeError("too big")`, "exception", "RangeError: too big (line 1)"},
		{`throw "no pizza today"`, "exception", "no pizza today"},
		{`throw {code: 7}`, "exception", `the script threw {"code":7}`},
		{`say("")`, "exception", "TypeError: say: the text is empty (line 1)"},
		{`say(null)`, "exception", "TypeError: say: give a text or a message object, not null (line 1)"},
		{`say({txt: "typo"})`, "exception", `TypeError: say: unknown field "txt" (line 1)`},
		{`say({quick_replies: ["a"], image: "x"})`, "exception", "TypeError: say: quick_replies need a text to go with (line 1)"},
		{`say({text: "a", buttons: [{title: "b"}]})`, "exception", "TypeError: say: a button needs exactly one of payload, url or webview (line 1)"},
		{`say({card: {subtitle: "no title"}})`, "exception", "TypeError: say: card 1 needs a title (line 1)"},
		{`goto("")`, "exception", `TypeError: goto: "" is not a block id (line 1)`},
		{`await fetch("https://example.com/", {method: "TRACE"})`, "exception", `TypeError: fetch: the method "TRACE" is not one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS (line 1)`},
		{`await fetch("https://example.com/", {body: "x"})`, "exception", "TypeError: fetch: a GET request cannot have a body (line 1)"},
		{`await fetch("https://example.com/", {headers: {"X-A\r\nX-B": "1"}})`, "exception", `TypeError: fetch: the header "X-A\r\nX-B" is not a valid header (line 1)`},
		{`await fetch("https://example.com/")`, "unsupported", "fetch: this host does not make fetch requests"},
		{`vars.list = [1, 2]; vars.list.toJSON = () => 5; vars = vars.list`, "exception", "reading vars back: TypeError: vars must be an object, not a list"},
		{`vars.toJSON = () => 5`, "exception", "vars must be written as a JSON object (does it have a toJSON method?)"},
	}
	for _, tt := range tests {
		t.Run(tt.script, func(t *testing.T) {
			t.Parallel()
			res := (*jsbox.Box)(nil).Run(context.Background(), code(tt.script), nil)
			if res.ErrClass != tt.class || res.Err != tt.err {
				t.Errorf("got %s: %q\nwant %s: %q", res.ErrClass, res.Err, tt.class, tt.err)
			}
			if res.Code != nil {
				t.Errorf("a failed run keeps nothing, but the result has %+v", res.Code)
			}
		})
	}
}

func TestRunDefaultBudget(t *testing.T) {
	t.Parallel()
	c := code(`for (;;) {}`)
	c.Code.Timeout = 0
	res := (*jsbox.Box)(nil).Run(context.Background(), c, nil)
	if res.ErrClass != "timeout" || res.Err != "the script ran longer than 1s" {
		t.Errorf("got %s: %s", res.ErrClass, res.Err)
	}
}

func TestRunCanceled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan *flow.CallResult)
	go func() { done <- (*jsbox.Box)(nil).Run(ctx, code(`for (;;) {}`), nil) }()
	cancel()
	if res := <-done; res.ErrClass != "canceled" {
		t.Errorf("got %s: %s, want canceled", res.ErrClass, res.Err)
	}
}

// TestRunsAreIsolated runs, on one Box, a script that changes everything
// it can reach, then a script that looks for those changes.
func TestRunsAreIsolated(t *testing.T) {
	t.Parallel()
	box := jsbox.New(jsbox.Config{MaxRuns: 1})
	spoil := code(`Object.prototype.spoiled = 1
Array.prototype.join = () => "spoiled"
JSON.parse = () => "spoiled"
globalThis.leftover = 1
var leftoverVar = 1
say = () => {}
vars.secretOfRunOne = "x"`)
	if res := box.Run(context.Background(), spoil, nil); res.Err != "" {
		t.Fatalf("the first run failed: %s", res.Err)
	}
	look := code(`vars.found = [({}).spoiled, [1, 2].join(), JSON.parse("3"), typeof leftover, typeof leftoverVar, "secretOfRunOne" in vars]
say("still here")`)
	res := box.Run(context.Background(), look, nil)
	if res.Err != "" {
		t.Fatalf("the second run failed: %s", res.Err)
	}
	want := []any{nil, "1,2", 3.0, "undefined", "undefined", false}
	if diff := cmp.Diff(want, res.Code.Vars["found"]); diff != "" {
		t.Errorf("the second run saw the first's changes (-want +got):\n%s", diff)
	}
	if len(res.Code.Say) != 1 {
		t.Errorf("say: %v", res.Code.Say)
	}
}

// TestBuiltinsStillWork checks the Array methods, sorts and JSON.stringify
// the prelude replaces against what the standard says they do.
func TestBuiltinsStillWork(t *testing.T) {
	t.Parallel()
	script := `
const out = {}
const holey = [1, , 3]
out.concat = [1, [2]].concat([3, , 5], 6, {length: 1, 0: "x", [Symbol.isConcatSpreadable]: true}, {length: 1, 0: "y"})
out.concatHoles = Object.keys([0].concat(holey)).join()
out.flat = [1, [2, [3, [4]]], , 5].flat()
out.flatAll = [1, [2, [3, [4]]]].flat(Infinity)
out.flatMap = [1, 2].flatMap((x, i) => [x, i * 10])
out.sortDefault = [10, 9, 1, undefined, 100, , 2].sort()
out.sortedLength = [3, , undefined, 1].sort().length
out.sortCompare = [10, 9, 1].sort((a, b) => a - b)
out.toSorted = [10, 9, 1].toSorted()
out.typedSort = Array.from(new Float64Array([3, NaN, -0, 0, -1]).sort()).map(x => Object.is(x, -0) ? "-0" : String(x))
out.bigSort = Array.from(new BigInt64Array([3n, -1n, 0n]).sort()).map(String)
out.typedSet = (() => { const t = new Uint8Array(4); t.set([1, 2], 1); t.set({length: 1, 0: 9}); return Array.from(t) })()
out.arrayLike = Array.prototype.join.call({length: 3, 0: "a", 2: "c"}, "-")
out.args = (function () { return Array.prototype.slice.call(arguments, 1) })(1, 2, 3)
out.string = Array.prototype.map.call("abc", c => c.toUpperCase())
out.methods = [[1, 2, 3].indexOf(2), [1, 2, 3].includes(4), [1, 2, 3].map(x => x * 2), [3, 4].reduce((a, b) => a + b), [1, 2, 3].slice(1), String([1, [2, 3]])]
out.json = JSON.stringify({b: [1, {c: 2, d: 3}], a: "x", e: undefined, n: new Number(1)})
out.jsonList = JSON.stringify({b: 1, a: {b: 2, c: 3}, c: 4}, ["c", "a", "b", "a"])
out.jsonReplacer = JSON.stringify({a: 1, b: [2]}, (k, v) => typeof v === "number" ? v * 10 : v, 1)
out.jsonToJSON = JSON.stringify({d: new Date(0), o: {toJSON(k) { return "key " + k }}})
out.names = [[].concat.name, [].flat.name, [].sort.length, JSON.stringify.name, [].indexOf.length]
vars.out = out
`
	got := ok(t, code(script), nil).Vars["out"]
	want := map[string]any{
		"concat":       []any{1.0, []any{2.0}, 3.0, nil, 5.0, 6.0, "x", map[string]any{"0": "y", "length": 1.0}},
		"concatHoles":  "0,1,3",
		"flat":         []any{1.0, 2.0, []any{3.0, []any{4.0}}, 5.0},
		"flatAll":      []any{1.0, 2.0, 3.0, 4.0},
		"flatMap":      []any{1.0, 0.0, 2.0, 10.0},
		"sortDefault":  []any{1.0, 10.0, 100.0, 2.0, 9.0, nil, nil},
		"sortedLength": 4.0,
		"sortCompare":  []any{1.0, 9.0, 10.0},
		"toSorted":     []any{1.0, 10.0, 9.0},
		"typedSort":    []any{"-1", "-0", "0", "3", "NaN"},
		"bigSort":      []any{"-1", "0", "3"},
		"typedSet":     []any{9.0, 1.0, 2.0, 0.0},
		"arrayLike":    "a--c",
		"args":         []any{2.0, 3.0},
		"string":       []any{"A", "B", "C"},
		"methods":      []any{1.0, false, []any{2.0, 4.0, 6.0}, 7.0, []any{2.0, 3.0}, "1,2,3"},
		"json":         `{"b":[1,{"c":2,"d":3}],"a":"x","n":1}`,
		"jsonList":     `{"c":4,"a":{"c":3,"b":2},"b":1}`,
		"jsonReplacer": "{\n \"a\": 10,\n \"b\": [\n  20\n ]\n}",
		"jsonToJSON":   `{"d":"1970-01-01T00:00:00.000Z","o":"key o"}`,
		"names":        []any{"concat", "flat", 1.0, "stringify", 1.0},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("built-ins (-want +got):\n%s", diff)
	}
}

// fetchServer records what it receives and answers by path.
func fetchServer(t *testing.T) (*httptest.Server, chan *http.Request) {
	t.Helper()
	seen := make(chan *http.Request, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		seen <- r
		switch r.URL.Path {
		case "/order":
			w.Header().Set("Content-Type", "application/json")
			w.Header().Add("X-Tag", "a")
			w.Header().Add("X-Tag", "b")
			w.Write([]byte(`{"id": 17, "status": "shipped"}`))
		case "/missing":
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte("no such order"))
		case "/echo":
			w.Header().Set("Content-Type", r.Header.Get("Content-Type"))
			w.Write(body)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, seen
}

func TestFetch(t *testing.T) {
	t.Parallel()
	srv, seen := fetchServer(t)
	c := code(`
const r = await fetch(env.SERVER + "/order", {headers: {Authorization: "Bearer t0ken", "X-Count": 2}})
const body = await r.json()
const miss = await fetch(env.SERVER + "/missing")
const echo = await fetch(env.SERVER + "/echo", {method: "post", body: {qty: vars.qty}})
const text = await fetch(env.SERVER + "/echo", {method: "PUT", body: "plain", headers: [["Content-Type", "text/plain"]]})
vars.got = {
  status: r.status, ok: r.ok, id: body.id, type: r.headers.get("CONTENT-TYPE"), tags: r.headers.get("x-tag"),
  none: r.headers.get("x-none"), has: r.headers.has("x-tag"),
  miss: [miss.status, miss.ok, await miss.text()],
  echo: await echo.json(), text: await text.text(), url: miss.url.endsWith("/missing"),
}`)
	c.Code.Env = map[string]any{"SERVER": srv.URL}
	got := ok(t, c, executor(t, "127.0.0.1/32")).Vars["got"]
	want := map[string]any{
		"status": 200.0, "ok": true, "id": 17.0, "type": "application/json", "tags": "a, b", "none": nil, "has": true,
		"miss": []any{404.0, false, "no such order"},
		"echo": map[string]any{"qty": 3.0}, "text": "plain", "url": true,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("what the script read (-want +got):\n%s", diff)
	}
	for i, want := range []struct{ method, path, key, ctype, body string }{
		{"GET", "/order", "calc#2/fetch-1", "", ""},
		{"GET", "/missing", "calc#2/fetch-2", "", ""},
		{"POST", "/echo", "calc#2/fetch-3", "application/json", `{"qty":3}`},
		{"PUT", "/echo", "calc#2/fetch-4", "text/plain", "plain"},
	} {
		r := <-seen
		body, _ := io.ReadAll(r.Body)
		if r.Method != want.method || r.URL.Path != want.path || r.Header.Get("Idempotency-Key") != want.key ||
			r.Header.Get("Content-Type") != want.ctype || string(body) != want.body {
			t.Errorf("request %d: %s %s key %q type %q body %q; want %+v", i+1, r.Method, r.URL.Path,
				r.Header.Get("Idempotency-Key"), r.Header.Get("Content-Type"), body, want)
		}
		if i == 0 && (r.Header.Get("Authorization") != "Bearer t0ken" || r.Header.Get("X-Count") != "2") {
			t.Errorf("request 1 headers: %v", r.Header)
		}
	}
}

func TestFetchErrorsCanBeCaught(t *testing.T) {
	t.Parallel()
	c := code(`
const caught = []
for (const url of ["http://127.0.0.1:1/", "http://169.254.169.254/"]) {
  try { await fetch(url) } catch (e) { caught.push([e.name, e.class, e instanceof Error]) }
}
vars.caught = caught`)
	got := ok(t, c, executor(t)).Vars["caught"]
	want := []any{[]any{"FetchError", "blocked", true}, []any{"FetchError", "blocked", true}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("caught (-want +got):\n%s", diff)
	}
}

// blocking answers a fetch only once the test lets it, so that a run can
// be held in the middle.
type blocking struct {
	entered chan struct{}
	release chan struct{}
}

func (b *blocking) Execute(ctx context.Context, c *flow.Call) *flow.CallResult {
	b.entered <- struct{}{}
	select {
	case <-b.release:
	case <-ctx.Done():
	}
	return &flow.CallResult{HTTP: &flow.HTTPResponse{Status: 200, Body: []byte("{}")}}
}

func TestBoxCapsConcurrentRuns(t *testing.T) {
	t.Parallel()
	box := jsbox.New(jsbox.Config{MaxRuns: 1})
	hold := &blocking{entered: make(chan struct{}), release: make(chan struct{})}
	first := make(chan *flow.CallResult)
	go func() {
		first <- box.Run(context.Background(), code(`await fetch("https://example.com/"); vars.first = true`), hold)
	}()
	<-hold.entered // the first run holds the only slot

	c := code(`vars.second = true`)
	c.Code.Timeout = 50 * time.Millisecond
	if res := box.Run(context.Background(), c, nil); res.ErrClass != "busy" {
		t.Errorf("the second run: %s: %s, want busy", res.ErrClass, res.Err)
	}
	close(hold.release)
	if res := <-first; res.Err != "" || res.Code.Vars["first"] != true {
		t.Errorf("the first run: %+v", res)
	}
	if res := box.Run(context.Background(), code(`vars.third = true`), nil); res.Err != "" {
		t.Errorf("a run after the slot was freed: %s", res.Err)
	}
}

func TestRunIsJSONForTheState(t *testing.T) {
	t.Parallel()
	// The result goes into the conversation's state: it must survive
	// JSON, and a call ID with the fetch suffix is only for fetches.
	got := ok(t, code(`vars.n = 1.5; say({text: "x", quick_replies: ["y"]})`), nil)
	data, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	var back flow.CodeResult
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if back.Vars["n"] != 1.5 || len(back.Say) != 1 || back.Say[0].QuickReplies[0].Payload != "y" {
		t.Errorf("round trip: %+v", back)
	}
}
