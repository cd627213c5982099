package flow_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/confab/confab/internal/flow"
)

func TestStepString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		step flow.Step
		want string
	}{
		{flow.Step{Kind: flow.StepEnter, Block: "menu", Type: "input"}, "→ menu (input)"},
		{flow.Step{Kind: flow.StepSet, Var: "size", Old: nil, New: "large"}, `  set size: nil → "large"`},
		{flow.Step{Kind: flow.StepSet, Var: "qty", Old: 1, New: 2.5}, "  set qty: 1 → 2.5"},
		{flow.Step{Kind: flow.StepBranch, Detail: `intent == "x"`, Goto: "b"}, `  branch: intent == "x" → b`},
		{flow.Step{Kind: flow.StepBranch, Goto: "b"}, "  branch: → b"},
		{flow.Step{Kind: flow.StepSend, Detail: "Hello"}, "  send: Hello"},
		{flow.Step{Kind: flow.StepEnd, Block: "bye"}, "  end"},
	}
	for _, tt := range tests {
		if got := tt.step.String(); got != tt.want {
			t.Errorf("%+v: String() = %q, want %q", tt.step, got, tt.want)
		}
	}
}

func TestTraceBlocksAndString(t *testing.T) {
	t.Parallel()
	tr := flow.Trace{
		{Kind: flow.StepKeyword, Detail: "#start", Goto: "welcome"},
		{Kind: flow.StepEnter, Block: "welcome", Type: "message"},
		{Kind: flow.StepSend, Block: "welcome", Detail: "Hi"},
		{Kind: flow.StepEnter, Block: "menu", Type: "input"},
		{Kind: flow.StepWait, Block: "menu", Detail: "waiting for the user"},
	}
	if diff := cmp.Diff([]string{"welcome", "menu"}, tr.Blocks()); diff != "" {
		t.Errorf("Blocks (-want +got):\n%s", diff)
	}
	want := "  keyword: #start\n→ welcome (message)\n  send: Hi\n→ menu (input)\n  wait: waiting for the user\n"
	if got := tr.String(); got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}
