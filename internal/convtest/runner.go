package convtest

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/confab/confab/internal/bot"
	"github.com/confab/confab/internal/flow"
	"github.com/confab/confab/internal/jsbox"
)

// DefaultNow is the clock at a test's first message when the file does not
// set one: a Monday morning.
var DefaultNow = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

// Result is the outcome of one test.
type Result struct {
	File    string
	Name    string
	Line    int
	Failure string // empty when the test passed
}

// Passed reports whether the test passed.
func (r Result) Passed() bool { return r.Failure == "" }

// RunFile runs every test of a file against a bot.
func RunFile(ctx context.Context, f *File, b *bot.Bot, kinds flow.Kinds) []Result {
	eng, err := flow.New(b, kinds, flow.Options{Env: f.Env, Secrets: f.Secrets})
	if err != nil {
		return []Result{{File: f.Path, Name: "(setup)", Failure: err.Error()}}
	}
	now := DefaultNow
	if f.Now != "" {
		if now, err = time.Parse(time.RFC3339, f.Now); err != nil {
			return []Result{{File: f.Path, Name: "(setup)", Failure: fmt.Sprintf("now: %v", err)}}
		}
	}
	out := make([]Result, len(f.Tests))
	for i := range f.Tests {
		t := &f.Tests[i]
		r := &run{file: f, test: t, eng: eng, now: now}
		out[i] = Result{File: f.Path, Name: t.Name, Line: t.Line, Failure: r.run(ctx)}
	}
	return out
}

// run is one test being run.
type run struct {
	file  *File
	test  *Test
	eng   *flow.Engine
	now   time.Time
	st    flow.State
	reply []flow.Message
	seen  int // reply messages already asserted or skipped
	calls []*flow.HTTPRequest
	trace flow.Trace
	exec  *fixtures
}

func (r *run) run(ctx context.Context) string {
	r.exec = &fixtures{list: append(append([]Fixture(nil), r.test.HTTP...), r.file.HTTP...)}
	r.st = flow.State{User: merge(r.file.User, r.test.User), Channel: "test",
		Conversation: map[string]any{"id": "test", "project": "test"}}
	if r.test.Vars != nil {
		r.st.Vars = map[string]any{}
		for _, v := range r.eng.Bot().Variables {
			r.st.Vars[v.Name] = v.Default
		}
		for k, v := range r.test.Vars {
			r.st.Vars[k] = v
		}
	}
	for i, s := range r.test.Steps {
		if msg := r.step(ctx, s); msg != "" {
			return fmt.Sprintf("step %d (%s:%d): %s\n%s", i+1, r.file.Path, s.Line, msg, r.report())
		}
	}
	if msg := r.strictRest(); msg != "" {
		return msg + "\n" + r.report()
	}
	return ""
}

