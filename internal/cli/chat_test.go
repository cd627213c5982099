package cli

import (
	"bytes"
	"strings"
	"testing"
)

// runCLI runs confab with args and stdin, returning the exit code and
// what it printed.
func runCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Main(args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestChatPipeModePrintsOneLinePerMessage(t *testing.T) {
	t.Parallel()
	code, out, errOut := runCLI(t, "hi\nI want a pizza\n2\nbig\n3\n", "chat", "../../bots/pizza.yaml")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	want := []string{
		"Hi there! Welcome to Pizza Palace.",
		"What would you like? [1) Order a pizza | 2) See the menu | 3) Track my order | 4) Opening hours]",
		"Which pizza would you like? [Choose a pizza] 1) Margherita  2) Pepperoni  3) Veggie",
		"Which size, small, medium or large? [1) Small | 2) Medium | 3) Large]",
		"How many would you like? (1 to 10)",
		"[card] 3 × large pepperoni — Total €42 (image: https://pizza.example/img/pepperoni.jpg)   [1) Confirm]  [2) Change]  [See the menu → https://pizza.example/menu]",
	}
	if got := strings.Split(strings.TrimRight(out, "\n"), "\n"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("chat printed:\n%s\nwant:\n%s", out, strings.Join(want, "\n"))
	}
	if strings.Contains(out, "you>") {
		t.Errorf("pipe mode printed a prompt:\n%s", out)
	}
}

func TestChatNumberPicksAQuickReply(t *testing.T) {
	t.Parallel()
	// "1" picks "Order a pizza" from the welcome message's quick replies.
	_, out, _ := runCLI(t, "hi\n1\n", "chat", "../../bots/pizza.yaml")
	if !strings.Contains(out, "Which pizza would you like?") {
		t.Errorf("typing 1 did not pick the first quick reply:\n%s", out)
	}
}

func TestChatCommands(t *testing.T) {
	t.Parallel()
	_, out, _ := runCLI(t, "hi\nI want a pizza\nsalami\n/vars\n/restart\nhello\n/trace\nbye\n/quit\nnever read\n", "chat", "../../bots/pizza.yaml")
	for _, want := range []string{
		`  topping = "pepperoni"`,
		`(status "input", block "ask_size")`,
		"(conversation restarted: the next message starts the bot)",
		"(trace on)",
		`  ·   branch: intent == "goodbye" → bye`,
		"Bye! Come back when you are hungry.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "never read") {
		t.Errorf("/quit did not stop the chat")
	}
}

func TestChatTraceFlag(t *testing.T) {
	t.Parallel()
	_, out, _ := runCLI(t, "hi\nlarge please\n", "chat", "--trace", "../../bots/pizza.yaml")
	for _, want := range []string{"→ welcome (message)", "→ menu (input)", `set choice: nil → "large please"`} {
		if !strings.Contains(out, want) {
			t.Errorf("trace lacks %q:\n%s", want, out)
		}
	}
}

func TestChatReportsOutsideWorldBlocks(t *testing.T) {
	t.Parallel()
	_, out, _ := runCLI(t, "hi\nwhere is my order\n1234\n", "chat",
		"--env", "ORDERS_URL=https://orders.example", "../../bots/orders.yaml")
	want := `(confab chat does not run function blocks yet: block "lookup" would call POST https://orders.example/functions; taking on_error)`
	if !strings.Contains(out, want) {
		t.Errorf("output lacks %q:\n%s", want, out)
	}
	if !strings.Contains(out, "Something went wrong on our side") {
		t.Errorf("on_error was not taken:\n%s", out)
	}
}

func TestChatRunsCodeBlocksWithoutRequests(t *testing.T) {
	t.Parallel()
	_, out, _ := runCLI(t, "hi\nwhen will my order arrive\n#1234\n/vars\n", "chat",
		"--env", "ORDERS_URL=https://orders.example", "../../bots/orders.yaml")
	for _, want := range []string{
		`(confab chat makes no requests: the script of block "estimate" would fetch GET https://orders.example/orders/1234/eta; the fetch fails)`,
		"Something went wrong on our side",
		`  error = "unsupported: fetch: confab chat makes no requests: the script of block \"estimate\" would fetch GET https://orders.example/orders/1234/eta"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestChatWaitAndHandoverCommands(t *testing.T) {
	t.Parallel()
	_, out, _ := runCLI(t, "hi\norder again\n/callback {\"status\":\"paid\",\"amount\":9,\"currency\":\"EUR\"}\ntalk to a human\nhello?\n/unpause\n", "chat", "../../bots/orders.yaml")
	for _, want := range []string{
		"Payment received (9 EUR). Your order is placed!",
		"Connecting you to a colleague...",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "Anything else?"); n != 2 {
		t.Errorf("expected the bot to resume after the payment and after /unpause (2 × Anything else?), got %d:\n%s", n, out)
	}
}

func TestChatRefusesAnInvalidBot(t *testing.T) {
	t.Parallel()
	path := t.TempDir() + "/bad.yaml"
	writeFile(t, path, "confab: 1\nid: bad\nstart: nowhere\nblocks:\n  a: { type: end }\n")
	code, _, errOut := runCLI(t, "", "chat", path)
	if code != 1 || !strings.Contains(errOut, `bad.yaml:3:8: no block "nowhere"`) {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}
