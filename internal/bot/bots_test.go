package bot_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/confab/confab/internal/block"
	"github.com/confab/confab/internal/bot"
)

// botsDir holds the example bots that ship with confab.
const botsDir = "../../bots"

// TestExampleBotsAreClean checks that every example bot parses with no
// problem at all: no error and no warning.
func TestExampleBotsAreClean(t *testing.T) {
	t.Parallel()
	files, err := bot.Files([]string{botsDir}, bot.IsBotFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"orders.yaml", "pizza.yaml"} {
		if !slices.Contains(files, filepath.Join(botsDir, want)) {
			t.Errorf("Files(%s) = %v, without %s", botsDir, files, want)
		}
	}
	kinds := block.Builtin()
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			b, ps := bot.Parse(file, data, kinds)
			if len(ps) > 0 {
				t.Errorf("Parse(%s) reports problems:\n%s", file, ps)
			}
			if b == nil || b.ID == "" || len(b.Blocks.List) == 0 {
				t.Errorf("Parse(%s) = %+v, want a bot with an id and blocks", file, b)
			}
		})
	}
}

// TestLoadSetExampleBots checks that the example folder loads as a set: its
// conversation tests are not taken for bots, and the ids are unique.
func TestLoadSetExampleBots(t *testing.T) {
	t.Parallel()
	set, err := bot.LoadSet([]string{botsDir}, block.Builtin())
	if err != nil {
		t.Fatalf("LoadSet(%s): %v\n%s", botsDir, err, set.Problems)
	}
	if len(set.Problems) > 0 {
		t.Errorf("LoadSet(%s) reports problems:\n%s", botsDir, set.Problems)
	}
	for _, id := range []string{"orders", "pizza"} {
		if set.Bots[id] == nil {
			t.Errorf("LoadSet(%s) has no bot %q; it has %d bots", botsDir, id, len(set.Bots))
		}
	}
}

// TestIsBotFile checks which file names are bot files.
func TestIsBotFile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		path string
		want bool
	}{
		{"pizza.yaml", true},
		{"bots/pizza.yml", true},
		{"pizza.test.yaml", false},
		{"bots/pizza.test.yml", false},
		{"pizza.testing.yaml", true},
		{"README.md", false},
		{"pizza.yaml.bak", false},
	}
	for _, tt := range tests {
		if got := bot.IsBotFile(tt.path); got != tt.want {
			t.Errorf("IsBotFile(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
}

// TestLoadSetDuplicateIDs checks that two bot files with one id are an
// error naming both files.
func TestLoadSetDuplicateIDs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := []byte("confab: 1\nid: same\nstart: a\nblocks:\n  a:\n    type: end\n")
	for _, name := range []string{"a.yaml", "b.yaml"} {
		if err := os.WriteFile(filepath.Join(dir, name), src, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	set, err := bot.LoadSet([]string{dir}, block.Builtin())
	if err != bot.ErrInvalid {
		t.Fatalf("LoadSet: err = %v, want ErrInvalid", err)
	}
	want := filepath.Join(dir, "b.yaml") + `:1:1: bot id "same" is also used by ` + filepath.Join(dir, "a.yaml") + "\n"
	if got := set.Problems.String(); got != want {
		t.Errorf("problems = %q, want %q", got, want)
	}
}
