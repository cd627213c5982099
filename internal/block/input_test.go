package block_test

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/confab/confab/internal/flow"
)

func TestInputValidates(t *testing.T) {
	t.Parallel()
	eng := newEngine(t, "input.yaml", flow.Options{})
	tests := []struct {
		keyword string
		answer  string
		want    any    // the value saved, when the answer is valid
		retry   string // the retry message, when it is not
	}{
		{"#text", "  hello there  ", "hello there", ""},
		{"#text", "   ", nil, "Sorry, that is not a text."},

		{"#number", "7", 7, ""},
		{"#number", "I want 3 please", 3, ""},
		{"#number", "2.5", 2.5, ""},
		{"#number", "1", 1, ""},
		{"#number", "10", 10, ""},
		{"#number", "0", nil, "Sorry, that is not a number."},
		{"#number", "11", nil, "Sorry, that is not a number."},
		{"#number", "many", nil, "Sorry, that is not a number."},

		{"#email", "Sam@Example.com", "sam@example.com", ""},
		{"#email", "mail me at kim@pizza.example", "kim@pizza.example", ""},
		{"#email", "sam@", nil, "Sorry, that is not an email address."},

		{"#phone", "+32 470 12 34 56", "+32470123456", ""},
		{"#phone", "call me", nil, "Sorry, that is not a phone number."},

		{"#date", "2026-03-14", "2026-03-14", ""},
		{"#date", "tomorrow", "2026-01-06", ""},
		{"#date", "someday", nil, "Sorry, that is not a date."},

		{"#time", "7pm", "19:00", ""},
		{"#time", "at 9:30", "09:30", ""},
		{"#time", "later", nil, "Sorry, that is not a time."},

		{"#url", "https://pizza.example/menu", "https://pizza.example/menu", ""},
		{"#url", "not a link", nil, "Sorry, that is not a web address."},

		{"#regex", "AB123", "AB123", ""},
		{"#regex", " AB123 ", "AB123", ""},
		{"#regex", "ab123", nil, "Sorry, that is not in the expected format."},
		{"#regex", "xAB123", nil, "Sorry, that is not in the expected format."},

		{"#size", "a big one", "large", ""},
		{"#size", "S", "small", ""},
		{"#size", "medium", nil, "Sorry, that is not a valid size."},

		{"#order", "it is #12345", "#12345", ""},
		{"#order", "12", nil, "Sorry, that is not a valid order no."},

		{"#sys_email", "write to A@B.example", "a@b.example", ""},
		{"#sys_email", "no", nil, "Sorry, that is not a valid email."},

		{"#sys_number", "3", 3.0, ""},

		{"#options", "yes PLEASE", "Yes please", ""},
		{"#options", "  no thanks ", "No thanks", ""},
		{"#options", "maybe", nil, "Sorry, that is not one of Yes please, No thanks."},

		{"#any", "  anything at all ", "  anything at all ", ""},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%s", tt.keyword, tt.answer), func(t *testing.T) {
			t.Parallel()
			asked := run(t, eng, flow.State{}, message(tt.keyword, 0))
			block := asked.State.Block
			if asked.State.Status != flow.StatusInput {
				t.Fatalf("setup: %q at %q, want input", asked.State.Status, block)
			}
			res := run(t, eng, asked.State, message(tt.answer, 1))
			got, saved := res.State.Vars["answer"]
			if tt.retry == "" {
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("saved answer (-want +got):\n%s", diff)
				}
				if res.State.Status != flow.StatusEnded {
					t.Errorf("%q at %q, want ended at done", res.State.Status, res.State.Block)
				}
				return
			}
			if saved {
				t.Errorf("the answer was saved as %v", got)
			}
			if diff := cmp.Diff([]string{tt.retry}, texts(res)); diff != "" {
				t.Errorf("retry messages (-want +got):\n%s", diff)
			}
			if res.State.Status != flow.StatusInput || res.State.Block != block || res.State.Retries != 1 {
				t.Errorf("%q at %q with %d retries, want input at %q with 1", res.State.Status, res.State.Block, res.State.Retries, block)
			}
		})
	}
}

func TestInputRetriesThenOnFail(t *testing.T) {
	t.Parallel()
	eng := newEngine(t, "input.yaml", flow.Options{})
	st := run(t, eng, flow.State{}, message("#retry", 0)).State
	turns := []struct {
		text     string
		messages []string
		retries  int
		status   flow.Status
		step     string
		blocks   []string
	}{
		{"purple", []string{"Small or large, purple is not a size."}, 1, flow.StatusInput, `"purple" is not a valid size (attempt 1 of 3)`, nil},
		{"blue", []string{"Small or large, blue is not a size."}, 2, flow.StatusInput, `"blue" is not a valid size (attempt 2 of 3)`, nil},
		{"green", []string{"Giving up."}, 0, flow.StatusEnded, `"green" is not a valid size (attempt 3 of 3)`, []string{"failed"}},
	}
	for i, turn := range turns {
		res := run(t, eng, st, message(turn.text, i+1))
		if diff := cmp.Diff(turn.messages, texts(res)); diff != "" {
			t.Errorf("%q: messages (-want +got):\n%s", turn.text, diff)
		}
		if res.State.Retries != turn.retries || res.State.Status != turn.status {
			t.Errorf("%q: %d retries, status %q; want %d, %q", turn.text, res.State.Retries, res.State.Status, turn.retries, turn.status)
		}
		retry := flow.Step{Kind: flow.StepRetry, Block: "retry", Detail: turn.step}
		if diff := cmp.Diff(retry, res.Trace[0]); diff != "" {
			t.Errorf("%q: first step (-want +got):\n%s", turn.text, diff)
		}
		if diff := cmp.Diff(turn.blocks, res.Trace.Blocks()); diff != "" {
			t.Errorf("%q: blocks entered (-want +got):\n%s", turn.text, diff)
		}
		st = res.State
	}
}

