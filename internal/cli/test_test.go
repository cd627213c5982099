package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

const echoBot = `confab: 1
id: echo
start: ask
blocks:
  ask:
    type: input
    prompt: Say something
    save: said
    next: answer
  answer:
    type: api
    method: POST
    url: https://api.example/echo
    body: { text: "{{ said }}" }
    save: echo
    on_error: sorry
    next: reply
  reply:
    type: end
    messages: ["You said {{ echo.body.text }}"]
  sorry:
    type: end
    messages: ["The echo service failed."]
`

func TestTestCommandPassesAndFails(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "echo.yaml"), echoBot)
	writeFile(t, filepath.Join(dir, "echo.test.yaml"), `bot: echo
tests:
  - name: echoes
    steps:
      - user: hi
      - bot: Say something
      - user: hello
      - bot: You said hello
    http:
      - match: { method: POST, url: "*/echo", body: { text: hello } }
        respond: { json: { text: hello } }
  - name: expects the wrong reply
    steps:
      - user: hi
      - user: hello
      - bot: /you said goodbye/i
    http:
      - match: { url: "*/echo" }
        respond: { json: { text: hello } }
  - name: a call no fixture matches fails the test
    steps:
      - user: hi
      - user: hello
`)
	code, out, _ := runCLI(t, "", "test", dir)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	for _, want := range []string{
		`echo.test.yaml:12: expects the wrong reply`,
		`expected a bot message "/you said goodbye/i"`,
		`1. You said hello`,
		`blocks: ask → answer → reply`,
		`echo.test.yaml:20: a call no fixture matches fails the test`,
		`no http fixture matches the call of block "answer":`,
		`POST https://api.example/echo`,
		`body: {"text":"hello"}`,
		"1 passed, 2 failed",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestTestCommandOnTheExampleBots(t *testing.T) {
	t.Parallel()
	code, out, _ := runCLI(t, "", "test", "../../bots")
	if code != 0 || !strings.Contains(out, " passed, 0 failed") {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

func TestTestCommandWithNoTestsFails(t *testing.T) {
	t.Parallel()
	code, out, _ := runCLI(t, "", "test", t.TempDir())
	if code != 1 || !strings.Contains(out, "0 passed, 0 failed") {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

func TestTestCommandUnknownBot(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "x.test.yaml"), "bot: nobody\ntests: []\n")
	code, out, _ := runCLI(t, "", "test", dir)
	if code != 1 || !strings.Contains(out, `no bot with id "nobody"`) {
		t.Errorf("exit %d:\n%s", code, out)
	}
}
