// Package turn runs conversations: a Worker claims conversations that have
// messages not yet handled (one lease per conversation, so one turn at a
// time, in arrival order), runs each message through the bot's engine,
// carries out the calls the flow makes (outside any transaction), and
// commits the new state with the bot's replies and their webhook
// deliveries in one transaction.
package turn

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/confab/confab/internal/action"
	"github.com/confab/confab/internal/channel/apichannel"
	"github.com/confab/confab/internal/flow"
	"github.com/confab/confab/internal/store"
	"github.com/confab/confab/internal/webhook"
)

// Bots gives the engine that runs a bot, by id.
type Bots interface {
	Engine(id string) (*flow.Engine, bool)
}

// Outbox takes the webhook deliveries that turns commit.
type Outbox interface {
	// Lease is the lease new deliveries are created with, so that Deliver
	// sends them at once without a claim; nil leaves them to the queue.
	Lease(now time.Time) *store.Lease
	// Deliver sends deliveries a turn created leased (one conversation's,
	// in order).
	Deliver(ds []store.Delivery)
	// Queued says that a conversation's deliveries wait in the queue.
	Queued(conversationID string)
}

// Config tunes a Worker. Zero values take the defaults.
type Config struct {
	Owner       string        // lease owner name; default "turn-<random>"
	Lease       time.Duration // how long a claim lasts; renewed while the turn runs; default 10s
	Batch       int           // conversations claimed at once; default 64
	Concurrency int           // turns run at once; default 64
	Poll        time.Duration // how often to look for work without a wake-up; default 500ms
}

// Worker runs turns. Start it with Run; Wake tells it new messages wait.
type Worker struct {
	store  store.Store
	bots   Bots
	exec   flow.Executor
	log    *slog.Logger
	cfg    Config
	now    func() time.Time
	wake   chan struct{}
	outbox Outbox
	sem    chan struct{}
	spec   speculation
	// handing orders the hand-overs of each conversation (handoff.go).
	handing handoffs

	mu       sync.Mutex // guards stopping and inflight.Add against Wait
	stopping bool
	inflight sync.WaitGroup
}

// New makes a Worker. The outbox takes the deliveries each turn commits.
func New(s store.Store, bots Bots, exec flow.Executor, log *slog.Logger, cfg Config, outbox Outbox) *Worker {
	if cfg.Owner == "" {
		cfg.Owner = store.NewID("turn")
	}
	if cfg.Lease == 0 {
		cfg.Lease = 10 * time.Second
	}
	if cfg.Batch == 0 {
		cfg.Batch = 64
	}
	if cfg.Concurrency == 0 {
		cfg.Concurrency = 64
	}
	if cfg.Poll == 0 {
		cfg.Poll = 500 * time.Millisecond
	}
	return &Worker{store: s, bots: bots, exec: exec, log: log, cfg: cfg, now: time.Now, wake: make(chan struct{}, 1),
		outbox: outbox, sem: make(chan struct{}, cfg.Concurrency), spec: speculation{m: map[string]committed{}}}
}

