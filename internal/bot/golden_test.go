package bot_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/confab/confab/internal/block"
	"github.com/confab/confab/internal/bot"
)

// The -update flag rewrites the golden files from the parser's output:
//
//	go test ./internal/bot -run Golden -update
//
// It is registered only when no other test file of the package did, so that
// two tests may share it.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite the golden files of the tests from their output")
	}
}

// updating reports whether the tests should rewrite their golden files.
func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// invalidDir holds one small bot per class of problem, each with a .golden
// file holding the exact Problems.String() output Parse gives for it.
const invalidDir = "testdata/invalid"

// TestGoldenProblems parses every bot in testdata/invalid and compares the
// problems it reports with the file's golden output.
func TestGoldenProblems(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join(invalidDir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no bot files in %s", invalidDir)
	}
	kinds := block.Builtin()
	for _, file := range files {
		file = filepath.ToSlash(file)
		name := strings.TrimSuffix(filepath.Base(file), ".yaml")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			_, ps := bot.Parse(file, data, kinds)
			got := ps.String()
			if got == "" {
				t.Errorf("Parse(%s) reports no problem; every bot in %s must have at least one", file, invalidDir)
			}
			golden := strings.TrimSuffix(file, ".yaml") + ".golden"
			if updating() {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./internal/bot -run Golden -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("Parse(%s) problems differ from %s (-want +got):\n%s", file, golden, diff)
			}
		})
	}
}

// TestGoldenFilesHaveBots checks that no golden file is left over from a bot
// file that was renamed or removed.
func TestGoldenFilesHaveBots(t *testing.T) {
	t.Parallel()
	goldens, err := filepath.Glob(filepath.Join(invalidDir, "*.golden"))
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range goldens {
		if _, err := os.Stat(strings.TrimSuffix(g, ".golden") + ".yaml"); err != nil {
			t.Errorf("%s has no bot file: %v", g, err)
		}
	}
}
