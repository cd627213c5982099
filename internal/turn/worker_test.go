package turn_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/confab/confab/internal/block"
	"github.com/confab/confab/internal/bot"
	"github.com/confab/confab/internal/channel/apichannel"
	"github.com/confab/confab/internal/flow"
	"github.com/confab/confab/internal/store"
	"github.com/confab/confab/internal/store/sqlite"
	"github.com/confab/confab/internal/testkit"
	"github.com/confab/confab/internal/turn"
)

const (
	project = "prj_test"
	hookURL = "https://hooks.example.com/confab"
)

// engines are the bots a worker serves, loaded from testdata the way the
// server loads its bots directory.
type engines map[string]*flow.Engine

func (e engines) Engine(id string) (*flow.Engine, bool) {
	eng, ok := e[id]
	return eng, ok
}

func loadBots(t *testing.T, ids ...string) engines {
	t.Helper()
	kinds := block.Builtin()
	out := engines{}
	for _, id := range ids {
		file := filepath.Join("testdata", id+".yaml")
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		b, problems := bot.Parse(file, data, kinds)
		if b == nil || problems.HasErrors() {
			t.Fatalf("%s: %s", file, problems)
		}
		eng, err := flow.New(b, kinds, flow.Options{})
		if err != nil {
			t.Fatal(err)
		}
		out[id] = eng
	}
	return out
}

// rig is a SQLite store with one project and a worker over it.
type rig struct {
	store   store.Store
	worker  *turn.Worker
	log     *testkit.LogBuffer
	commits atomic.Int32 // deliveries queued (Outbox.Queued) or handed over (Outbox.Deliver)
	outbox  *outbox
	cancel  context.CancelFunc
	done    chan struct{} // closed when Run returns
	// unblock, when set, lets blocked calls finish at the end of the
	// test, so that Run can return after a failure too.
	unblock func()
}

func newStore(t *testing.T) store.Store {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "confab.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateProject(ctx, store.Project{ID: project, Name: "test", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	return db
}

// newRig makes the store and a worker; start runs it.
func newRig(t *testing.T, bots turn.Bots, exec flow.Executor, cfg turn.Config) *rig {
	t.Helper()
	r := &rig{store: newStore(t), log: &testkit.LogBuffer{}, done: make(chan struct{})}
	if cfg.Poll == 0 {
		cfg.Poll = 20 * time.Millisecond
	}
	log := slog.New(slog.NewTextHandler(r.log, nil))
	r.outbox = &outbox{commits: &r.commits}
	r.worker = turn.New(r.store, bots, exec, log, cfg, r.outbox)
	return r
}

// outbox stands for the delivery worker: it counts the turns that queued
// deliveries and keeps those handed over leased (when lease is set, new
// deliveries are created leased to it).
type outbox struct {
	commits *atomic.Int32
	lease   time.Duration
	mu      sync.Mutex
	handed  [][]store.Delivery
}

func (o *outbox) Lease(now time.Time) *store.Lease {
	if o.lease == 0 {
		return nil
	}
	return &store.Lease{Owner: "deliver-test", Now: now, Until: now.Add(o.lease)}
}

func (o *outbox) Deliver(ds []store.Delivery) {
	o.mu.Lock()
	o.handed = append(o.handed, ds)
	o.mu.Unlock()
	o.commits.Add(1)
}

func (o *outbox) Queued(string) { o.commits.Add(1) }

// start runs the worker until the test ends (or stop).
func (r *rig) start(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() {
		defer close(r.done)
		r.worker.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		if r.unblock != nil {
			r.unblock()
		}
		select {
		case <-r.done:
		case <-time.After(10 * time.Second):
			t.Error("Run did not return within 10s of the cancel")
		}
		if t.Failed() {
			t.Logf("worker log:\n%s", r.log.String())
		}
	})
}