// Wake tells the worker that messages wait; it never blocks.
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Prepare readies a message of channel ch for the store's Accept: its
// turn runs inside Accept's transaction when it needs no calls (no claim,
// one commit for message, state and replies), else it is accepted leased
// to this worker so that Accepted starts it at once.
//
// Accept's transactions run one after the other (on SQLite, all in one
// writer), so the turn is worked out here first, in the request's own
// goroutine, from the state this worker last committed for the user; in
// the transaction it is used only when the conversation's state is still
// exactly that, and worked out again there otherwise.
func (w *Worker) Prepare(in *store.Inbound, ch store.Channel) {
	in.Lease = &store.Lease{Owner: w.cfg.Owner, Now: in.Now, Until: in.Now.Add(w.cfg.Lease)}
	key := speculationKey(ch.ID, in)
	var pre store.TurnResult
	var preSt flow.State
	var prev []byte
	ok := false
	var e committed
	if key != "" {
		var found bool
		if e, found = w.spec.get(key); found {
			prev = e.conv.State
			pre, preSt, ok = w.compute(ch, e.conv, &e.st, []store.Message{{ConversationID: e.conv.ID, Text: in.Text, CreatedAt: in.Now}}, nil, nil)
		}
	}
	if ok && in.UserID != nil {
		in.Guess = &store.Guess{Prior: e.conv, LastSeq: e.lastSeq, Result: pre}
	}
	var handed func(hand func())
	in.Run = func(c store.Conversation, m store.Message) (store.TurnResult, bool) {
		r, st := pre, preSt
		if !ok || !bytes.Equal(c.State, prev) || c.HandledSeq >= m.Seq {
			var done bool
			if r, st, done = w.compute(ch, c, nil, []store.Message{m}, nil, nil); !done {
				return r, false
			}
		}
		r.HandledSeq = m.Seq
		if key != "" {
			// Remembered before the commit: if it does not commit, the
			// next message's state differs and it is worked out again.
			c.State, c.HandledSeq, c.Status = r.State, m.Seq, r.Status
			w.spec.put(key, committed{conv: c, st: st, lastSeq: m.Seq + int64(len(r.Outgoing))})
		}
		if handed == nil {
			// Registered here, in the order of the conversation's
			// commits (one writer on SQLite, the conversation's row lock
			// on PostgreSQL), not when the request's goroutine gets back:
			// two messages of one user sent at once hand their replies
			// over in the order they committed.
			handed = w.handing.begin(c.ID)
		}
		return r, true
	}
	in.After = func(acc store.Accepted, err error) {
		if handed == nil {
			return
		}
		if err != nil || !acc.Ran {
			handed(nil)
			return
		}
		handed(func() { w.handOver(acc.ConversationID, acc.Outgoing) })
	}
}

// speculationKey names a message's user on its channel; empty for a new
// user (no state to start from).
func speculationKey(channelID string, in *store.Inbound) string {
	switch {
	case in.UserID != nil:
		return channelID + "\x00u" + strconv.FormatInt(*in.UserID, 10)
	case in.SenderID != "":
		return channelID + "\x00s" + in.SenderID
	}
	return ""
}

// speculation keeps, per user of a channel, the conversation as this
// worker last committed it, to work out the next turn before its
// transaction. It is bounded: when full, it starts afresh.
type speculation struct {
	mu sync.Mutex
	m  map[string]committed
}

// committed is a conversation as a turn committed it, with its state
// decoded.
type committed struct {
	conv    store.Conversation
	st      flow.State
	lastSeq int64 // the conversation's last sequence number after the turn
}

const maxSpeculation = 50_000

func (s *speculation) get(key string) (committed, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.m[key]
	return c, ok
}

func (s *speculation) put(key string, c committed) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.m) >= maxSpeculation {
		clear(s.m)
	}
	s.m[key] = c
}

// Accepted takes a message that Accept committed: the deliveries of a
// turn that ran inside Accept go to the outbox; a turn leased to this
// worker starts now; else the worker looks for work (another turn of the
// conversation is queued or running and takes the message after it).
func (w *Worker) Accepted(acc store.Accepted) {
	switch {
	case acc.Ran:
		// Handed over by the Inbound's After (Prepare), in commit order.
	case acc.Turn != nil:
		if !w.start(*acc.Turn) {
			// Stopping: the lease runs out and the next start (or another
			// node) runs the turn.
			w.log.Info("not starting a turn: the worker is stopping", "conversation", acc.ConversationID)
		}
	default:
		w.Wake()
	}
}

// Run claims and runs turns until ctx is done, then waits for the turns in
// flight to finish and returns.
func (w *Worker) Run(ctx context.Context) {
	tick := time.NewTicker(w.cfg.Poll)
	defer tick.Stop()
	defer func() {
		w.mu.Lock()
		w.stopping = true
		w.mu.Unlock()
		w.inflight.Wait()
	}()
	for {
		var turns []store.Turn
		if free := cap(w.sem) - len(w.sem); free > 0 {
			now := w.now()
			var err error
			turns, err = w.store.ClaimTurns(ctx, store.Lease{Owner: w.cfg.Owner, Now: now, Until: now.Add(w.cfg.Lease)}, min(free, w.cfg.Batch))
			if err != nil && ctx.Err() == nil {
				w.log.Error("claiming turns", "err", err)
			}
		}
		for _, t := range turns {
			w.start(t)
		}
		if len(turns) > 0 && len(turns) == w.cfg.Batch {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-w.wake:
		case <-tick.C:
		}
	}
}

