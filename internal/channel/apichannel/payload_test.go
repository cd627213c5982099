package apichannel

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/confab/confab/internal/flow"
)

// at is a fixed send time; its milliseconds are the reply's timestamp.
var at = time.UnixMilli(1_700_000_000_123)

func TestNewReplyAndTextForEveryShape(t *testing.T) {
	t.Parallel()
	yes := flow.QuickReply{Title: "Yes", Payload: "Yes"}
	no := flow.QuickReply{Title: "No", Payload: "No"}
	yesPayload := flow.QuickReply{Title: "Yes", Payload: "ANSWER_YES"}
	link := flow.Button{Title: "Docs", URL: "https://example.com/docs"}
	postback := flow.Button{Title: "Buy", Payload: "BUY"}
	cardA := flow.Card{Title: "Alpha", Subtitle: "first", Image: "https://example.com/a.png", Buttons: []flow.Button{postback}}
	cardB := flow.Card{Title: "Beta"}
	cardC := flow.Card{Title: "Gamma", URL: "https://example.com/c"}
	drop := &flow.Dropdown{Placeholder: "Choose a size", Options: []flow.QuickReply{{Title: "S", Payload: "S"}, {Title: "M", Payload: "size-m"}}}

	for _, tc := range []struct {
		name string
		msg  flow.Message
		want Reply // ChannelID, UserID and Timestamp are filled in below
	}{
		{
			name: "plain text",
			msg:  flow.Message{Text: "hello"},
			want: Reply{Message: "hello"},
		},
		{
			name: "quick replies whose payloads are their titles",
			msg:  flow.Message{Text: "Sure?", QuickReplies: []flow.QuickReply{yes, no}},
			want: Reply{Message: "Sure?", QuickReplies: []string{"Yes", "No"}},
		},
		{
			name: "quick replies with a payload of their own",
			msg:  flow.Message{Text: "Sure?", QuickReplies: []flow.QuickReply{yesPayload, no}},
			want: Reply{Message: "Sure?", QuickReplies: []string{"Yes", "No"},
				Rich: &Rich{QuickReplies: []flow.QuickReply{yesPayload, no}}},
		},
		{
			name: "buttons",
			msg:  flow.Message{Text: "Pick one", Buttons: []flow.Button{postback, link}},
			want: Reply{Message: "Pick one", Rich: &Rich{Buttons: []flow.Button{postback, link}}},
		},
		{
			name: "buttons and plain quick replies",
			msg:  flow.Message{Text: "Or", Buttons: []flow.Button{link}, QuickReplies: []flow.QuickReply{yes}},
			want: Reply{Message: "Or", QuickReplies: []string{"Yes"}, Rich: &Rich{Buttons: []flow.Button{link}}},
		},
		{
			name: "one card",
			msg:  flow.Message{Cards: []flow.Card{cardA}},
			want: Reply{Message: "Alpha", Rich: &Rich{Cards: []flow.Card{cardA}}},
		},
		{
			name: "a carousel",
			msg:  flow.Message{Cards: []flow.Card{cardA, cardB, cardC}, Carousel: true},
			want: Reply{Message: "Alpha | Beta | Gamma", Rich: &Rich{Cards: []flow.Card{cardA, cardB, cardC}, Carousel: true}},
		},
		{
			name: "text wins over card titles",
			msg:  flow.Message{Text: "Our offers", Cards: []flow.Card{cardA, cardB}, Carousel: true},
			want: Reply{Message: "Our offers", Rich: &Rich{Cards: []flow.Card{cardA, cardB}, Carousel: true}},
		},
		{
			name: "an image alone",
			msg:  flow.Message{Image: "https://example.com/cat.png"},
			want: Reply{Message: "", Attachments: []Attachment{{Offset: 0, URL: "https://example.com/cat.png"}}},
		},
		{
			name: "text with an image and a gif, offset in runes",
			msg:  flow.Message{Text: "Grüße 👋", Image: "https://example.com/i.png", Gif: "https://example.com/g.gif"},
			want: Reply{Message: "Grüße 👋", Attachments: []Attachment{
				{Offset: 7, URL: "https://example.com/i.png"},
				{Offset: 7, URL: "https://example.com/g.gif"},
			}},
		},
		{
			name: "a gif after card titles",
			msg:  flow.Message{Cards: []flow.Card{cardB}, Gif: "https://example.com/g.gif"},
			want: Reply{Message: "Beta", Attachments: []Attachment{{Offset: 4, URL: "https://example.com/g.gif"}},
				Rich: &Rich{Cards: []flow.Card{cardB}}},
		},
		{
			name: "a dropdown alone",
			msg:  flow.Message{Dropdown: drop},
			want: Reply{Message: "Choose a size", Rich: &Rich{Dropdown: drop}},
		},
		{
			name: "a dropdown under text",
			msg:  flow.Message{Text: "Size?", Dropdown: drop},
			want: Reply{Message: "Size?", Rich: &Rich{Dropdown: drop}},
		},
		{
			name: "nothing",
			msg:  flow.Message{},
			want: Reply{Message: ""},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := Text(tc.msg); got != tc.want.Message {
				t.Errorf("Text = %q, want %q", got, tc.want.Message)
			}
			want := tc.want
			want.ChannelID, want.UserID, want.Timestamp = "ch_api", 42, 1_700_000_000_123
			got := NewReply("ch_api", 42, "", tc.msg, at)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("NewReply =\n%s\nwant\n%s", got.JSON(), want.JSON())
			}
			// The body must read back as what was built.
			var back Reply
			if err := json.Unmarshal(got.JSON(), &back); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, want) {
				t.Errorf("JSON round trip =\n%+v\nwant\n%+v", back, want)
			}
		})
	}
}

