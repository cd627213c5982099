package callback_test

import (
	"strings"
	"testing"

	"github.com/confab/confab/internal/callback"
	"github.com/confab/confab/internal/flow"
)

func TestURLsParseBackAndForgeriesDoNot(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	s := callback.New("https://bots.example.com/", key)
	ref := callback.Ref{ProjectID: "prj_a", ConversationID: "conv_b", Wait: 3}
	url := s.URL(ref)
	if !strings.HasPrefix(url, "https://bots.example.com/v1/callbacks/prj_a.conv_b.3.") {
		t.Fatalf("URL = %s", url)
	}
	token := strings.TrimPrefix(url, "https://bots.example.com/v1/callbacks/")
	if got, ok := s.Parse(token); !ok || got != ref {
		t.Fatalf("Parse(%s) = %+v, %v; want %+v", token, got, ok, ref)
	}
	sig := token[strings.LastIndexByte(token, '.')+1:]
	if len(sig) != 43 {
		t.Errorf("the signature %q has %d characters, want 43 (32 bytes, base64url)", sig, len(sig))
	}
	other := callback.New("https://bots.example.com", []byte("another key of thirty-two bytes!"))
	for name, forged := range map[string]string{
		"another key":           other.Token(ref),
		"another wait":          "prj_a.conv_b.4." + sig,
		"another conversation":  "prj_a.conv_c.3." + sig,
		"a flipped signature":   token[:len(token)-1] + string("AB"[(strings.IndexByte("AB", token[len(token)-1])+1)%2]),
		"no signature":          "prj_a.conv_b.3",
		"an empty signature":    "prj_a.conv_b.3.",
		"nothing":               "",
		"a short signature":     token[:len(token)-2],
		"wait 0, signed":        strings.TrimPrefix(s.URL(callback.Ref{ProjectID: "prj_a", ConversationID: "conv_b"}), "https://bots.example.com/v1/callbacks/"),
		"no project, signed":    strings.TrimPrefix(s.URL(callback.Ref{ConversationID: "conv_b", Wait: 1}), "https://bots.example.com/v1/callbacks/"),
		"the engine's own form": "confab:callback/wait#1",
	} {
		if got, ok := s.Parse(forged); ok {
			t.Errorf("%s: Parse(%q) = %+v, true; want false", name, forged, got)
		}
	}
}

func TestFlowURL(t *testing.T) {
	s := callback.New("http://127.0.0.1:8080", []byte("0123456789abcdef0123456789abcdef"))
	st := &flow.State{Calls: 2, Conversation: map[string]any{"id": "conv_x", "project": "prj_y"}}
	want := s.URL(callback.Ref{ProjectID: "prj_y", ConversationID: "conv_x", Wait: 2})
	if got := s.FlowURL(st, "wait#2"); got != want {
		t.Errorf("FlowURL = %s, want %s", got, want)
	}
	if got := s.FlowURL(&flow.State{Calls: 1}, "wait#1"); got != "confab:callback/wait#1" {
		t.Errorf("FlowURL of a state without a conversation = %s", got)
	}
}