func merge(a, b map[string]any) map[string]any {
	if a == nil && b == nil {
		return nil
	}
	out := map[string]any{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

func (r *run) step(ctx context.Context, s Step) string {
	switch {
	case s.User != nil:
		if msg := r.strictRest(); msg != "" {
			return msg
		}
		return r.drive(ctx, flow.Event{Kind: flow.EventMessage, Text: *s.User})
	case s.Bot != nil:
		return r.expectBot(s.Bot)
	case s.Expect != nil:
		return r.check(s.Expect)
	case s.Callback != nil:
		if r.st.Status != flow.StatusCallback {
			return fmt.Sprintf("callback: the conversation is not at a wait block (status %q)", r.st.Status)
		}
		return r.drive(ctx, flow.Event{Kind: flow.EventCallback, Data: normalize(s.Callback)})
	case s.Advance != "":
		d, err := time.ParseDuration(s.Advance)
		if err != nil {
			return fmt.Sprintf("advance: %v", err)
		}
		r.now = r.now.Add(d)
		if r.st.Status == flow.StatusCallback && !r.st.Deadline.IsZero() && !r.now.Before(r.st.Deadline) {
			return r.drive(ctx, flow.Event{Kind: flow.EventTimeout})
		}
		r.reply, r.seen = nil, 0
		return ""
	case s.Unpause:
		if r.st.Status != flow.StatusPaused {
			return fmt.Sprintf("unpause: the conversation is not paused (status %q)", r.st.Status)
		}
		return r.drive(ctx, flow.Event{Kind: flow.EventResume})
	}
	return "empty step"
}

// drive runs an event and every call it makes; the messages it sends become
// the reply that bot steps look at.
func (r *run) drive(ctx context.Context, ev flow.Event) string {
	ev.Time = r.now
	r.exec.calls, r.exec.failures = nil, nil
	res := r.eng.Drive(ctx, r.st, ev, r.exec)
	r.trace = append(r.trace, res.Trace...)
	r.reply, r.seen, r.calls = res.Messages(), 0, r.exec.calls
	if res.Err != nil {
		return "the turn failed: " + res.Err.Error()
	}
	r.st = res.State
	r.now = r.now.Add(time.Second)
	if len(r.exec.failures) > 0 {
		return strings.Join(r.exec.failures, "\n")
	}
	return ""
}

func (r *run) expectBot(e *Expect) string {
	for i := r.seen; i < len(r.reply); i++ {
		ok, err := e.matches(r.reply[i])
		if err != nil {
			return err.Error()
		}
		if ok {
			r.seen = i + 1
			return ""
		}
		if r.test.Strict {
			break
		}
	}
	return fmt.Sprintf("expected a bot message %s\n%s", e, r.said())
}

func (r *run) strictRest() string {
	if !r.test.Strict || r.seen >= len(r.reply) {
		return ""
	}
	return fmt.Sprintf("strict: the bot message %q is not asserted\n%s", Display(r.reply[r.seen]), r.said())
}

// said lists the messages of the last reply, marking those already matched.
func (r *run) said() string {
	if len(r.reply) == 0 {
		return "  the bot said nothing"
	}
	var b strings.Builder
	b.WriteString("  the bot said:\n")
	for i, m := range r.reply {
		mark := " "
		if i < r.seen {
			mark = "✓"
		}
		fmt.Fprintf(&b, "  %s %d. %s\n", mark, i+1, Display(m))
	}
	return strings.TrimRight(b.String(), "\n")
}

func (r *run) report() string {
	var b strings.Builder
	fmt.Fprintf(&b, "  blocks: %s\n", strings.Join(r.trace.Blocks(), " → "))
	b.WriteString("  trace:\n")
	for _, s := range r.trace {
		b.WriteString("    " + s.String() + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

func (r *run) check(c *Check) string {
	var problems []string
	for _, k := range sortedKeys(c.Vars) {
		want := c.Vars[k]
		have, ok := r.st.Vars[k]
		if !ok || !valueMatches(have, want) {
			problems = append(problems, fmt.Sprintf("variable %s: expected %s, got %s", k, jsonText(want), jsonText(have)))
		}
	}
	if c.Block != "" && r.st.Block != c.Block {
		problems = append(problems, fmt.Sprintf("expected the conversation at block %q, it is at %q", c.Block, r.st.Block))
	}
	if c.Status != "" && string(r.st.Status) != c.Status {
		problems = append(problems, fmt.Sprintf("expected status %q, got %q", c.Status, r.st.Status))
	}
	if c.Calls != nil {
		problems = append(problems, r.checkCalls(c.Calls)...)
	}
	return strings.Join(problems, "\n")
}

func (r *run) checkCalls(want []CallCheck) []string {
	var problems []string
	if len(want) != len(r.calls) {
		problems = append(problems, fmt.Sprintf("expected %d calls since the last message, got %d", len(want), len(r.calls)))
	}
	for i := 0; i < len(want) && i < len(r.calls); i++ {
		w, c := want[i], r.calls[i]
		if w.Method != "" && !strings.EqualFold(w.Method, c.Method) || w.URL != "" && !glob(w.URL, c.URL) {
			problems = append(problems, fmt.Sprintf("call %d: expected %s %s, got %s %s", i+1, w.Method, w.URL, c.Method, c.URL))
		}
		if w.Body != nil {
			var body any
			if json.Unmarshal(c.Body, &body) != nil || !containsValue(body, normalize(w.Body)) {
				problems = append(problems, fmt.Sprintf("call %d: the body %s does not contain %s", i+1, c.Body, jsonText(w.Body)))
			}
		}
	}
	return problems
}

func jsonText(v any) string {
	if v == nil {
		return "nothing"
	}
	data, err := json.Marshal(normalize(v))
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(data)
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// fixtures answers calls from the test's http list and records what it
// could not answer.
type fixtures struct {
	list     []Fixture
	calls    []*flow.HTTPRequest
	failures []string
}

// Execute answers an HTTP call from the first fixture that matches it, and
// runs a code call in the JavaScript sandbox, whose fetch requests are
// HTTP calls answered the same way.
func (f *fixtures) Execute(ctx context.Context, c *flow.Call) *flow.CallResult {
	if c.Code != nil {
		return (*jsbox.Box)(nil).Run(ctx, c, f)
	}
	if c.HTTP == nil {
		msg := fmt.Sprintf("block %q (%s) needs the %s runner, which confab test does not have yet", c.Block, c.Kind, c.Kind)
		f.failures = append(f.failures, msg)
		return &flow.CallResult{Err: msg, ErrClass: "unsupported"}
	}
	req := c.HTTP
	f.calls = append(f.calls, req)
	for _, fx := range f.list {
		if fx.matches(req) {
			return fx.Respond.result()
		}
	}
	msg := fmt.Sprintf("no http fixture matches the call of block %q:\n    %s %s\n    body: %s", c.Block, req.Method, req.URL, req.Body)
	f.failures = append(f.failures, msg)
	return &flow.CallResult{Err: "no fixture matches", ErrClass: "unmatched"}
}

func (fx Fixture) matches(req *flow.HTTPRequest) bool {
	m := fx.Match
	if m.Method != "" && !strings.EqualFold(m.Method, req.Method) {
		return false
	}
	if m.URL != "" && !glob(m.URL, req.URL) {
		return false
	}
	if m.Body != nil {
		var body any
		if json.Unmarshal(req.Body, &body) != nil || !containsValue(body, normalize(m.Body)) {
			return false
		}
	}
	return true
}

func (rp Respond) result() *flow.CallResult {
	if rp.Error != "" {
		return &flow.CallResult{Err: "the fixture answers with a " + rp.Error + " error", ErrClass: rp.Error}
	}
	resp := &flow.HTTPResponse{Status: rp.Status, Header: map[string][]string{}}
	if resp.Status == 0 {
		resp.Status = 200
	}
	for k, v := range rp.Headers {
		resp.Header[k] = []string{v}
	}
	switch {
	case rp.JSON != nil:
		resp.Body, _ = json.Marshal(normalize(rp.JSON))
		if _, ok := rp.Headers["Content-Type"]; !ok {
			resp.Header["Content-Type"] = []string{"application/json"}
		}
	default:
		resp.Body = []byte(rp.Body)
	}
	return &flow.CallResult{HTTP: resp}
}