func TestInputValidAnswerAfterARetryResetsTheCount(t *testing.T) {
	t.Parallel()
	eng := newEngine(t, "input.yaml", flow.Options{})
	res := conversation(t, eng, flow.State{}, "#retry", "purple", "big")
	if diff := cmp.Diff([]string{"Saved large."}, texts(res)); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}
	if res.State.Retries != 0 {
		t.Errorf("Retries = %d, want 0", res.State.Retries)
	}
	again := conversation(t, eng, res.State, "#retry", "purple")
	if again.State.Retries != 1 {
		t.Errorf("entering the block again: Retries = %d after one wrong answer, want 1", again.State.Retries)
	}
}

func TestInputDefaultRetryRepeatsThePrompt(t *testing.T) {
	t.Parallel()
	eng := newEngine(t, "input.yaml", flow.Options{})
	st := run(t, eng, flow.State{}, message("#default_retry", 0)).State
	retry := []string{"Sorry, that is not a number.", "How many?"}
	turns := []struct {
		text     string
		messages []string
		retries  int
	}{
		{"lots", retry, 1},
		{"heaps", retry, 2},
		{"plenty", []string{flow.DefaultNotUnderstood}, 0},
		{"six", []string{"Saved 6."}, 0},
	}
	for i, turn := range turns {
		res := run(t, eng, st, message(turn.text, i+1))
		if diff := cmp.Diff(turn.messages, texts(res)); diff != "" {
			t.Errorf("%q: messages (-want +got):\n%s", turn.text, diff)
		}
		if res.State.Retries != turn.retries {
			t.Errorf("%q: %d retries, want %d", turn.text, res.State.Retries, turn.retries)
		}
		st = res.State
	}
}

func TestInputWithoutOnFailIsNotUnderstood(t *testing.T) {
	t.Parallel()
	eng := newEngine(t, "input.yaml", flow.Options{})
	res := conversation(t, eng, flow.State{}, "#no_fail", "perhaps")
	if diff := cmp.Diff([]string{flow.DefaultNotUnderstood}, texts(res)); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}
	st := res.State
	if st.Status != flow.StatusInput || st.Block != "no_fail" || st.Retries != 0 || st.Vars["not_understood_count"] != 1 {
		t.Errorf("%q at %q, %d retries, count %v; want input at no_fail, 0 retries, count 1",
			st.Status, st.Block, st.Retries, st.Vars["not_understood_count"])
	}
	res = run(t, eng, st, message("YES", 5))
	if diff := cmp.Diff([]string{"Saved yes."}, texts(res)); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}
	if res.State.Vars["not_understood_count"] != 0 {
		t.Errorf("not_understood_count = %v after a valid answer, want 0", res.State.Vars["not_understood_count"])
	}
}

func TestInputBranchesThatDoNotHoldAreNotUnderstood(t *testing.T) {
	t.Parallel()
	eng := newEngine(t, "input.yaml", flow.Options{})
	res := conversation(t, eng, flow.State{}, "#routes", "small")
	if diff := cmp.Diff([]string{flow.DefaultNotUnderstood}, texts(res)); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}
	if res.State.Vars["answer"] != "small" || res.State.Block != "routes" {
		t.Errorf("answer %v at %q, want small saved and waiting at routes", res.State.Vars["answer"], res.State.Block)
	}
	res = run(t, eng, res.State, message("big", 5))
	if diff := cmp.Diff([]string{"Saved large."}, texts(res)); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}
}

func TestInputPromptIsSentOnEnter(t *testing.T) {
	t.Parallel()
	eng := newEngine(t, "input.yaml", flow.Options{})
	res := run(t, eng, flow.State{}, message("#retry", 0))
	want := flow.Trace{
		{Kind: flow.StepKeyword, Detail: "#retry", Goto: "retry"},
		{Kind: flow.StepEnter, Block: "retry", Type: "input"},
		{Kind: flow.StepSend, Block: "retry", Detail: "Which size?"},
		{Kind: flow.StepWait, Block: "retry", Detail: "waiting for the user"},
	}
	if diff := cmp.Diff(want, res.Trace); diff != "" {
		t.Errorf("trace (-want +got):\n%s", diff)
	}
}
