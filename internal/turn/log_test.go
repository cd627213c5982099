package turn_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/confab/confab/internal/block"
	"github.com/confab/confab/internal/bot"
	"github.com/confab/confab/internal/flow"
	"github.com/confab/confab/internal/redact"
	"github.com/confab/confab/internal/store"
	"github.com/confab/confab/internal/turn"
)

const secretValue = "s3cr3t-key-0123456789"

// loggedBot calls an API with a secret in its URL, copies the secret into
// a variable, answers, and then echoes each message.
const loggedBot = `
confab: 1
id: logged
start: lookup
variables:
  copied: ""
blocks:
  lookup:
    type: api
    url: "https://api.example.com/orders?key={{ secret.KEY }}"
    save: answer
    on_error: failed
    next: remember
  remember:
    type: set
    vars:
      copied: secret.KEY
    next: reply
  reply:
    type: message
    messages: ["got {{ answer.status }}"]
    next: listen
  listen:
    type: input
    next: echo
  echo:
    type: message
    messages: ["echo {{ input }}"]
    next: listen
  failed:
    type: end
    messages: ["failed: {{ error }}"]
`

// secretBots serves engines that see secrets, and the redactor of those
// secrets as the server's bots give it.
type secretBots struct {
	engines
	secrets *redact.Secrets
}

func (b secretBots) Secrets() *redact.Secrets { return b.secrets }

// cannedCalls answers every call with status after latency, and counts
// the calls.
type cannedCalls struct {
	mu      sync.Mutex
	status  int
	latency time.Duration
	calls   int
}

func (c *cannedCalls) Execute(_ context.Context, call *flow.Call) *flow.CallResult {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	return &flow.CallResult{HTTP: &flow.HTTPResponse{Status: c.status, Body: []byte(`{"ok":true}`)}, Latency: c.latency}
}

