package block_test

import (
	"testing"

	"github.com/confab/confab/internal/block"
)

func TestTipTapText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		doc  string
		want string
	}{
		{
			name: "paragraphs",
			doc: `{"type": "doc", "content": [
				{"type": "paragraph", "content": [{"type": "text", "text": "Hello"}, {"type": "text", "text": " there."}]},
				{"type": "paragraph", "content": [{"type": "text", "text": "Second."}]}
			]}`,
			want: "Hello there.\nSecond.",
		},
		{
			name: "a heading and marks other than links",
			doc: `{"type": "doc", "content": [
				{"type": "heading", "attrs": {"level": 2}, "content": [{"type": "text", "text": "Your order"}]},
				{"type": "paragraph", "content": [{"type": "text", "text": "is late", "marks": [{"type": "bold"}]}]}
			]}`,
			want: "Your order\nis late",
		},
		{
			name: "hard breaks",
			doc: `{"type": "doc", "content": [
				{"type": "paragraph", "content": [
					{"type": "text", "text": "Line one"}, {"type": "hardBreak"}, {"type": "text", "text": "Line two"}
				]}
			]}`,
			want: "Line one\nLine two",
		},
		{
			name: "a bullet list",
			doc: `{"type": "doc", "content": [
				{"type": "paragraph", "content": [{"type": "text", "text": "You can:"}]},
				{"type": "bulletList", "content": [
					{"type": "listItem", "content": [{"type": "paragraph", "content": [{"type": "text", "text": "track"}]}]},
					{"type": "listItem", "content": [{"type": "paragraph", "content": [{"type": "text", "text": "cancel"}]}]}
				]}
			]}`,
			want: "You can:\n- track\n- cancel",
		},
		{
			name: "an ordered list",
			doc: `{"type": "doc", "content": [
				{"type": "orderedList", "content": [
					{"type": "listItem", "content": [{"type": "paragraph", "content": [{"type": "text", "text": "Pay"}]}]},
					{"type": "listItem", "content": [{"type": "paragraph", "content": [{"type": "text", "text": "Eat"}]}]}
				]}
			]}`,
			want: "1. Pay\n2. Eat",
		},
		{
			name: "a nested list",
			doc: `{"type": "doc", "content": [
				{"type": "bulletList", "content": [
					{"type": "listItem", "content": [
						{"type": "paragraph", "content": [{"type": "text", "text": "Pizza"}]},
						{"type": "orderedList", "content": [
							{"type": "listItem", "content": [{"type": "paragraph", "content": [{"type": "text", "text": "Margherita"}]}]}
						]}
					]}
				]}
			]}`,
			want: "- Pizza\n  1. Margherita",
		},
		{
			name: "links",
			doc: `{"type": "doc", "content": [
				{"type": "paragraph", "content": [
					{"type": "text", "text": "See "},
					{"type": "text", "text": "the tracker", "marks": [{"type": "bold"}, {"type": "link", "attrs": {"href": "https://pizza.example/t"}}]},
					{"type": "text", "text": " or "},
					{"type": "text", "text": "https://pizza.example", "marks": [{"type": "link", "attrs": {"href": "https://pizza.example"}}]}
				]}
			]}`,
			want: "See the tracker (https://pizza.example/t) or https://pizza.example",
		},
		{
			name: "empty",
			doc:  `{"type": "doc", "content": [{"type": "paragraph"}]}`,
			want: "",
		},
		{
			name: "unknown nodes keep their text",
			doc:  `{"type": "doc", "content": [{"type": "callout", "content": [{"type": "text", "text": "Note"}]}, "junk", 5]}`,
			want: "Note",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc, _ := jsonValue(t, []byte(tt.doc)).(map[string]any)
			if got := block.TipTapText(doc); got != tt.want {
				t.Errorf("TipTapText = %q, want %q", got, tt.want)
			}
		})
	}
}