// start runs a leased turn in its own goroutine, at most Concurrency at
// once (it waits for a free slot there); false when the worker stops.
func (w *Worker) start(t store.Turn) bool {
	w.mu.Lock()
	if w.stopping {
		w.mu.Unlock()
		return false
	}
	w.inflight.Add(1)
	w.mu.Unlock()
	go func() {
		defer w.inflight.Done()
		w.sem <- struct{}{}
		defer func() { <-w.sem }()
		// A turn in flight finishes even when the server stops.
		if more := w.runTurn(context.Background(), t); more {
			w.Wake()
		}
	}()
	return true
}

// keepLease renews a turn's lease while it runs, so that a turn that waits
// on slow calls is not taken over by another worker.
func (w *Worker) keepLease(conversationID string) (stop func()) {
	return store.KeepLease(w.cfg.Lease, w.now,
		func(ctx context.Context, until time.Time) error {
			return w.store.RenewTurn(ctx, conversationID, w.cfg.Owner, until)
		},
		func(err error) { w.log.Warn("renewing a turn's lease", "conversation", conversationID, "err", err) })
}

// runTurn runs one conversation's waiting messages and commits the result.
// It reports whether work may wait: a turn that failed, or messages that
// came while it ran.
func (w *Worker) runTurn(ctx context.Context, t store.Turn) (more bool) {
	c := t.Conversation
	stopLease := w.keepLease(c.ID)
	defer stopLease()
	ch, err := w.store.ChannelByID(ctx, c.ChannelID)
	if err != nil {
		w.log.Error("loading the channel", "conversation", c.ID, "channel", c.ChannelID, "err", err)
		return true // the lease runs out and another try comes
	}
	callCtx := action.WithOrigin(ctx, w.origin(ch, c.ID))
	r, _, ok := w.compute(ch, c, nil, t.Messages, t.Commands, func(eng *flow.Engine, st flow.State, ev flow.Event) flow.Result {
		return (&recorder{exec: w.exec}).drive(callCtx, eng, st, ev)
	})
	if !ok {
		return true // the lease runs out and another try comes
	}
	r.ConversationID, r.Owner = c.ID, w.cfg.Owner
	stopLease()
	handed := w.handing.begin(c.ID)
	requeued, err := w.store.CompleteTurn(ctx, r)
	if err != nil {
		handed(nil)
		w.log.Error("committing the turn", "conversation", c.ID, "err", err)
		return true
	}
	handed(func() { w.handOver(c.ID, r.Outgoing) })
	return requeued
}

// origin is whom a conversation's calls are made for: their keys start
// with the conversation's id, and they are signed with the channel's
// webhook secret (and its previous one during a rotation), as its webhooks
// are. A channel without a usable secret sends its calls unsigned.
func (w *Worker) origin(ch store.Channel, conversationID string) action.Origin {
	o := action.Origin{Conversation: conversationID}
	signer, err := webhook.RotatingSigner(ch.WebhookSecret, ch.PreviousSecret, ch.PreviousUntil, w.now())
	if err != nil {
		w.log.Warn("the channel has no usable webhook secret: its bots' calls go unsigned", "channel", ch.ID, "err", err)
		return o
	}
	o.Signer = signer
	return o
}

