package convtest_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/confab/confab/internal/block"
	"github.com/confab/confab/internal/bot"
	"github.com/confab/confab/internal/convtest"
)

// TestExampleBots runs the conversation tests shipped in bots/, as
// `confab test bots/` does.
func TestExampleBots(t *testing.T) {
	t.Parallel()
	kinds := block.Builtin()
	set, err := bot.LoadSet([]string{"../../bots"}, kinds)
	if err != nil {
		t.Fatalf("loading bots: %v\n%s", err, set.Problems)
	}
	files, err := bot.Files([]string{"../../bots"}, convtest.IsTestFile)
	if err != nil || len(files) == 0 {
		t.Fatalf("no test files: %v", err)
	}
	for _, path := range files {
		f, err := convtest.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		b := set.Bots[f.Bot]
		if b == nil {
			t.Fatalf("%s: no bot %q", path, f.Bot)
		}
		for _, r := range convtest.RunFile(context.Background(), f, b, kinds) {
			t.Run(filepath.Base(path)+"/"+r.Name, func(t *testing.T) {
				if !r.Passed() {
					t.Errorf("%s:%d: %s\n%s", r.File, r.Line, r.Name, r.Failure)
				}
			})
		}
	}
}
