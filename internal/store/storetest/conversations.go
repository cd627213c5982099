package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/confab/confab/internal/store"
)

// listConversations lists a project's conversations and returns their ids
// in the order given.
func (f *fixture) listConversations(t *testing.T, projectID string, filter store.ConversationFilter) []string {
	t.Helper()
	list, err := f.s.ListConversations(f.ctx, projectID, filter)
	if err != nil {
		t.Fatalf("ListConversations(%+v): %v", filter, err)
	}
	out := []string{}
	for _, c := range list {
		if c.ProjectID != projectID {
			t.Errorf("ListConversations of %s returned %s of project %s", projectID, c.ID, c.ProjectID)
		}
		out = append(out, c.ID)
	}
	return out
}

// say accepts a message from a user at the fixture's clock moved by d.
func (f *fixture) say(t *testing.T, c store.Channel, in store.Inbound, d time.Duration) store.Accepted {
	t.Helper()
	in.ProjectID, in.ChannelID, in.Bot, in.Now = c.ProjectID, c.ID, c.Bot, f.at(d)
	return f.accept(t, in)
}

var conversationTests = []test{
	{name: "ListFilters", run: func(t *testing.T, f *fixture) {
		p, q := f.project(t), f.project(t)
		shop := f.channel(t, p.ID)
		help := f.channel(t, p.ID)
		help.Bot, help.UpdatedAt = "helpdesk", f.now
		is(t, "UpdateChannel", f.s.UpdateChannel(f.ctx, help), nil)
		theirs := f.channel(t, q.ID)
		seven := int64(7)

		// Updated at 1 s, 2 s, 3 s, 4 s: the list is newest first.
		alice := f.say(t, shop, store.Inbound{SenderID: "alice", Text: "hi"}, time.Second)
		bob := f.say(t, shop, store.Inbound{UserID: &seven, Text: "hi"}, 2*time.Second)
		carol := f.say(t, help, store.Inbound{SenderID: "7", Text: "help"}, 3*time.Second)
		f.say(t, theirs, store.Inbound{SenderID: "alice", Text: "hi"}, 4*time.Second)
		// Bob's turn waits for input; the others are new.
		f.claimTurns(t, store.Lease{Owner: "w", Now: f.at(5 * time.Second), Until: f.at(time.Minute)}, 10)
		is(t, "CompleteTurn", f.completeTurn(store.TurnResult{ConversationID: bob.ConversationID, Owner: "w", State: []byte(`{}`), Status: "input",
			HandledSeq: bob.Seq, Outgoing: []store.Outgoing{{Text: "What size?"}}, Now: f.at(5 * time.Second)}), nil)

		all := []string{bob.ConversationID, carol.ConversationID, alice.ConversationID}
		input, fresh, ended := "input", "", "ended"
		for _, tc := range []struct {
			name   string
			filter store.ConversationFilter
			want   []string
		}{
			{"all", store.ConversationFilter{}, all},
			{"bot", store.ConversationFilter{Bot: "helpdesk"}, []string{carol.ConversationID}},
			{"channel", store.ConversationFilter{ChannelID: shop.ID}, []string{bob.ConversationID, alice.ConversationID}},
			{"another project's channel", store.ConversationFilter{ChannelID: theirs.ID}, nil},
			{"status", store.ConversationFilter{Status: &input}, []string{bob.ConversationID}},
			{"new", store.ConversationFilter{Status: &fresh}, []string{carol.ConversationID, alice.ConversationID}},
			{"a status nobody has", store.ConversationFilter{Status: &ended}, nil},
			{"user id", store.ConversationFilter{UserID: &seven}, []string{bob.ConversationID}},
			{"sender id", store.ConversationFilter{SenderID: "alice"}, []string{alice.ConversationID}},
			{"user id or sender id", store.ConversationFilter{UserID: &seven, SenderID: "7"}, []string{bob.ConversationID, carol.ConversationID}},
			{"updated since", store.ConversationFilter{UpdatedSince: f.at(3 * time.Second)}, []string{bob.ConversationID, carol.ConversationID}},
			{"updated since later", store.ConversationFilter{UpdatedSince: f.at(time.Hour)}, nil},
			{"id", store.ConversationFilter{ID: carol.ConversationID}, []string{carol.ConversationID}},
			{"several", store.ConversationFilter{ChannelID: shop.ID, SenderID: "alice", UpdatedSince: f.now}, []string{alice.ConversationID}},
			{"limit", store.ConversationFilter{Limit: 2}, all[:2]},
		} {
			same(t, tc.name, tc.want, f.listConversations(t, p.ID, tc.filter))
		}
		same(t, "another project's conversation by id", []string{}, f.listConversations(t, q.ID, store.ConversationFilter{ID: alice.ConversationID}))
		same(t, "the conversations of a project without any", []string{}, f.listConversations(t, f.project(t).ID, store.ConversationFilter{}))

		list, err := f.s.ListConversations(f.ctx, p.ID, store.ConversationFilter{})
		is(t, "ListConversations", err, nil)
		got := list[0]
		want := store.Conversation{ID: bob.ConversationID, ProjectID: p.ID, ChannelID: shop.ID, Bot: "pizza", UserID: 7, State: []byte(`{}`),
			Status: "input", HandledSeq: bob.Seq, CreatedAt: f.at(2 * time.Second), UpdatedAt: f.at(5 * time.Second), LastMessageAt: f.at(5 * time.Second)}
		same(t, "bob's conversation", want, got)
		if c := list[1]; c.SenderID != "7" || c.UserID == 7 || !c.LastMessageAt.Equal(f.at(3*time.Second)) || c.Bot != "helpdesk" {
			t.Errorf("carol's conversation %+v", c)
		}
	}},
	{name: "PagesWithEqualUpdatedAt", run: func(t *testing.T, f *fixture) {
		p := f.project(t)
		c := f.channel(t, p.ID)
		var want []string
		for i := range 7 {
			d := time.Duration(0)
			if i >= 5 {
				d = time.Second // two newer ones first
			}
			acc := f.say(t, c, store.Inbound{SenderID: fmt.Sprint("user-", i), Text: "hi"}, d)
			want = append(want, acc.ConversationID)
		}
		// The expected order: updated_at, then id, descending.
		all := f.listConversations(t, p.ID, store.ConversationFilter{})
		if len(all) != 7 || !((all[0] == want[5] && all[1] == want[6]) || (all[0] == want[6] && all[1] == want[5])) {
			t.Fatalf("the list %v does not start with the two newer ones %v", all, want[5:])
		}
		for i := 1; i < len(all); i++ {
			if i != 2 && all[i-1] < all[i] {
				t.Errorf("ids with equal updated_at are not in descending order: %v", all)
			}
		}
		var paged []string
		var after *store.ConversationCursor
		for page := 0; ; page++ {
			list, err := f.s.ListConversations(f.ctx, p.ID, store.ConversationFilter{Limit: 3, After: after})
			is(t, "ListConversations", err, nil)
			for _, conv := range list {
				paged = append(paged, conv.ID)
			}
			if len(list) < 3 {
				break
			}
			last := list[len(list)-1]
			after = &store.ConversationCursor{UpdatedAt: last.UpdatedAt, ID: last.ID}
			if page > 5 {
				t.Fatalf("paging does not end: %v", paged)
			}
		}
		same(t, "every conversation once, in order, across pages", all, paged)
	}},
	{name: "ListMessages", run: func(t *testing.T, f *fixture) {
		p, q := f.project(t), f.project(t)
		c := f.channel(t, p.ID)
		acc := f.say(t, c, store.Inbound{SenderID: "alice", Text: "one", Attachments: []store.Attachment{{URL: "https://example.com/a.png"}}}, 0)
		f.claimTurns(t, store.Lease{Owner: "w", Now: f.now, Until: f.at(time.Minute)}, 10)
		is(t, "CompleteTurn", f.completeTurn(store.TurnResult{ConversationID: acc.ConversationID, Owner: "w", HandledSeq: acc.Seq,
			Outgoing: []store.Outgoing{{Text: "two", Payload: []byte(`{"text":"two"}`)}, {Text: "three"}}, Now: f.at(time.Second)}), nil)
		f.say(t, c, store.Inbound{SenderID: "alice", Text: "four"}, 2*time.Second)
		f.say(t, c, store.Inbound{SenderID: "alice", Text: "five"}, 3*time.Second)

		texts := func(p store.MessagePage) []string {
			t.Helper()
			msgs, err := f.s.ListMessages(f.ctx, c.ProjectID, acc.ConversationID, p)
			is(t, fmt.Sprintf("ListMessages(%+v)", p), err, nil)
			out := []string{}
			for _, m := range msgs {
				if m.Seq < 1 || m.Seq > 5 {
					t.Errorf("message %q has seq %d", m.Text, m.Seq)
				}
				out = append(out, fmt.Sprint(m.Seq, " ", m.Text))
			}
			return out
		}
		same(t, "all, oldest first", []string{"1 one", "2 two", "3 three", "4 four", "5 five"}, texts(store.MessagePage{}))
		same(t, "newest first", []string{"5 five", "4 four", "3 three"}, texts(store.MessagePage{Desc: true, Limit: 3}))
		same(t, "after", []string{"3 three", "4 four"}, texts(store.MessagePage{After: 2, Limit: 2}))
		same(t, "before, newest first", []string{"3 three", "2 two"}, texts(store.MessagePage{Before: 4, Desc: true, Limit: 2}))
		same(t, "between", []string{"3 three"}, texts(store.MessagePage{After: 2, Before: 4}))
		same(t, "after the last", []string{}, texts(store.MessagePage{After: 5}))

		msgs, err := f.s.ListMessages(f.ctx, p.ID, acc.ConversationID, store.MessagePage{Limit: 2})
		is(t, "ListMessages", err, nil)
		same(t, "the first two messages", []store.Message{
			{ConversationID: acc.ConversationID, Seq: 1, Direction: "in", Text: "one", Payload: []byte(`{"attachments":[{"url":"https://example.com/a.png"}]}`), CreatedAt: f.now},
			{ConversationID: acc.ConversationID, Seq: 2, Direction: "out", Text: "two", Payload: []byte(`{"text":"two"}`), CreatedAt: f.at(time.Second)},
		}, msgs)

		_, err = f.s.ListMessages(f.ctx, q.ID, acc.ConversationID, store.MessagePage{})
		is(t, "ListMessages of another project's conversation", err, store.ErrNotFound)
		_, err = f.s.ListMessages(f.ctx, p.ID, "conv_nothing", store.MessagePage{})
		is(t, "ListMessages of no conversation", err, store.ErrNotFound)
	}},
}
