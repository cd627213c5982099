package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/confab/confab/internal/store"
)

// keep returns f's context carrying an answer to keep for key in scope:
// status 201 and body, or, when body is nil, the user id of the Accepted
// it is given. calls counts the calls of Answer.
func (f *fixture) keep(scope, key string, body []byte, calls *int) context.Context {
	return store.WithIdempotency(f.ctx, &store.Idempotency{Scope: scope, Key: key, Hash: []byte("hash of " + key), Now: f.now,
		Answer: func(result any) (store.KeptAnswer, error) {
			if calls != nil {
				*calls++
			}
			b := body
			if b == nil {
				b = fmt.Appendf(nil, `{"userID":%d}`, result.(store.Accepted).UserID)
			}
			return store.KeptAnswer{Status: 201, Header: map[string]string{"Content-Type": "application/json"}, Body: b}, nil
		}})
}

// kept returns the answer kept for key in scope at the fixture's clock
// moved by d, or the zero answer when there is none.
func (f *fixture) kept(t *testing.T, scope, key string, d time.Duration) store.KeptAnswer {
	t.Helper()
	a, err := f.s.KeptAnswer(f.ctx, scope, key, f.at(d))
	if errors.Is(err, store.ErrNotFound) {
		return store.KeptAnswer{}
	}
	is(t, "KeptAnswer", err, nil)
	return a
}

// messageCount returns how many messages a conversation has.
func (f *fixture) messageCount(t *testing.T, projectID, conversationID string) int {
	t.Helper()
	msgs, err := f.s.Messages(f.ctx, projectID, conversationID)
	is(t, "Messages", err, nil)
	return len(msgs)
}

