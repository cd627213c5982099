// Package turn runs conversations: a Worker claims conversations that have
// messages not yet handled (one lease per conversation, so one turn at a
// time, in arrival order), runs each message through the bot's engine,
// carries out the calls the flow makes (outside any transaction), and
// commits the new state with the bot's replies and their webhook
// deliveries in one transaction.
package turn

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/confab/confab/internal/channel/apichannel"
	"github.com/confab/confab/internal/flow"
	"github.com/confab/confab/internal/store"
	"github.com/confab/confab/internal/webhook"
)

// Bots gives the engine that runs a bot, by id.
type Bots interface {
	Engine(id string) (*flow.Engine, bool)
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
	store    store.Store
	bots     Bots
	exec     flow.Executor
	log      *slog.Logger
	cfg      Config
	now      func() time.Time
	wake     chan struct{}
	onCommit func()

	inflight sync.WaitGroup
}

// New makes a Worker. onCommit (may be nil) is called after each commit
// that created deliveries, to wake the delivery worker.
func New(s store.Store, bots Bots, exec flow.Executor, log *slog.Logger, cfg Config, onCommit func()) *Worker {
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
	if onCommit == nil {
		onCommit = func() {}
	}
	return &Worker{store: s, bots: bots, exec: exec, log: log, cfg: cfg, now: time.Now, wake: make(chan struct{}, 1), onCommit: onCommit}
}

// Wake tells the worker that messages wait; it never blocks.
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run claims and runs turns until ctx is done, then waits for the turns in
// flight to finish and returns.
func (w *Worker) Run(ctx context.Context) {
	sem := make(chan struct{}, w.cfg.Concurrency)
	tick := time.NewTicker(w.cfg.Poll)
	defer tick.Stop()
	defer w.inflight.Wait()
	for {
		free := cap(sem) - len(sem)
		var turns []store.Turn
		if free > 0 {
			now := w.now()
			var err error
			turns, err = w.store.ClaimTurns(ctx, store.Lease{Owner: w.cfg.Owner, Now: now, Until: now.Add(w.cfg.Lease)}, min(free, w.cfg.Batch))
			if err != nil && ctx.Err() == nil {
				w.log.Error("claiming turns", "err", err)
			}
		}
		for _, t := range turns {
			sem <- struct{}{}
			w.inflight.Add(1)
			go func() {
				defer func() { <-sem; w.inflight.Done() }()
				// A turn in flight finishes even when the server stops.
				stop := w.keepLease(t.Conversation.ID)
				w.runTurn(context.WithoutCancel(ctx), t)
				stop()
				w.Wake()
			}()
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
func (w *Worker) runTurn(ctx context.Context, t store.Turn) {
	c := t.Conversation
	log := w.log.With("conversation", c.ID, "bot", c.Bot)
	ch, err := w.store.ChannelByID(ctx, c.ChannelID)
	if err != nil {
		log.Error("loading the channel", "channel", c.ChannelID, "err", err)
		return // the lease runs out and another try comes
	}
	st, err := loadState(c)
	if err != nil {
		log.Error("reading the conversation state; starting afresh", "err", err)
		st = newState(c)
	}
	eng, ok := w.bots.Engine(c.Bot)
	var out []store.Outgoing
	handled := c.HandledSeq
	for _, m := range t.Messages {
		handled = m.Seq
		if !ok {
			log.Error("the conversation's bot is not served: the message gets no reply", "seq", m.Seq)
			continue
		}
		if isKeyword(ch.Keywords, m.Text) {
			st = newState(c)
		}
		res := eng.Drive(ctx, st, flow.Event{Kind: flow.EventMessage, Time: m.CreatedAt, Text: m.Text}, w.exec)
		if res.Err != nil {
			log.Error("the turn failed", "seq", m.Seq, "err", res.Err)
			continue
		}
		st = res.State
		now := w.now()
		for _, msg := range res.Messages() {
			payload, _ := json.Marshal(msg)
			body := apichannel.NewReply(ch.ID, c.UserID, c.SenderID, msg, now).JSON()
			out = append(out, store.Outgoing{Text: apichannel.Text(msg), Payload: payload,
				Delivery: &store.Delivery{ID: webhook.NewMessageID(now), URL: ch.WebhookURL, Body: body}})
		}
	}
	state, err := json.Marshal(st)
	if err != nil {
		log.Error("encoding the conversation state", "err", err)
		return
	}
	err = w.store.CompleteTurn(ctx, store.TurnResult{ConversationID: c.ID, Owner: w.cfg.Owner, State: state,
		Status: string(st.Status), HandledSeq: handled, Outgoing: out, Now: w.now()})
	if err != nil {
		log.Error("committing the turn", "err", err)
		return
	}
	if len(out) > 0 {
		w.onCommit()
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
		Channel:      "api",
		User:         user,
		Conversation: map[string]any{"id": c.ID, "project": c.ProjectID, "channel": c.ChannelID},
	}
}

func isKeyword(keywords []string, text string) bool {
	text = strings.TrimSpace(text)
	for _, k := range keywords {
		if strings.EqualFold(k, text) {
			return true
		}
	}
	return false
}