// acceptInline commits an inbound message as the API does, its turn
// running inside Accept, and hands the result to the worker.
func (r *rig) acceptInline(t *testing.T, c store.Channel, in store.Inbound) store.Accepted {
	t.Helper()
	in.ProjectID, in.ChannelID, in.Bot, in.Now = project, c.ID, c.Bot, time.Now()
	r.worker.Prepare(&in, c)
	acc, err := r.store.Accept(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if !acc.Ran {
		t.Fatalf("%q: the turn did not run inside Accept", in.Text)
	}
	r.worker.Accepted(acc)
	return acc
}

// logStep is a step of an execution log as the API passes it on.
type logStep struct {
	Kind      string  `json:"kind"`
	Block     string  `json:"block"`
	Detail    string  `json:"detail"`
	Var       string  `json:"var"`
	New       any     `json:"new"`
	Seq       int64   `json:"seq"`
	Status    int     `json:"status"`
	LatencyMs float64 `json:"latencyMs"`
	Error     string  `json:"error"`
}

func secretEngine(t *testing.T) *flow.Engine {
	t.Helper()
	kinds := block.Builtin()
	b, problems := bot.Parse("logged.yaml", []byte(loggedBot), kinds)
	if b == nil || problems.HasErrors() {
		t.Fatalf("logged.yaml: %s", problems)
	}
	eng, err := flow.New(b, kinds, flow.Options{Secrets: map[string]string{"KEY": secretValue}})
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

// turnLogs returns a conversation's logs, oldest first, each decoded.
func (r *rig) turnLogs(t *testing.T, conversationID string) ([]store.TurnLog, [][]logStep) {
	t.Helper()
	logs, err := r.store.ListTurnLogs(context.Background(), project, conversationID, store.LogPage{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var steps [][]logStep
	for _, l := range logs {
		var s []logStep
		if err := json.Unmarshal(l.Trace, &s); err != nil {
			t.Fatalf("log of seq %d is not a JSON array of steps: %v\n%s", l.Seq, err, l.Trace)
		}
		steps = append(steps, s)
	}
	return logs, steps
}

func TestTurnLogsKeepTheTraceWithCallsAndNoSecrets(t *testing.T) {
	t.Parallel()
	calls := &cannedCalls{status: 201, latency: 7 * time.Millisecond}
	bots := secretBots{engines: engines{"logged": secretEngine(t)}, secrets: redact.New([]string{secretValue})}
	r := newRig(t, bots, calls, turn.Config{})
	ch := r.channel(t, "web", "logged")
	r.start(t)

	// The first message makes a call: the queue's turn runs it.
	first := r.accept(t, ch, store.Inbound{Text: "hello", SenderID: "alice"})
	r.waitHandled(t, first.ConversationID, first.Seq)
	// The next need no call: they run inside Accept, the third worked
	// out ahead from the state the second committed.
	second := r.acceptInline(t, ch, store.Inbound{Text: "again", SenderID: "alice"})
	third := r.acceptInline(t, ch, store.Inbound{Text: "more", SenderID: "alice"})
	if got := r.outgoing(t, first.ConversationID); strings.Join(got, "|") != "got 201|echo again|echo more" {
		t.Fatalf("replies %q", got)
	}

	logs, steps := r.turnLogs(t, first.ConversationID)
	if len(logs) != 3 {
		t.Fatalf("%d logs, want one per turn: %+v", len(logs), logs)
	}
	if logs[2].Seq != third.Seq || string(logs[2].Trace) != strings.ReplaceAll(string(logs[1].Trace), "again", "more") {
		t.Errorf("the third turn's log %+v, want the second's %s for seq %d", logs[2], logs[1].Trace, third.Seq)
	}
	for _, l := range logs {
		if strings.Contains(string(l.Trace), secretValue) {
			t.Errorf("log of seq %d shows the secret: %s", l.Seq, l.Trace)
		}
	}
	if logs[0].Seq != first.Seq || logs[1].Seq != second.Seq || logs[0].At.IsZero() {
		t.Errorf("logs %+v, want the turns of seq %d and %d in order", logs, first.Seq, second.Seq)
	}

	var call, set *logStep
	var blocks []string
	for i, s := range steps[0] {
		switch s.Kind {
		case "enter":
			blocks = append(blocks, s.Block)
		case "call":
			call = &steps[0][i]
		case "set":
			if s.Var == "copied" {
				set = &steps[0][i]
			}
		case "result":
			t.Errorf("a result step is left in the log: %+v", s)
		}
	}
	if strings.Join(blocks, " ") != "lookup remember reply listen" {
		t.Errorf("blocks entered in the first turn: %v\n%s", blocks, logs[0].Trace)
	}
	if call == nil || call.Block != "lookup" || call.Status != 201 || call.LatencyMs != 7 || call.Error != "" ||
		call.Detail != "GET https://api.example.com/orders?key=[redacted]" {
		t.Errorf("the call step is %+v\n%s", call, logs[0].Trace)
	}
	if set == nil || set.New != "[redacted]" {
		t.Errorf("the set step of the copied secret is %+v", set)
	}
	if last := steps[0][len(steps[0])-1]; last.Kind != "wait" || last.Block != "listen" {
		t.Errorf("the first turn ends with %+v, want a wait at listen", last)
	}

	var kinds []string
	for _, s := range steps[1] {
		kinds = append(kinds, s.Kind+" "+s.Block)
	}
	if strings.Join(kinds, ", ") != "enter echo, send echo, enter listen, wait listen" {
		t.Errorf("the second turn's steps: %v\n%s", kinds, logs[1].Trace)
	}
	if calls.calls != 1 {
		t.Errorf("%d calls, want 1", calls.calls)
	}
}

// TestTurnLogsOfSeveralMessagesMarkEach holds a turn's call until a second
// message waits, so that the next turn handles two messages.
func TestTurnLogsOfSeveralMessagesMarkEach(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	exec := &blockingCalls{release: release, started: make(chan struct{}, 4)}
	bots := secretBots{engines: engines{"logged": secretEngine(t)}}
	r := newRig(t, bots, exec, turn.Config{})
	r.unblock = sync.OnceFunc(func() { close(release) })
	ch := r.channel(t, "web", "logged")
	r.start(t)

	first := r.accept(t, ch, store.Inbound{Text: "one", SenderID: "bob"})
	<-exec.started
	second := r.accept(t, ch, store.Inbound{Text: "two", SenderID: "bob"})
	third := r.accept(t, ch, store.Inbound{Text: "three", SenderID: "bob"})
	r.unblock()
	r.waitHandled(t, first.ConversationID, third.Seq)

	logs, steps := r.turnLogs(t, first.ConversationID)
	if len(logs) != 2 || logs[1].Seq != third.Seq {
		t.Fatalf("logs %+v, want the first turn's and one of the two messages after it", logs)
	}
	var marks []int64
	for _, s := range steps[1] {
		if s.Kind == "message" {
			marks = append(marks, s.Seq)
		}
	}
	if len(marks) != 2 || marks[0] != second.Seq || marks[1] != third.Seq || steps[1][0].Kind != "message" {
		t.Errorf("message marks %v, want %d and %d first in each part\n%s", marks, second.Seq, third.Seq, logs[1].Trace)
	}
	for _, s := range steps[0] {
		if s.Kind == "message" {
			t.Errorf("a turn of one message has a message mark: %s", logs[0].Trace)
		}
	}
}

// blockingCalls answers calls with 200 once release is closed.
type blockingCalls struct {
	release chan struct{}
	started chan struct{}
}

func (b *blockingCalls) Execute(ctx context.Context, _ *flow.Call) *flow.CallResult {
	b.started <- struct{}{}
	<-b.release
	return &flow.CallResult{HTTP: &flow.HTTPResponse{Status: 200}}
}

// TestTurnLogsMarkMessagesAndCommands runs a turn that carries out
// commands and a message that came while a call was in flight: each
// message's steps start with a message mark, each command's with its
// command step.
func TestTurnLogsMarkMessagesAndCommands(t *testing.T) {
	t.Parallel()
	g := newGate()
	r := newRig(t, loadBots(t, "desk"), g, turn.Config{})
	r.unblock = g.open
	ch := r.channel(t, "web", "desk")
	r.start(t)
	first := r.accept(t, ch, store.Inbound{Text: "hello"})
	r.waitHandled(t, first.ConversationID, first.Seq)
	conv, uid := first.ConversationID, first.UserID
	r.accept(t, ch, store.Inbound{Text: "slow", UserID: &uid})
	g.waitEntered(t)
	pause := r.submit(t, ch, conv, store.Command{Kind: store.CommandPause})
	kept := r.accept(t, ch, store.Inbound{Text: "are you there?", UserID: &uid})
	trigger := r.submit(t, ch, conv, store.Command{Kind: store.CommandTrigger, Block: "greet"})
	g.open()
	r.waitCommand(t, conv, trigger.Command.ID)

	logs, steps := r.turnLogs(t, conv)
	last := len(logs) - 1
	if last < 0 || logs[last].Seq != trigger.Command.Seq {
		t.Fatalf("logs %+v, want the last turn's at the trigger's seq %d", logs, trigger.Command.Seq)
	}
	var marks []string
	for _, s := range steps[last] {
		switch s.Kind {
		case "message":
			marks = append(marks, fmt.Sprint("message ", s.Seq))
		case "command":
			marks = append(marks, "command "+s.Detail)
		}
	}
	want := []string{"command paused: messages are kept, the bot does not answer", fmt.Sprint("message ", kept.Seq), "command jump to greet"}
	if strings.Join(marks, " | ") != strings.Join(want, " | ") || steps[last][0].Kind != "command" {
		t.Errorf("the marks of the turn's parts: %q, want %q\n%s", marks, want, logs[last].Trace)
	}
	if pause.Command.Seq >= kept.Seq || kept.Seq >= trigger.Command.Seq {
		t.Fatalf("sequence: pause %d, message %d, trigger %d", pause.Command.Seq, kept.Seq, trigger.Command.Seq)
	}
}
