package cli

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/confab/confab/internal/app"
	"github.com/confab/confab/internal/config"
	"github.com/confab/confab/internal/testkit"
)

// runConfab runs confab with args and returns its exit code and outputs.
func runConfab(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := Main(args, strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

// serveData runs confab serve on 127.0.0.1 over the SQLite data directory
// dir until the test ends, and returns its URL.
func serveData(t *testing.T, dir string) string {
	t.Helper()
	bots := t.TempDir()
	writeFile(t, filepath.Join(bots, "echo.yaml"), echoBot)
	cfg := config.Default()
	cfg.Addr, cfg.DataDir, cfg.BotsDir = "127.0.0.1:0", dir, bots
	ctx, cancel := context.WithCancel(context.Background())
	ready, done := make(chan string, 1), make(chan error, 1)
	go func() {
		done <- app.Serve(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), io.Discard, func(addr string) { ready <- addr })
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	select {
	case addr := <-ready:
		return "http://" + addr
	case err := <-done:
		t.Fatalf("the server did not start: %v", err)
	}
	return ""
}

// tokenList is what GET /v1/tokens answers.
type tokenList struct {
	Tokens []struct {
		ID, Name, Prefix string
	}
}

func TestTokenCommandsOnARealDataDirectory(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()

	// Before the first start there is no project to make a token for.
	code, out, errOut := runConfab("token", "create", "--name", "ci", "--data", dir)
	if code != 2 || out != "" || !strings.Contains(errOut, "there is no project yet: confab serve creates it on its first start") {
		t.Fatalf("create before the first start = %d %q %q", code, out, errOut)
	}

	url := serveData(t, dir)
	// The server runs on the same database meanwhile.
	code, out, errOut = runConfab("token", "create", "--name", "ci deploys", "--data", dir)
	if code != 0 {
		t.Fatalf("token create = %d %q %q", code, out, errOut)
	}
	text := strings.TrimSuffix(out, "\n")
	if !regexp.MustCompile(`^cfb_admin_[A-Za-z0-9_-]{43}$`).MatchString(text) {
		t.Fatalf("standard output %q is not the token alone", out)
	}
	m := regexp.MustCompile(`^Created token (tok_\w+) \(ci deploys\) of project prj_\w+; it does not expire\. It is shown once: keep it\.\n$`).FindStringSubmatch(errOut)
	if m == nil {
		t.Fatalf("standard error %q", errOut)
	}
	id := m[1]

	// The printed token works against the server.
	var list tokenList
	if code := testkit.Call(t, "GET", url+"/v1/tokens", text, nil, &list); code != http.StatusOK || len(list.Tokens) != 2 {
		t.Fatalf("GET /v1/tokens with the new token = %d %+v", code, list)
	}
	var first string
	for _, tk := range list.Tokens {
		if tk.Name == "first start" {
			first = tk.ID
		}
	}
	if first == "" {
		t.Fatalf("the first start's token is not listed: %+v", list)
	}
	if code := testkit.Call(t, "POST", url+"/v1/channels", text, map[string]any{"bot": "echo", "webhookUrl": "https://hooks.example.com/confab"}, nil); code != http.StatusCreated {
		t.Errorf("POST /v1/channels with the new token = %d", code)
	}

	code, out, errOut = runConfab("token", "create", "--name", "expiring", "--expires-in", "720h", "--data", dir)
	if code != 0 || !strings.Contains(errOut, "(expiring) of project prj_") || !strings.Contains(errOut, "; it expires at ") {
		t.Fatalf("token create --expires-in = %d %q %q", code, out, errOut)
	}
	expiring := strings.TrimSuffix(out, "\n")

	// The list shows every token, what it is and when it was used, but not
	// its text.
	code, out, errOut = runConfab("token", "list", "--data", dir)
	if code != 0 || errOut != "" {
		t.Fatalf("token list = %d %q %q", code, out, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 4 || !regexp.MustCompile(`^ID +NAME +PREFIX +CREATED +LAST USED +EXPIRES$`).MatchString(lines[0]) {
		t.Fatalf("token list printed %q", out)
	}
	for _, want := range []string{
		`(?m)^` + id + ` +ci deploys +` + regexp.QuoteMeta(text[:len("cfb_admin_")+4]) + ` +\d{4}-\d\d-\d\dT[\d:]+Z +\d{4}-\d\d-\d\dT[\d:]+Z +-$`,
		`(?m)^` + first + ` +first start +cfb_admin_.{4} +\S+ +- +-$`,
		`(?m)^tok_\w+ +expiring +cfb_admin_.{4} +\S+ +- +\d{4}-\d\d-\d\dT[\d:]+Z$`,
	} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("token list printed\n%s\nwith no line matching %s", out, want)
		}
	}
	if strings.Contains(out, text) || strings.Contains(out, expiring) {
		t.Errorf("token list printed a token's text:\n%s", out)
	}

	// Revoking stops the token at once, also for the running server.
	code, out, errOut = runConfab("token", "revoke", id, "--data", dir)
	if code != 0 || out != "Revoked token "+id+".\n" || errOut != "" {
		t.Fatalf("token revoke = %d %q %q", code, out, errOut)
	}
	if code := testkit.Call(t, "GET", url+"/v1/tokens", text, nil, nil); code != http.StatusUnauthorized {
		t.Errorf("GET /v1/tokens with the revoked token = %d", code)
	}
	code, _, errOut = runConfab("token", "revoke", id, "--data", dir)
	if code != 2 || !strings.Contains(errOut, "has no token "+id+" (confab token list shows its tokens)") {
		t.Errorf("revoke twice = %d %q", code, errOut)
	}

	// The last token that works stays.
	if code := testkit.Call(t, "GET", url+"/v1/tokens", expiring, nil, &list); code != http.StatusOK {
		t.Fatalf("GET /v1/tokens with the expiring token = %d", code)
	}
	for _, tk := range list.Tokens {
		if tk.Name == "expiring" {
			if code, out, errOut := runConfab("token", "revoke", tk.ID, "--data", dir); code != 0 {
				t.Fatalf("revoke the expiring token = %d %q %q", code, out, errOut)
			}
		}
	}
	code, _, errOut = runConfab("token", "revoke", first, "--data", dir)
	if code != 2 || !strings.Contains(errOut, "token "+first+" is the project's last valid token; create another first") {
		t.Errorf("revoke the last token = %d %q", code, errOut)
	}
}

func TestTokenCreateChecksItsFlags(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"token", "create"}, `required flag(s) "name" not set`},
		{[]string{"token", "create", "--name", " "}, "--name: a token's name must not be empty"},
		{[]string{"token", "create", "--name", strings.Repeat("n", 101)}, "--name: a token's name must have at most 100 characters, it has 101"},
		{[]string{"token", "create", "--name", "ci", "--expires-in", "-1h"}, "--expires-in must not be negative, it is -1h0m0s"},
		{[]string{"token", "create", "--name", "ci", "--expires-in", "soon"}, `invalid argument "soon"`},
		{[]string{"token", "revoke"}, "accepts 1 arg(s), received 0"},
		{[]string{"token", "list", "extra"}, `unknown command "extra"`},
	} {
		code, out, errOut := runConfab(append(tc.args, "--data", dir)...)
		if code != 2 || out != "" || !strings.Contains(errOut, tc.want) {
			t.Errorf("confab %s = %d %q %q, want exit 2 and %q", strings.Join(tc.args, " "), code, out, errOut, tc.want)
		}
	}
	// None of them got as far as the database.
	if matches, _ := filepath.Glob(filepath.Join(dir, "*")); len(matches) != 0 {
		t.Errorf("the data directory holds %v", matches)
	}
}
