package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/confab/confab/internal/store"
)

var migrateTests = []test{
	{name: "Twice", run: func(t *testing.T, f *fixture) {
		p := f.project(t)
		is(t, "second Migrate", f.s.Migrate(f.ctx), nil)
		is(t, "third Migrate", f.s.Migrate(f.ctx), nil)
		got, err := f.s.FirstProject(f.ctx)
		is(t, "FirstProject", err, nil)
		same(t, "project after migrating again", p, got)
	}},
	{name: "Concurrently", unmigrated: true, run: func(t *testing.T, f *fixture) {
		// Several processes sharing one database migrate it when they
		// start; all of them must come up.
		var wg sync.WaitGroup
		for i := range 4 {
			wg.Go(func() {
				if err := f.s.Migrate(f.ctx); err != nil {
					t.Errorf("Migrate %d: %v", i, err)
				}
			})
		}
		wg.Wait()
		f.project(t)
	}},
}

var recordTests = []test{
	{name: "Projects", run: func(t *testing.T, f *fixture) {
		_, err := f.s.FirstProject(f.ctx)
		is(t, "FirstProject of an empty store", err, store.ErrNotFound)
		newer := store.Project{ID: store.NewID("prj"), Name: "Newer", CreatedAt: f.at(time.Hour)}
		older := store.Project{ID: store.NewID("prj"), Name: "Older", CreatedAt: f.now}
		is(t, "CreateProject newer", f.s.CreateProject(f.ctx, newer), nil)
		is(t, "CreateProject older", f.s.CreateProject(f.ctx, older), nil)
		got, err := f.s.FirstProject(f.ctx)
		is(t, "FirstProject", err, nil)
		same(t, "FirstProject", older, got)
		err = f.s.CreateProject(f.ctx, store.Project{ID: older.ID, Name: "Again", CreatedAt: f.now})
		is(t, "CreateProject with a taken id", err, store.ErrConflict)
	}},
	{name: "Tokens", run: func(t *testing.T, f *fixture) {
		p := f.project(t)
		tok := store.Token{ID: store.NewID("tok"), ProjectID: p.ID, Name: "ci", Kind: "admin", Prefix: "cf_abcd", Hash: []byte{0, 1, 2, 0xff}, CreatedAt: f.now}
		is(t, "CreateToken", f.s.CreateToken(f.ctx, tok), nil)
		got, err := f.s.TokenByHash(f.ctx, tok.Hash)
		is(t, "TokenByHash", err, nil)
		same(t, "TokenByHash", tok, got)
		_, err = f.s.TokenByHash(f.ctx, []byte{0, 1, 2})
		is(t, "TokenByHash of an unknown hash", err, store.ErrNotFound)
		again := tok
		again.ID = store.NewID("tok")
		is(t, "CreateToken with a taken hash", f.s.CreateToken(f.ctx, again), store.ErrConflict)
		again = tok
		again.Hash = []byte("other")
		is(t, "CreateToken with a taken id", f.s.CreateToken(f.ctx, again), store.ErrConflict)
	}},
	{name: "Channels", run: func(t *testing.T, f *fixture) {
		p, q := f.project(t), f.project(t)
		c1 := f.channel(t, p.ID)
		f.now = f.at(time.Second)
		c2 := f.channel(t, p.ID)
		c3 := f.channel(t, q.ID)
		got, err := f.s.GetChannel(f.ctx, p.ID, c1.ID)
		is(t, "GetChannel", err, nil)
		same(t, "GetChannel", c1, got)
		got, err = f.s.ChannelByID(f.ctx, c3.ID)
		is(t, "ChannelByID", err, nil)
		same(t, "ChannelByID", c3, got)
		list, err := f.s.ListChannels(f.ctx, p.ID)
		is(t, "ListChannels", err, nil)
		same(t, "ListChannels, oldest first", []store.Channel{c1, c2}, list)
		list, err = f.s.ListChannels(f.ctx, q.ID)
		is(t, "ListChannels of another project", err, nil)
		same(t, "ListChannels of another project", []store.Channel{c3}, list)
		list, err = f.s.ListChannels(f.ctx, "prj_none")
		is(t, "ListChannels of an unknown project", err, nil)
		same(t, "ListChannels of an unknown project", []store.Channel(nil), list)

		_, err = f.s.GetChannel(f.ctx, q.ID, c1.ID)
		is(t, "GetChannel with another project's id", err, store.ErrNotFound)
		_, err = f.s.GetChannel(f.ctx, p.ID, "chn_none")
		is(t, "GetChannel of an unknown id", err, store.ErrNotFound)
		_, err = f.s.ChannelByID(f.ctx, "chn_none")
		is(t, "ChannelByID of an unknown id", err, store.ErrNotFound)
	}},
	{name: "ChannelKeywordsNil", run: func(t *testing.T, f *fixture) {
		p := f.project(t)
		c := store.Channel{ID: store.NewID("chn"), ProjectID: p.ID, Bot: "pizza", TokenHash: []byte("h"), CreatedAt: f.now, UpdatedAt: f.now}
		is(t, "CreateChannel", f.s.CreateChannel(f.ctx, c), nil)
		got, err := f.s.GetChannel(f.ctx, p.ID, c.ID)
		is(t, "GetChannel", err, nil)
		if len(got.Keywords) != 0 {
			t.Errorf("Keywords = %q, want none", got.Keywords)
		}
	}},
	{name: "ChannelConflict", run: func(t *testing.T, f *fixture) {
		p, q := f.project(t), f.project(t)
		c := f.channel(t, p.ID)
		again := c
		again.Bot = "other"
		is(t, "CreateChannel with a taken id", f.s.CreateChannel(f.ctx, again), store.ErrConflict)
		again.ProjectID = q.ID
		is(t, "CreateChannel with another project's id", f.s.CreateChannel(f.ctx, again), store.ErrConflict)
		got, err := f.s.GetChannel(f.ctx, p.ID, c.ID)
		is(t, "GetChannel", err, nil)
		same(t, "channel after the conflicts", c, got)
	}},
	{name: "ChannelUpdate", run: func(t *testing.T, f *fixture) {
		p, q := f.project(t), f.project(t)
		c := f.channel(t, p.ID)
		u := c
		u.Bot = "orders"
		u.TokenHash = []byte("new hash")
		u.WebhookURL = "https://example.org/new"
		u.WebhookSecret = "whsec_new"
		u.Keywords = []string{"order"}
		u.UpdatedAt = f.at(time.Minute)
		u.CreatedAt = f.at(time.Hour) // ignored: a channel keeps its creation time

		wrong := u
		wrong.ProjectID = q.ID
		is(t, "UpdateChannel with another project's id", f.s.UpdateChannel(f.ctx, wrong), store.ErrNotFound)
		got, err := f.s.GetChannel(f.ctx, p.ID, c.ID)
		is(t, "GetChannel", err, nil)
		same(t, "channel after a refused update", c, got)

		is(t, "UpdateChannel", f.s.UpdateChannel(f.ctx, u), nil)
		got, err = f.s.GetChannel(f.ctx, p.ID, c.ID)
		is(t, "GetChannel", err, nil)
		u.CreatedAt = c.CreatedAt
		same(t, "updated channel", u, got)

		unknown := u
		unknown.ID = "chn_none"
		is(t, "UpdateChannel of an unknown id", f.s.UpdateChannel(f.ctx, unknown), store.ErrNotFound)
	}},
	{name: "ChannelDelete", run: func(t *testing.T, f *fixture) {
		p, q := f.project(t), f.project(t)
		c := f.channel(t, p.ID)
		other := f.channel(t, p.ID)
		is(t, "DeleteChannel with another project's id", f.s.DeleteChannel(f.ctx, q.ID, c.ID), store.ErrNotFound)
		_, err := f.s.GetChannel(f.ctx, p.ID, c.ID)
		is(t, "GetChannel after a refused delete", err, nil)
		is(t, "DeleteChannel", f.s.DeleteChannel(f.ctx, p.ID, c.ID), nil)
		_, err = f.s.GetChannel(f.ctx, p.ID, c.ID)
		is(t, "GetChannel of a deleted channel", err, store.ErrNotFound)
		_, err = f.s.ChannelByID(f.ctx, c.ID)
		is(t, "ChannelByID of a deleted channel", err, store.ErrNotFound)
		is(t, "DeleteChannel again", f.s.DeleteChannel(f.ctx, p.ID, c.ID), store.ErrNotFound)
		list, err := f.s.ListChannels(f.ctx, p.ID)
		is(t, "ListChannels", err, nil)
		same(t, "ListChannels after a delete", []store.Channel{other}, list)
	}},
	{name: "ConversationScope", run: func(t *testing.T, f *fixture) {
		p, q := f.project(t), f.project(t)
		c := f.channel(t, p.ID)
		acc := f.accept(t, f.inbound(c, "hi"))
		_, err := f.s.GetConversation(f.ctx, q.ID, acc.ConversationID)
		is(t, "GetConversation with another project's id", err, store.ErrNotFound)
		_, err = f.s.GetConversation(f.ctx, p.ID, "conv_none")
		is(t, "GetConversation of an unknown id", err, store.ErrNotFound)
		_, err = f.s.Messages(f.ctx, q.ID, acc.ConversationID)
		is(t, "Messages with another project's id", err, store.ErrNotFound)
		_, err = f.s.Messages(f.ctx, p.ID, "conv_none")
		is(t, "Messages of an unknown conversation", err, store.ErrNotFound)
		msgs, err := f.s.Messages(f.ctx, p.ID, acc.ConversationID)
		is(t, "Messages", err, nil)
		same(t, "Messages", []store.Message{{ConversationID: acc.ConversationID, Seq: 1, Direction: "in", Text: "hi", CreatedAt: f.now}}, msgs)
	}},
}