// compute runs a conversation's messages through its bot, and carries out
// its commands between them in sequence order (commands.go), from start
// (nil: the conversation's stored state), and returns what the turn
// commits and the state it ends in. drive runs one event; nil runs it
// without calls, and then compute gives up (false) when the flow asks for
// a call, for the turn to run again where calls may wait.
func (w *Worker) compute(ch store.Channel, c store.Conversation, start *flow.State, msgs []store.Message, cmds []store.Command,
	drive func(*flow.Engine, flow.State, flow.Event) flow.Result) (store.TurnResult, flow.State, bool) {
	log := func() *slog.Logger { return w.log.With("conversation", c.ID, "bot", c.Bot) }
	var st flow.State
	if start != nil {
		st = *start
	} else {
		var err error
		if st, err = loadState(c); err != nil {
			log().Error("reading the conversation state; starting afresh", "err", err)
			st = newState(c)
		}
	}
	eng, ok := w.bots.Engine(c.Bot)
	secrets := secretsOf(w.bots)
	tl := newTurnLog(len(msgs) + len(cmds))
	var out []store.Outgoing
	var done []store.Command
	handled := c.HandledSeq
	ended := 0 // the wait a callback or time-out ended, done or failed
	for _, it := range sequence(msgs, cmds) {
		if it.cmd != nil {
			handled = it.cmd.Seq
			next, sent, cmd, trace, carried := w.command(eng, ch, c, st, *it.cmd, drive)
			if !carried {
				return store.TurnResult{}, st, false
			}
			if endsWait(st, cmd) {
				ended = cmd.Wait
			}
			tl.add(cmd.Seq, trace)
			st, out, done = next, append(out, sent...), append(done, cmd)
			continue
		}
		m := *it.msg
		handled = m.Seq
		if !ok {
			log().Error("the conversation's bot is not served: the message gets no reply", "seq", m.Seq)
			continue
		}
		if st.Held {
			w.heldMessage(c, m) // the engine keeps it unread
		} else if isKeyword(ch.Keywords, m.Text) {
			// The calls go on being numbered from where they were, so
			// that a wait's number (its callback URL) is never used twice
			// in a conversation.
			calls := st.Calls
			st = newState(c)
			st.Calls = calls
		}
		ev := flow.Event{Kind: flow.EventMessage, Time: m.CreatedAt, Text: m.Text}
		var res flow.Result
		if drive == nil {
			if res = eng.Run(st, ev); res.Err != nil || res.Call() != nil {
				return store.TurnResult{}, st, false
			}
		} else {
			res = drive(eng, st, ev)
		}
		tl.add(m.Seq, res.Trace)
		if res.Err != nil {
			log().Error("the turn failed", "seq", m.Seq, "err", secrets.String(res.Err.Error()))
			continue
		}
		st = res.State
		now := w.now()
		for _, msg := range res.Messages() {
			msg = redactMessage(secrets, msg)
			payload, _ := json.Marshal(msg)
			body := apichannel.NewReply(ch.ID, c.UserID, c.SenderID, msg, now).JSON()
			out = append(out, store.Outgoing{Text: apichannel.Text(msg), Payload: payload,
				Delivery: &store.Delivery{ID: webhook.NewMessageID(now), URL: ch.WebhookURL, Body: body}})
		}
	}
	if !ok && drive == nil {
		return store.TurnResult{}, st, false // the queue's turn logs it
	}
	st.Recent = redactRecent(secrets, st.Recent)
	state, err := json.Marshal(st)
	if err != nil {
		log().Error("encoding the conversation state", "err", err)
		return store.TurnResult{}, st, false
	}
	now := w.now()
	return store.TurnResult{State: state, Status: status(st), HandledSeq: handled, Outgoing: out, Now: now, WaitUntil: waitUntil(st, ended),
		DeliveryLease: w.outbox.Lease(now), Log: tl.encode(secrets), Commands: done}, st, true
}

// handOver gives a committed turn's deliveries to the outbox: those created
// leased to send now, and word of those that wait in the queue.
func (w *Worker) handOver(conversationID string, out []store.Outgoing) {
	var leased []store.Delivery
	queued := false
	for _, o := range out {
		if d := o.Delivery; d != nil {
			if d.LeasedUntil.IsZero() {
				queued = true
			} else {
				leased = append(leased, *d)
			}
		}
	}
	if len(leased) > 0 {
		w.outbox.Deliver(leased)
	}
	if queued {
		w.outbox.Queued(conversationID)
	}
}

func loadState(c store.Conversation) (flow.State, error) {
	if len(c.State) == 0 {
		return newState(c), nil
	}
	var st flow.State
	if err := json.Unmarshal(c.State, &st); err != nil {
		return flow.State{}, fmt.Errorf("conversation %s: %w", c.ID, err)
	}
	return st, nil
}

// newState is the state of a conversation before its first turn: what the
// host knows about the user and the conversation.
func newState(c store.Conversation) flow.State {
	user := map[string]any{"id": c.UserID}
	if c.SenderID != "" {
		user["senderID"] = c.SenderID
	}
	return flow.State{
		Channel: "api",
		User:    user,
		Conversation: map[string]any{
			"id": c.ID, "project": c.ProjectID, "channel": c.ChannelID, "createdAt": c.CreatedAt.UTC().Format(time.RFC3339),
		},
	}
}

// ConversationState is the flow state of a stored conversation: the one
// its last turn left, or, before its first turn, what the host knows of
// the user and the conversation.
func ConversationState(c store.Conversation) (flow.State, error) { return loadState(c) }

func isKeyword(keywords []string, text string) bool {
	text = strings.TrimSpace(text)
	for _, k := range keywords {
		if strings.EqualFold(k, text) {
			return true
		}
	}
	return false
}