func TestNewReplyKeepsSenderAndLeavesAdminUnset(t *testing.T) {
	t.Parallel()
	r := NewReply("ch", 3, "ext-user-9", flow.Message{Text: "x"}, at)
	if r.SenderID != "ext-user-9" || r.UserID != 3 || r.AdminID != nil || r.Timestamp != at.UnixMilli() {
		t.Errorf("reply %+v", r)
	}
}

func TestReplyJSONGolden(t *testing.T) {
	t.Parallel()
	admin := int64(5)
	for _, tc := range []struct {
		name  string
		reply Reply
		want  string
	}{
		{
			name:  "text: senderID, adminID, quickReplies, attachments and rich are omitted",
			reply: NewReply("ch_1", 7, "", flow.Message{Text: "hi"}, at),
			want:  `{"channelID":"ch_1","message":"hi","userID":7,"timestamp":1700000000123}`,
		},
		{
			name:  "senderID and plain quick replies",
			reply: NewReply("ch_1", 7, "ext-42", flow.Message{Text: "Pick", QuickReplies: []flow.QuickReply{{Title: "Yes", Payload: "Yes"}, {Title: "No", Payload: "No"}}}, at),
			want:  `{"channelID":"ch_1","message":"Pick","userID":7,"senderID":"ext-42","timestamp":1700000000123,"quickReplies":["Yes","No"]}`,
		},
		{
			name:  "quick reply payloads and an image",
			reply: NewReply("ch_1", 7, "", flow.Message{Text: "Look", Image: "https://x.test/y.png", QuickReplies: []flow.QuickReply{{Title: "Yes", Payload: "YES"}}}, at),
			want:  `{"channelID":"ch_1","message":"Look","userID":7,"timestamp":1700000000123,"quickReplies":["Yes"],"attachments":[{"offset":4,"url":"https://x.test/y.png"}],"rich":{"quickReplies":[{"title":"Yes","payload":"YES"}]}}`,
		},
		{
			name: "carousel",
			reply: NewReply("c", 1, "", flow.Message{Carousel: true, Cards: []flow.Card{
				{Title: "A", Buttons: []flow.Button{{Title: "Go", Payload: "GO"}}},
				{Title: "B", Subtitle: "b", URL: "https://x.test/b"},
			}}, time.UnixMilli(0)),
			want: `{"channelID":"c","message":"A | B","userID":1,"timestamp":0,"rich":{"cards":[{"title":"A","buttons":[{"title":"Go","payload":"GO"}]},{"title":"B","subtitle":"b","url":"https://x.test/b"}],"carousel":true}}`,
		},
		{
			name:  "dropdown",
			reply: NewReply("c", 1, "", flow.Message{Dropdown: &flow.Dropdown{Placeholder: "Size", Options: []flow.QuickReply{{Title: "S", Payload: "S"}}}}, time.UnixMilli(0)),
			want:  `{"channelID":"c","message":"Size","userID":1,"timestamp":0,"rich":{"dropdown":{"placeholder":"Size","options":[{"title":"S","payload":"S"}]}}}`,
		},
		{
			name:  "an agent's message carries adminID",
			reply: Reply{ChannelID: "c", Message: "Hello, I am Ann", UserID: 2, Timestamp: 9, AdminID: &admin},
			want:  `{"channelID":"c","message":"Hello, I am Ann","userID":2,"timestamp":9,"adminID":5}`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := string(tc.reply.JSON()); got != tc.want {
				t.Errorf("JSON =\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}
