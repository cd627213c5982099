package cli_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/confab/confab/internal/cli"
)

// validBot is a bot with no problem at all.
const validBot = `confab: 1
id: hello
start: welcome
blocks:
  welcome:
    type: message
    messages: ["Hi {{ user.name ?? 'there' }}!"]
    next: done
  done:
    type: end
`

// invalidBot has errors (a misspelt field, so a missing one, and a
// reference to a block that does not exist) and, because of the last, a
// warning.
const invalidBot = `confab: 1
id: broken
start: welcome
blocks:
  welcome:
    type: message
    mesages: ["Hi!"]
    next: dne
  done:
    type: end
`

// warningBot has warnings only: a block nothing leads to and a variable
// nothing sets.
const warningBot = `confab: 1
id: warned
start: welcome
blocks:
  welcome:
    type: end
    messages: ["Hi {{ nam }}"]
  orphan:
    type: end
`

// conversationTest is a conversation test; as a bot it would be invalid.
const conversationTest = `bot: hello
tests:
  - name: greets
    steps:
      - user: hi
      - bot: Hi there!
`

// runValidate runs `confab validate` with args and returns the exit code,
// stdout and stderr.
func runValidate(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = cli.Main(append([]string{"validate"}, args...), strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

// botFolder writes files (name → content) into a new temporary folder and
// returns the folder.
func botFolder(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestValidate runs confab validate on folders of bots and checks the exit
// code and the problem lines printed.
func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		files map[string]string
		code  int
		// stdout lists the expected output lines, with DIR for the folder.
		stdout []string
		stderr string // a part of stderr, "" for none at all
	}{
		{
			name:  "a valid bot",
			files: map[string]string{"hello.yaml": validBot},
			code:  0,
		},
		{
			name:  "an invalid bot",
			files: map[string]string{"broken.yaml": invalidBot},
			code:  1,
			stdout: []string{
				`DIR/broken.yaml:6:5: block "welcome" is missing the required field "messages"`,
				`DIR/broken.yaml:7:5: unknown field "mesages" in block "welcome" (did you mean "messages"?)`,
				`DIR/broken.yaml:8:11: no block "dne" (did you mean "done"?)`,
				`DIR/broken.yaml:9:3: warning: block "done" is never reached from start, a keyword or not_understood`,
			},
		},
		{
			name:  "warnings only",
			files: map[string]string{"warned.yml": warningBot},
			code:  0,
			stdout: []string{
				`DIR/warned.yml:7:23: warning: "nam" is not a declared variable, nor set by any block`,
				`DIR/warned.yml:8:3: warning: block "orphan" is never reached from start, a keyword or not_understood`,
			},
		},
		{
			name: "conversation tests are not bots",
			files: map[string]string{
				"hello.yaml":           validBot,
				"hello.test.yaml":      conversationTest,
				"more/hello.test.yml":  conversationTest,
				"more/notes.txt":       "not yaml: [",
				".hidden/broken.yaml":  invalidBot,
				"sub/other/hello2.yml": strings.Replace(validBot, "id: hello", "id: hello2", 1),
			},
			code: 0,
		},
		{
			name: "a valid and an invalid bot",
			files: map[string]string{
				"hello.yaml":      validBot,
				"hello.test.yaml": conversationTest,
				"sub/broken.yaml": invalidBot,
			},
			code: 1,
			stdout: []string{
				`DIR/sub/broken.yaml:6:5: block "welcome" is missing the required field "messages"`,
				`DIR/sub/broken.yaml:7:5: unknown field "mesages" in block "welcome" (did you mean "messages"?)`,
				`DIR/sub/broken.yaml:8:11: no block "dne" (did you mean "done"?)`,
				`DIR/sub/broken.yaml:9:3: warning: block "done" is never reached from start, a keyword or not_understood`,
			},
		},
		{
			name: "a YAML syntax error",
			files: map[string]string{
				"tabs.yaml": "confab: 1\nid: tabs\nblocks:\n\ta:\n",
			},
			code:   1,
			stdout: []string{`DIR/tabs.yaml:4:1: YAML syntax error: a tab indents this line; indent with spaces only`},
		},
		{
			name: "two bots with one id",
			files: map[string]string{
				"a.yaml": validBot,
				"b.yaml": validBot,
			},
			code:   1,
			stdout: []string{`DIR/b.yaml:1:1: bot id "hello" is also used by DIR/a.yaml`},
		},
		{
			name:   "only conversation tests",
			files:  map[string]string{"hello.test.yaml": conversationTest},
			code:   1,
			stderr: "no bot files found",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := botFolder(t, tt.files)
			code, stdout, stderr := runValidate(t, dir)
			want := ""
			for _, line := range tt.stdout {
				want += filepath.FromSlash(strings.ReplaceAll(line, "DIR/", dir+"/")) + "\n"
			}
			if code != tt.code {
				t.Errorf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout, stderr)
			}
			if stdout != want {
				t.Errorf("stdout:\n%s\nwant:\n%s", stdout, want)
			}
			if tt.stderr == "" && stderr != "" || !strings.Contains(stderr, tt.stderr) {
				t.Errorf("stderr = %q, want %q", stderr, tt.stderr)
			}
		})
	}
}

// TestValidateExampleBots checks that the example bots validate cleanly.
func TestValidateExampleBots(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := runValidate(t, "../../bots")
	if code != 0 || stdout != "" || stderr != "" {
		t.Errorf("validate ../../bots: exit code %d, stdout %q, stderr %q; want 0 and no output", code, stdout, stderr)
	}
}

// TestValidatePaths checks files named on the command line, several paths,
// and paths that do not exist.
func TestValidatePaths(t *testing.T) {
	t.Parallel()
	dir := botFolder(t, map[string]string{
		"hello.yaml":  validBot,
		"broken.yaml": invalidBot,
		"warned.yaml": warningBot,
	})
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string // a part of stdout, "" for none at all
		stderr string // a part of stderr, "" for none at all
	}{
		{"one valid file", []string{filepath.Join(dir, "hello.yaml")}, 0, "", ""},
		{"one invalid file", []string{filepath.Join(dir, "broken.yaml")}, 1, "broken.yaml:8:11: no block", ""},
		{"a valid and a warned file", []string{filepath.Join(dir, "hello.yaml"), filepath.Join(dir, "warned.yaml")}, 0, "warned.yaml:8:3: warning:", ""},
		{"a missing file", []string{filepath.Join(dir, "nope.yaml")}, 2, "", "nope.yaml"},
		{"no path", nil, 2, "", "requires at least 1 arg"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runValidate(t, tt.args...)
			if code != tt.code {
				t.Errorf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout, stderr)
			}
			if tt.stdout == "" && stdout != "" || !strings.Contains(stdout, tt.stdout) {
				t.Errorf("stdout = %q, want %q", stdout, tt.stdout)
			}
			if tt.stderr == "" && stderr != "" || !strings.Contains(stderr, tt.stderr) {
				t.Errorf("stderr = %q, want %q", stderr, tt.stderr)
			}
		})
	}
}