var idempotencyTests = []test{
	{name: "KeptWithTheEffect", run: func(t *testing.T, f *fixture) {
		p := f.project(t)
		c := store.Channel{ID: "ch_kept", ProjectID: p.ID, Bot: "pizza", TokenHash: []byte("h"), WebhookURL: "https://example.com/", WebhookSecret: "whsec_x",
			CreatedAt: f.now, UpdatedAt: f.now}
		is(t, "CreateChannel with a key", f.s.CreateChannel(f.keep("token:a", "k1", []byte(`{"channelID":"ch_kept"}`), nil), c), nil)
		same(t, "the kept answer", store.KeptAnswer{Hash: []byte("hash of k1"), Status: 201, Header: map[string]string{"Content-Type": "application/json"},
			Body: []byte(`{"channelID":"ch_kept"}`), CreatedAt: f.now, ExpiresAt: f.at(store.KeptAnswerTTL)}, f.kept(t, "token:a", "k1", 0))
		same(t, "the answer of the key in another scope", store.KeptAnswer{}, f.kept(t, "token:b", "k1", 0))

		// The same key again: the effect is not made, nothing changes.
		c2 := c
		c2.ID = "ch_twice"
		is(t, "CreateChannel with the key again", f.s.CreateChannel(f.keep("token:a", "k1", []byte(`{"other":true}`), nil), c2), store.ErrKeyUsed)
		_, err := f.s.GetChannel(f.ctx, p.ID, c2.ID)
		is(t, "the channel of the second request", err, store.ErrNotFound)
		same(t, "the kept answer after the second request", []byte(`{"channelID":"ch_kept"}`), f.kept(t, "token:a", "k1", 0).Body)
		// Another scope may use the key.
		is(t, "CreateChannel with the key in another scope", f.s.CreateChannel(f.keep("token:b", "k1", []byte(`{}`), nil), c2), nil)

		// Tokens too; a statement that makes no effect keeps nothing.
		tok := store.Token{ID: "tok_kept", ProjectID: p.ID, Name: "n", Kind: "admin", Prefix: "cfb_admin_x", Hash: []byte("token hash"), CreatedAt: f.now}
		is(t, "CreateToken with a key", f.s.CreateToken(f.keep("token:a", "k2", []byte(`{"id":"tok_kept"}`), nil), tok), nil)
		same(t, "the token's kept answer", []byte(`{"id":"tok_kept"}`), f.kept(t, "token:a", "k2", 0).Body)
		is(t, "CreateToken with a taken id", f.s.CreateToken(f.keep("token:a", "k3", []byte(`{}`), nil), tok), store.ErrConflict)
		same(t, "the answer of a failed effect", store.KeptAnswer{}, f.kept(t, "token:a", "k3", 0))

		// A method without an answer in its context keeps nothing.
		c3 := c
		c3.ID = "ch_plain"
		is(t, "CreateChannel without a key", f.s.CreateChannel(f.ctx, c3), nil)
	}},
	{name: "ReplayDelivery", run: func(t *testing.T, f *fixture) {
		p := f.project(t)
		c := f.channel(t, p.ID)
		d := f.outbox(t, c, 0, 1)[0]
		f.claimDeliveries(t, store.Lease{Owner: "w", Now: f.now, Until: f.at(time.Minute)}, 10)
		f.record(t, d.ID, "w", store.DeliveryDead, f.now)
		is(t, "ReplayDelivery with a key", f.s.ReplayDelivery(f.keep("token:a", "r1", []byte(`{"status":"pending"}`), nil), p.ID, d.ID, f.now), nil)
		same(t, "the replay's kept answer", []byte(`{"status":"pending"}`), f.kept(t, "token:a", "r1", 0).Body)
		same(t, "the delivery", store.DeliveryPending, f.delivery(t, c, d.ID).Status)
		// Not dead any more: no effect, nothing kept.
		is(t, "ReplayDelivery of a pending delivery", f.s.ReplayDelivery(f.keep("token:a", "r2", []byte(`{}`), nil), p.ID, d.ID, f.now), store.ErrConflict)
		same(t, "the answer of a replay that did nothing", store.KeptAnswer{}, f.kept(t, "token:a", "r2", 0))
		is(t, "ReplayDelivery with a used key", f.s.ReplayDelivery(f.keep("token:a", "r1", []byte(`{}`), nil), p.ID, "dlv_none", f.now), store.ErrNotFound)
	}},
	{name: "Accept", run: func(t *testing.T, f *fixture) {
		p := f.project(t)
		c := f.channel(t, p.ID)
		// A new user: the answer has the id Accept gave it.
		calls := 0
		acc, err := f.s.Accept(f.keep("channel:c", "m1", nil, &calls), f.inbound(c, "hello"))
		is(t, "Accept with a key", err, nil)
		if calls == 0 {
			t.Fatal("Accept did not ask for the answer to keep")
		}
		same(t, "the kept answer", []byte(fmt.Sprintf(`{"userID":%d}`, acc.UserID)), f.kept(t, "channel:c", "m1", 0).Body)
		// The same key again, for the same user: no second message.
		in := f.inbound(c, "hello")
		in.UserID = &acc.UserID
		_, err = f.s.Accept(f.keep("channel:c", "m1", nil, nil), in)
		is(t, "Accept with the key again", err, store.ErrKeyUsed)
		same(t, "messages after the second request", 1, f.messageCount(t, p.ID, acc.ConversationID))
		// A known user with a new key (PostgreSQL's one-statement path is
		// not taken: the answer must commit with the message).
		second, err := f.s.Accept(f.keep("channel:c", "m2", nil, nil), in)
		is(t, "Accept of a known user with a key", err, nil)
		same(t, "the known user's kept answer", []byte(fmt.Sprintf(`{"userID":%d}`, acc.UserID)), f.kept(t, "channel:c", "m2", 0).Body)
		same(t, "messages", 2, f.messageCount(t, p.ID, second.ConversationID))

		// A turn run inside Accept keeps the answer with its outcome.
		in.Text = "inline"
		in.Run = func(conv store.Conversation, m store.Message) (store.TurnResult, bool) {
			return store.TurnResult{State: []byte(`{}`), HandledSeq: m.Seq, Now: f.now, Outgoing: []store.Outgoing{{Text: "reply"}}}, true
		}
		// (the conversation's turn is still queued: complete it first so
		// that the turn may run inside)
		f.claimTurns(t, store.Lease{Owner: "x", Now: f.now, Until: f.at(time.Second)}, 10)
		is(t, "CompleteTurn", f.completeTurn(store.TurnResult{ConversationID: acc.ConversationID, Owner: "x", HandledSeq: second.Seq, Now: f.now}), nil)
		ran, err := f.s.Accept(f.keep("channel:c", "m3", nil, nil), in)
		is(t, "Accept with a key and a turn inside", err, nil)
		if !ran.Ran {
			t.Fatal("the turn did not run inside Accept")
		}
		same(t, "the kept answer of the inline turn", []byte(fmt.Sprintf(`{"userID":%d}`, acc.UserID)), f.kept(t, "channel:c", "m3", 0).Body)
		_, err = f.s.Accept(f.keep("channel:c", "m3", nil, nil), in)
		is(t, "Accept with a turn inside and a used key", err, store.ErrKeyUsed)
		same(t, "messages: four, and the reply", 4, f.messageCount(t, p.ID, acc.ConversationID))
	}},
	{name: "AnswerFailsNothingCommits", run: func(t *testing.T, f *fixture) {
		// An answer that cannot be made (as a crash before the commit)
		// leaves neither the effect nor the key.
		p := f.project(t)
		c := f.channel(t, p.ID)
		boom := errors.New("boom")
		ctx := store.WithIdempotency(f.ctx, &store.Idempotency{Scope: "channel:c", Key: "k", Hash: []byte("h"), Now: f.now,
			Answer: func(any) (store.KeptAnswer, error) { return store.KeptAnswer{}, boom }})
		uid := int64(5)
		in := f.inbound(c, "hello")
		in.UserID = &uid
		_, err := f.s.Accept(ctx, in)
		is(t, "Accept whose answer fails", err, boom)
		same(t, "the kept answer", store.KeptAnswer{}, f.kept(t, "channel:c", "k", 0))
		acc := f.accept(t, in) // the same user's message, now without a key
		same(t, "messages of the user", 1, f.messageCount(t, p.ID, acc.ConversationID))
		tok := store.Token{ID: "tok_x", ProjectID: p.ID, Name: "n", Kind: "admin", Prefix: "p", Hash: []byte("x"), CreatedAt: f.now}
		is(t, "CreateToken whose answer fails", f.s.CreateToken(ctx, tok), boom)
		same(t, "tokens", []store.Token{}, f.tokens(t, p.ID))
	}},
	{name: "ExpireAfter24Hours", run: func(t *testing.T, f *fixture) {
		p := f.project(t)
		c := f.channel(t, p.ID)
		for i := range 3 {
			_, err := f.s.Accept(f.keep("channel:c", fmt.Sprint("k", i), nil, nil), f.inbound(c, "hi"))
			is(t, "Accept", err, nil)
		}
		if f.kept(t, "channel:c", "k0", store.KeptAnswerTTL-time.Millisecond).Status != 201 {
			t.Error("the answer is gone before 24 hours")
		}
		same(t, "the answer after 24 hours", store.KeptAnswer{}, f.kept(t, "channel:c", "k0", store.KeptAnswerTTL))
		// An expired key is free again, swept or not.
		later := f.keep("channel:c", "k0", []byte(`{"later":true}`), nil)
		store.IdempotencyOf(later).Now = f.at(store.KeptAnswerTTL)
		acc, err := f.s.Accept(later, f.inbound(c, "a day later"))
		is(t, "Accept with an expired key", err, nil)
		same(t, "the new answer", []byte(`{"later":true}`), f.kept(t, "channel:c", "k0", store.KeptAnswerTTL).Body)
		same(t, "the new user's messages", 1, f.messageCount(t, p.ID, acc.ConversationID))

		n, err := f.s.DeleteExpiredAnswers(f.ctx, f.at(store.KeptAnswerTTL-time.Millisecond), 10)
		is(t, "DeleteExpiredAnswers before they expire", err, nil)
		same(t, "deleted before they expire", 0, n)
		n, err = f.s.DeleteExpiredAnswers(f.ctx, f.at(store.KeptAnswerTTL), 1)
		is(t, "DeleteExpiredAnswers", err, nil)
		same(t, "deleted with a limit of 1", 1, n)
		n, err = f.s.DeleteExpiredAnswers(f.ctx, f.at(store.KeptAnswerTTL), 10)
		is(t, "DeleteExpiredAnswers", err, nil)
		same(t, "deleted then", 1, n)
		same(t, "the renewed answer after the sweep", []byte(`{"later":true}`), f.kept(t, "channel:c", "k0", store.KeptAnswerTTL).Body)
	}},
	{name: "ConcurrentSameKey", run: func(t *testing.T, f *fixture) {
		// Requests with one key at once (as on two servers of one
		// database): exactly one makes its effect, the others find the
		// key used and write nothing.
		p := f.project(t)
		c := f.channel(t, p.ID)
		uid := int64(9)
		first := f.inbound(c, "first")
		first.UserID = &uid
		acc := f.accept(t, first)
		const n = 8
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				in := f.inbound(c, "same")
				in.UserID = &uid
				_, errs[i] = f.s.Accept(f.keep("channel:c", "k", nil, nil), in)
			})
		}
		wg.Wait()
		ok := 0
		for i, err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, store.ErrKeyUsed):
				t.Errorf("request %d: %v, want nil or ErrKeyUsed", i, err)
			}
		}
		same(t, "requests that made their effect", 1, ok)
		same(t, "messages", 2, f.messageCount(t, p.ID, acc.ConversationID))
	}},
}