func (r *rig) channel(t *testing.T, id, botID string, keywords ...string) store.Channel {
	t.Helper()
	now := time.Now()
	c := store.Channel{ID: id, ProjectID: project, Bot: botID, TokenHash: []byte("h-" + id), WebhookURL: hookURL + "/" + id,
		WebhookSecret: "whsec_dGVzdHRlc3R0ZXN0dGVzdHRlc3R0ZXN0dGVzdHRlc3Q=", Keywords: keywords, CreatedAt: now, UpdatedAt: now}
	if err := r.store.CreateChannel(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	return c
}

// accept commits an inbound message as the API does, and wakes the worker.
func (r *rig) accept(t *testing.T, c store.Channel, in store.Inbound) store.Accepted {
	t.Helper()
	in.ProjectID, in.ChannelID, in.Bot = project, c.ID, c.Bot
	if in.Now.IsZero() {
		in.Now = time.Now()
	}
	acc, err := r.store.Accept(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	r.worker.Wake()
	return acc
}

// waitHandled waits until a conversation's messages up to seq are handled.
func (r *rig) waitHandled(t *testing.T, conversationID string, seq int64) store.Conversation {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := r.store.GetConversation(context.Background(), project, conversationID)
		if err != nil {
			t.Fatal(err)
		}
		if c.HandledSeq >= seq {
			return c
		}
		if time.Now().After(deadline) {
			t.Fatalf("conversation %s: handled up to %d after 10s, want %d\nlog:\n%s", conversationID, c.HandledSeq, seq, r.log.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// outgoing returns the texts of a conversation's outbound messages, in
// order.
func (r *rig) outgoing(t *testing.T, conversationID string) []string {
	t.Helper()
	msgs, err := r.store.Messages(context.Background(), project, conversationID)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range msgs {
		if m.Direction == "out" {
			out = append(out, m.Text)
		}
	}
	return out
}

// deliveries returns a channel's deliveries, oldest first.
func (r *rig) deliveries(t *testing.T, channelID string) []store.Delivery {
	t.Helper()
	ds, err := r.store.ListDeliveries(context.Background(), project, channelID, 500)
	if err != nil {
		t.Fatal(err)
	}
	for i, j := 0, len(ds)-1; i < j; i, j = i+1, j-1 {
		ds[i], ds[j] = ds[j], ds[i]
	}
	return ds
}

// noCalls is the executor of bots that make no calls.
type noCalls struct{ t *testing.T }

func (n noCalls) Execute(_ context.Context, c *flow.Call) *flow.CallResult {
	n.t.Errorf("unexpected call %+v", c)
	return &flow.CallResult{Err: "no calls here", ErrClass: "unsupported"}
}

func TestTurnRepliesWithDeliveries(t *testing.T) {
	t.Parallel()
	r := newRig(t, loadBots(t, "echo"), noCalls{t}, turn.Config{})
	ch := r.channel(t, "web", "echo")
	r.start(t)

	before := time.Now()
	first := r.accept(t, ch, store.Inbound{Text: "hello"})
	conv := r.waitHandled(t, first.ConversationID, first.Seq)
	after := time.Now()

	// The message and the reply, in one sequence.
	msgs, err := r.store.Messages(context.Background(), project, first.ConversationID)
	if err != nil {
		t.Fatal(err)
	}
	ready := flow.Message{Text: "ready", QuickReplies: []flow.QuickReply{{Title: "one", Payload: "one"}, {Title: "two", Payload: "two"}}}
	if len(msgs) != 2 || msgs[0].Direction != "in" || msgs[0].Text != "hello" || msgs[1].Direction != "out" || msgs[1].Seq != 2 || msgs[1].Text != "ready" {
		t.Fatalf("messages %+v", msgs)
	}
	var payload flow.Message
	if err := json.Unmarshal(msgs[1].Payload, &payload); err != nil || fmt.Sprint(payload) != fmt.Sprint(ready) {
		t.Errorf("the reply's payload %s, want the rendered message %+v", msgs[1].Payload, ready)
	}

	// Its delivery: the apichannel body, to the channel's webhook.
	ds := r.deliveries(t, "web")
	if len(ds) != 1 {
		t.Fatalf("deliveries %+v", ds)
	}
	d := ds[0]
	if d.URL != hookURL+"/web" || d.ConversationID != first.ConversationID || d.Seq != 2 || d.Status != store.DeliveryPending ||
		d.Attempts != 0 || !strings.HasPrefix(d.ID, "msg_") {
		t.Errorf("delivery %+v", d)
	}
	var body apichannel.Reply
	if err := json.Unmarshal(d.Body, &body); err != nil {
		t.Fatalf("body %q", d.Body)
	}
	if body.Timestamp < before.UnixMilli() || body.Timestamp > after.UnixMilli() {
		t.Errorf("timestamp %d is not the turn's time", body.Timestamp)
	}
	want := apichannel.NewReply("web", first.UserID, "", ready, time.UnixMilli(body.Timestamp)).JSON()
	if !bytes.Equal(d.Body, want) {
		t.Errorf("delivery body\n%s\nwant\n%s", d.Body, want)
	}
	// The outbox hears of the commit after it (the test saw it first).
	for deadline := time.Now().Add(5 * time.Second); r.commits.Load() < 1; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the outbox did not hear of a commit with deliveries")
		}
	}

	// The state waits for the user's answer.
	var st flow.State
	if err := json.Unmarshal(conv.State, &st); err != nil {
		t.Fatal(err)
	}
	if conv.Status != "input" || st.Status != flow.StatusInput || st.Block != "listen" || st.Channel != "api" ||
		st.Conversation["id"] != first.ConversationID || st.Conversation["channel"] != "web" || st.User["id"] != float64(first.UserID) {
		t.Errorf("conversation %+v state %s", conv, conv.State)
	}

	// The next message goes on from there.
	second := r.accept(t, ch, store.Inbound{Text: "again", UserID: &first.UserID})
	r.waitHandled(t, second.ConversationID, second.Seq)
	if got := r.outgoing(t, first.ConversationID); strings.Join(got, "|") != "ready|echo again" {
		t.Errorf("replies %q", got)
	}
	ds = r.deliveries(t, "web")
	if len(ds) != 2 || ds[1].Seq != 4 || !strings.Contains(string(ds[1].Body), `"message":"echo again"`) {
		t.Errorf("deliveries %+v", ds)
	}
}

func TestTurnCarriesTheSenderID(t *testing.T) {
	t.Parallel()
	r := newRig(t, loadBots(t, "echo"), noCalls{t}, turn.Config{})
	ch := r.channel(t, "web", "echo")
	r.start(t)
	acc := r.accept(t, ch, store.Inbound{Text: "hi", SenderID: "ext-7"})
	conv := r.waitHandled(t, acc.ConversationID, acc.Seq)
	ds := r.deliveries(t, "web")
	if len(ds) != 1 {
		t.Fatalf("deliveries %+v", ds)
	}
	var body apichannel.Reply
	if err := json.Unmarshal(ds[0].Body, &body); err != nil || body.SenderID != "ext-7" || body.UserID != acc.UserID || body.ChannelID != "web" {
		t.Errorf("body %s", ds[0].Body)
	}
	var st flow.State
	if err := json.Unmarshal(conv.State, &st); err != nil || st.User["senderID"] != "ext-7" {
		t.Errorf("state %s", conv.State)
	}
}

func TestMessagesOfAConversationAreHandledInOrder(t *testing.T) {
	t.Parallel()
	r := newRig(t, loadBots(t, "echo"), noCalls{t}, turn.Config{Batch: 2, Concurrency: 3})
	ch := r.channel(t, "web", "echo")

	// Messages waiting before the worker starts run in one turn, in order.
	var last store.Accepted
	uid := int64(1)
	for _, text := range []string{"a", "b", "c", "d"} {
		last = r.accept(t, ch, store.Inbound{Text: text, UserID: &uid})
	}
	r.start(t)
	r.waitHandled(t, last.ConversationID, last.Seq)
	if got := r.outgoing(t, last.ConversationID); strings.Join(got, "|") != "ready|echo b|echo c|echo d" {
		t.Errorf("replies %q", got)
	}

	// Many users at once, each sending one message after another while
	// the worker runs: each gets its replies in its order.
	const users, each = 8, 6
	convs := make([]string, users)
	lastSeq := make([]int64, users)
	var wg sync.WaitGroup
	for u := range users {
		wg.Go(func() {
			id := int64(100 + u)
			for i := range each {
				acc, err := r.store.Accept(context.Background(), store.Inbound{ProjectID: project, ChannelID: ch.ID, Bot: ch.Bot,
					Text: fmt.Sprintf("u%d-%d", u, i), UserID: &id, Now: time.Now()})
				if err != nil {
					t.Error(err)
					return
				}
				r.worker.Wake()
				convs[u], lastSeq[u] = acc.ConversationID, acc.Seq
				time.Sleep(time.Duration(i%3) * time.Millisecond)
			}
		})
	}
	wg.Wait()
	for u := range users {
		r.waitHandled(t, convs[u], lastSeq[u])
		want := []string{"ready"}
		for i := 1; i < each; i++ {
			want = append(want, fmt.Sprintf("echo u%d-%d", u, i))
		}
		if got := r.outgoing(t, convs[u]); strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("user %d: replies %q, want %q", u, got, want)
		}
	}
	// The deliveries follow each conversation's order.
	seqs := map[string][]int64{}
	for _, d := range r.deliveries(t, "web") {
		seqs[d.ConversationID] = append(seqs[d.ConversationID], d.Seq)
	}
	for conv, s := range seqs {
		for i := 1; i < len(s); i++ {
			if s[i] <= s[i-1] {
				t.Errorf("conversation %s: delivery seqs %v are not increasing", conv, s)
				break
			}
		}
	}
	if n := len(r.deliveries(t, "web")); n != 4+users*each {
		t.Errorf("%d deliveries, want %d", n, 4+users*each)
	}
}

func TestChannelKeywordResetsTheConversation(t *testing.T) {
	t.Parallel()
	r := newRig(t, loadBots(t, "echo"), noCalls{t}, turn.Config{})
	ch := r.channel(t, "web", "echo", "#start", "Restart")
	r.start(t)
	uid := int64(5)
	var acc store.Accepted
	for _, text := range []string{"hi", "x", "  #START ", "y", "restart", "#start please"} {
		acc = r.accept(t, ch, store.Inbound{Text: text, UserID: &uid})
		r.waitHandled(t, acc.ConversationID, acc.Seq)
	}
	want := "ready|echo x|ready|echo y|ready|echo #start please"
	if got := r.outgoing(t, acc.ConversationID); strings.Join(got, "|") != want {
		t.Errorf("replies %q, want %q", got, want)
	}
}

func TestConversationOfAnUnservedBotIsMarkedHandled(t *testing.T) {
	t.Parallel()
	r := newRig(t, loadBots(t, "echo"), noCalls{t}, turn.Config{})
	gone := r.channel(t, "old", "retired-bot")
	web := r.channel(t, "web", "echo")
	uid := int64(1)
	r.accept(t, gone, store.Inbound{Text: "anyone?", UserID: &uid})
	acc := r.accept(t, gone, store.Inbound{Text: "hello?", UserID: &uid})
	r.start(t)
	conv := r.waitHandled(t, acc.ConversationID, acc.Seq)
	if got := r.outgoing(t, acc.ConversationID); len(got) != 0 {
		t.Errorf("replies %q for a bot that is not served", got)
	}
	if ds := r.deliveries(t, "old"); len(ds) != 0 {
		t.Errorf("deliveries %+v", ds)
	}
	if !strings.Contains(r.log.String(), "the conversation's bot is not served") {
		t.Errorf("the log does not say why: %s", r.log.String())
	}

	// Its turn job is gone: nobody claims it again, even with every lease
	// long expired, and the worker does not touch it any more.
	later := time.Now().Add(time.Hour)
	turns, err := r.store.ClaimTurns(context.Background(), store.Lease{Owner: "other", Now: later, Until: later.Add(time.Minute)}, 10)
	if err != nil || len(turns) != 0 {
		t.Errorf("claim after the turn = %+v %v, want nothing", turns, err)
	}
	time.Sleep(100 * time.Millisecond) // five polls
	again, err := r.store.GetConversation(context.Background(), project, acc.ConversationID)
	if err != nil || !again.UpdatedAt.Equal(conv.UpdatedAt) || again.HandledSeq != acc.Seq {
		t.Errorf("the conversation changed after its turn: %+v, was %+v", again, conv)
	}
	if n := strings.Count(r.log.String(), "the conversation's bot is not served"); n != 2 {
		t.Errorf("%d log lines for the two messages, want 2 (the worker came back?)", n)
	}
	if r.commits.Load() != 0 {
		t.Errorf("the outbox heard of a turn without deliveries")
	}

	// The worker still serves the others.
	ok := r.accept(t, web, store.Inbound{Text: "hi"})
	r.waitHandled(t, ok.ConversationID, ok.Seq)
	if got := r.outgoing(t, ok.ConversationID); strings.Join(got, "|") != "ready" {
		t.Errorf("replies %q", got)
	}
}

// gate is an executor whose calls wait until released.
type gate struct {
	entered chan *flow.Call
	release chan struct{}
	open    func() // closes release, once
	calls   atomic.Int32
	ctxErr  atomic.Value // the call context's error when released
}

func newGate() *gate {
	g := &gate{entered: make(chan *flow.Call, 16), release: make(chan struct{})}
	g.open = sync.OnceFunc(func() { close(g.release) })
	return g
}

func (g *gate) Execute(ctx context.Context, c *flow.Call) *flow.CallResult {
	g.calls.Add(1)
	g.entered <- c
	<-g.release
	g.ctxErr.Store(fmt.Sprint(ctx.Err()))
	return &flow.CallResult{HTTP: &flow.HTTPResponse{Status: 201, Body: []byte(`{}`)}}
}

func (g *gate) waitEntered(t *testing.T) *flow.Call {
	t.Helper()
	select {
	case c := <-g.entered:
		return c
	case <-time.After(10 * time.Second):
		t.Fatal("no call came in 10s")
		return nil
	}
}

func TestRunWaitsForTurnsInFlight(t *testing.T) {
	t.Parallel()
	g := newGate()
	r := newRig(t, loadBots(t, "caller"), g, turn.Config{})
	r.unblock = g.open
	ch := r.channel(t, "web", "caller")
	r.start(t)
	acc := r.accept(t, ch, store.Inbound{Text: "go"})
	c := g.waitEntered(t)
	if c.HTTP == nil || c.HTTP.URL != "http://127.0.0.1:9/slow" || c.ID == "" {
		t.Errorf("call %+v", c)
	}

	r.cancel()
	// A message that comes after the stop is left for the next start.
	uid := int64(77)
	late := r.accept(t, ch, store.Inbound{Text: "late", UserID: &uid})
	select {
	case <-r.done:
		t.Fatal("Run returned while a turn was in flight")
	case <-time.After(200 * time.Millisecond):
	}
	g.open()
	select {
	case <-r.done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after the turn finished")
	}
	// The turn in flight committed, with a context the stop did not cancel.
	conv, err := r.store.GetConversation(context.Background(), project, acc.ConversationID)
	if err != nil || conv.HandledSeq != acc.Seq {
		t.Fatalf("after Run: %+v %v", conv, err)
	}
	if got := r.outgoing(t, acc.ConversationID); strings.Join(got, "|") != "called 201" {
		t.Errorf("replies %q", got)
	}
	if e := g.ctxErr.Load(); e != "<nil>" {
		t.Errorf("the call's context ended with %v when the server stopped", e)
	}
	lateConv, err := r.store.GetConversation(context.Background(), project, late.ConversationID)
	if err != nil || lateConv.HandledSeq != 0 || g.calls.Load() != 1 {
		t.Errorf("a message accepted after the stop was run: %+v, %d calls", lateConv, g.calls.Load())
	}
}

func TestLeaseIsRenewedWhileATurnRuns(t *testing.T) {
	t.Parallel()
	g := newGate()
	const lease = 300 * time.Millisecond
	r := newRig(t, loadBots(t, "caller"), g, turn.Config{Lease: lease, Owner: "worker-1"})
	r.unblock = g.open
	ch := r.channel(t, "web", "caller")
	r.start(t)
	acc := r.accept(t, ch, store.Inbound{Text: "go"})
	g.waitEntered(t)

	// For four lease lengths another worker finds nothing to claim, and
	// this worker does not run the conversation a second time.
	end := time.Now().Add(4 * lease)
	for time.Now().Before(end) {
		now := time.Now()
		turns, err := r.store.ClaimTurns(context.Background(), store.Lease{Owner: "intruder", Now: now, Until: now.Add(time.Minute)}, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(turns) > 0 {
			t.Fatalf("another worker claimed %s %v after the turn started: the lease was not renewed", turns[0].Conversation.ID, time.Since(end.Add(-4*lease)))
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n := g.calls.Load(); n != 1 {
		t.Errorf("%d calls, want 1: the turn ran twice", n)
	}
	g.open()
	r.waitHandled(t, acc.ConversationID, acc.Seq)
	if got := r.outgoing(t, acc.ConversationID); strings.Join(got, "|") != "called 201" {
		t.Errorf("replies %q", got)
	}
	if log := r.log.String(); strings.Contains(log, "level=ERROR") || strings.Contains(log, "level=WARN") {
		t.Errorf("the worker logged problems:\n%s", log)
	}
	// After the commit the lease is released: the renewal stopped, and a
	// new message is claimable at once.
	uid := acc.UserID
	next := r.accept(t, ch, store.Inbound{Text: "again", UserID: &uid})
	g.waitEntered(t)
	r.waitHandled(t, next.ConversationID, next.Seq)
}

// An inline turn worked out ahead from the state a worker last committed
// is used only when the stored state is still that one: when another
// worker (another node) ran the conversation meanwhile, the turn is worked
// out again from the stored state.
func TestInlineTurnsFollowTheStoredState(t *testing.T) {
	t.Parallel()
	bots := loadBots(t, "counter")
	a := newRig(t, bots, nil, turn.Config{Owner: "a"})
	b := turn.New(a.store, bots, nil, slog.New(slog.NewTextHandler(io.Discard, nil)), turn.Config{Owner: "b"}, &outbox{commits: &atomic.Int32{}})
	ch := a.channel(t, "web", "counter")
	send := func(w *turn.Worker, text string) string {
		t.Helper()
		in := store.Inbound{ProjectID: project, ChannelID: ch.ID, Bot: ch.Bot, SenderID: "u1", Text: text, Now: time.Now()}
		w.Prepare(&in, ch)
		acc, err := a.store.Accept(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		if !acc.Ran {
			t.Fatalf("%q: the turn did not run inline: %+v", text, acc)
		}
		var texts []string
		for _, o := range acc.Outgoing {
			texts = append(texts, o.Text)
		}
		return strings.Join(texts, "|")
	}
	// The first message starts the flow, which then waits for input.
	if got := send(a.worker, "hello"); got != "" {
		t.Fatalf("the first message was answered %q", got)
	}
	var got []string
	for _, step := range []struct {
		w    *turn.Worker
		text string
	}{{a.worker, "one"}, {a.worker, "two"}, {b, "three"}, {a.worker, "four"}, {a.worker, "five"}, {b, "six"}} {
		got = append(got, send(step.w, step.text))
	}
	want := []string{"n=1", "n=2", "n=3", "n=4", "n=5", "n=6"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("replies %q, want %q (a worker started from a state it had not seen committed?)", got, want)
	}
}

// Messages of one user sent at once run inline one after the other; their
// replies reach the outbox in the order the turns committed, whichever
// request gets back first.
func TestInlineHandOversFollowTheCommits(t *testing.T) {
	t.Parallel()
	bots := loadBots(t, "counter")
	r := newRig(t, bots, nil, turn.Config{})
	r.outbox.lease = time.Minute
	ch := r.channel(t, "web", "counter")
	send := func(text string) {
		in := store.Inbound{ProjectID: project, ChannelID: ch.ID, Bot: ch.Bot, SenderID: "u1", Text: text, Now: time.Now()}
		r.worker.Prepare(&in, ch)
		acc, err := r.store.Accept(context.Background(), in)
		if err != nil {
			t.Error(err)
			return
		}
		r.worker.Accepted(acc)
	}
	send("hello")
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(1)
		go func() { defer wg.Done(); send(fmt.Sprint("m", i)) }()
	}
	wg.Wait()
	r.outbox.mu.Lock()
	defer r.outbox.mu.Unlock()
	var last int64
	n := 0
	for _, ds := range r.outbox.handed {
		for _, d := range ds {
			n++
			if d.Seq <= last {
				t.Errorf("delivery #%d (seq %d) was handed over after seq %d", n, d.Seq, last)
			}
			last = d.Seq
		}
	}
	if n != 40 {
		t.Errorf("%d deliveries handed over, want 40 (all leased: nothing else was pending)", n)
	}
}
