package block_test

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/confab/confab/internal/block"
	"github.com/confab/confab/internal/bot"
)

func TestBuiltinHasEveryKindOfFormat1(t *testing.T) {
	t.Parallel()
	r := block.Builtin()
	want := []string{"ai", "api", "code", "condition", "custom_action", "end", "function", "handover", "input", "message", "set", "wait"}
	if diff := cmp.Diff(want, r.KindNames()); diff != "" {
		t.Errorf("KindNames (-want +got):\n%s", diff)
	}
	for _, name := range want {
		k, ok := r.Lookup(name)
		if !ok {
			t.Errorf("Lookup(%q) found nothing", name)
			continue
		}
		if doc := k.Doc(); !strings.HasSuffix(doc, ".") || len(doc) < 20 {
			t.Errorf("%s: Doc() = %q, want a sentence", name, doc)
		}
		cfg := k.NewConfig()
		if v := reflect.ValueOf(cfg); v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
			t.Errorf("%s: NewConfig() = %T, want a pointer to a struct", name, cfg)
		}
		if _, ok := r.Runner(name); !ok {
			t.Errorf("Runner(%q) found nothing", name)
		}
		if _, ok := r.Kind(name); !ok {
			t.Errorf("Kind(%q) found nothing", name)
		}
	}
	if _, ok := r.Lookup("goto"); ok {
		t.Error(`Lookup("goto") found a kind`)
	}
}

func TestRegistryAddReplaces(t *testing.T) {
	t.Parallel()
	var r block.Registry
	if _, ok := r.Runner("message"); ok {
		t.Fatal("the zero registry has a kind")
	}
	builtin := block.Builtin()
	msg, _ := builtin.Lookup("message")
	end, _ := builtin.Lookup("end")
	r.Add("say", msg)
	r.Add("say", end)
	got, ok := r.Lookup("say")
	if !ok || got.Doc() != end.Doc() {
		t.Errorf("Lookup(say) = %v, want the kind added last", got)
	}
	if diff := cmp.Diff([]string{"say"}, r.KindNames()); diff != "" {
		t.Errorf("KindNames (-want +got):\n%s", diff)
	}
}

func TestKindsCheckTheirBlocks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file string
		want []string
	}{
		{"input.yaml", []string{
			`5:3: retries of block "too_many" must be between 0 and 10`,
			`10:3: warning: block "no_validate" has retries, retry_message or on_fail but no validate: every answer is accepted`,
			`14:3: retries of block "negative" must be between 0 and 10`,
		}},
		{"condition.yaml", []string{
			`10:7: warning: condition "route" has no default branch (one without when): when no branch holds the conversation ends`,
		}},
		{"api.yaml", []string{
			`9:11: a form body must be a mapping of field names to values`,
			`10:14: timeout 31s is too long; the most is 30s`,
			`15:14: timeout 11s is too long; the most is 10s`,
			`20:14: timeout 1m0s is too long; the most is 30s`,
		}},
		{"code.yaml", []string{
			`9:3: the script of block "typo" does not compile: line 2: SyntaxError: expecting ')'`,
			`17:14: timeout 11s is too long; the most is 10s`,
		}},
		{"function.yaml", []string{
			`11:3: block "unknown" calls function "get_ordr", which is not declared under functions (did you mean "get_order"?)`,
			`15:3: block "bad_params" does not give the required parameter "order_id" of function "get_order"`,
			`18:22: function "get_order" has no parameter "order"`,
			`20:3: block "ai" lists function "cancel_order", which is not declared under functions`,
			`26:17: warning: on_timeout of block "wait" is never taken: the block has no timeout`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(filepath.Join("testdata", "check", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			_, ps := bot.Parse(tt.file, data, block.Builtin())
			var got []string
			for _, p := range ps {
				if strings.Contains(p.Msg, "never reached") {
					continue
				}
				severity := ""
				if p.Severity == bot.Warning {
					severity = "warning: "
				}
				got = append(got, fmt.Sprintf("%d:%d: %s%s", p.Pos.Line, p.Pos.Col, severity, p.Msg))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}
