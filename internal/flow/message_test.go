package flow_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/confab/confab/internal/flow"
)

func TestMessageChoices(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		msg  flow.Message
		want []flow.QuickReply
	}{
		{name: "text only", msg: flow.Message{Text: "Hi"}, want: nil},
		{
			name: "quick replies, drop-down options, then postback buttons of the text and the cards",
			msg: flow.Message{
				Text:         "Pick",
				QuickReplies: []flow.QuickReply{{Title: "Small", Payload: "small"}},
				Dropdown:     &flow.Dropdown{Options: []flow.QuickReply{{Title: "Veggie", Payload: "veggie"}}},
				Buttons: []flow.Button{
					{Title: "Menu", URL: "https://pizza.example/menu"},
					{Title: "Confirm", Payload: "confirm"},
					{Title: "Track", Webview: "https://pizza.example/track"},
				},
				Cards: []flow.Card{
					{Title: "A", Buttons: []flow.Button{{Title: "Order A", Payload: "a"}, {Title: "See A", URL: "https://a.example"}}},
					{Title: "B", Buttons: []flow.Button{{Title: "Order B", Payload: "b"}}},
				},
				Carousel: true,
			},
			want: []flow.QuickReply{
				{Title: "Small", Payload: "small"},
				{Title: "Veggie", Payload: "veggie"},
				{Title: "Confirm", Payload: "confirm"},
				{Title: "Order A", Payload: "a"},
				{Title: "Order B", Payload: "b"},
			},
		},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, tt.msg.Choices()); diff != "" {
			t.Errorf("%s: Choices (-want +got):\n%s", tt.name, diff)
		}
	}
}

func TestResultMessagesAndCall(t *testing.T) {
	t.Parallel()
	call := &flow.Call{ID: "lookup#1"}
	res := flow.Result{
		State: flow.State{Status: flow.StatusCall, Pending: call},
		Effects: []flow.Effect{
			flow.Send{Block: "a", Message: flow.Message{Text: "one"}},
			call,
			flow.Send{Block: "b", Message: flow.Message{Image: "https://x.example/i.png"}},
		},
	}
	want := []flow.Message{{Text: "one"}, {Image: "https://x.example/i.png"}}
	if diff := cmp.Diff(want, res.Messages()); diff != "" {
		t.Errorf("Messages (-want +got):\n%s", diff)
	}
	if res.Call() != call {
		t.Errorf("Call() = %v, want the pending call", res.Call())
	}
	res.State.Status = flow.StatusInput
	if res.Call() != nil {
		t.Errorf("Call() = %v while waiting for input, want nil", res.Call())
	}
}
